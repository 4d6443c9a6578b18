import { expect } from 'chai';
import {
  ErrorCode,
  LogLevel,
  retryPolicies,
  WebClient,
  WebClientEvent,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebAPIRequestError,
  type WebClientOptions,
} from '@slack/web-api';
import { ManualClock } from '../../services/clock.js';
import { startSlackApi, type SlackApi, type SlackUser } from '../../tools/slackApi/index.js';

describe('the Slack Web API fake', () => {
  let slack: SlackApi;
  let alex: SlackUser;

  beforeEach(async () => {
    slack = await startSlackApi();
    alex = slack.addUser({ email: 'alex.doe@example.org' });
  });
  afterEach(async () => {
    await slack.close();
  });

  /** The official client, pointed at the fake; no retries unless a test asks for them. */
  const client = (options: WebClientOptions = {}, token: string | null = slack.token) =>
    new WebClient(token ?? undefined, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 }, ...options });

  /** For clients whose calls are expected to fail with response_metadata "[ERROR] …" lines, which the WebClient logs. */
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

  /** What a rejected call threw. */
  const failure = <T>(promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('the call should have failed'),
      (error: unknown) => error as T,
    );

  it('looks a user up by email, and answers users_not_found for strangers and deactivated accounts', async () => {
    const web = client();
    const found = await web.users.lookupByEmail({ email: 'Alex.Doe@example.org' });
    expect(found.ok).to.equal(true);
    expect(found.user).to.deep.include({ id: alex.id, team_id: slack.team.id, name: 'alex.doe', real_name: 'Alex Doe' });
    expect(found.user).to.deep.include({ deleted: false, is_bot: false });
    expect(found.user?.profile).to.deep.include({ email: 'alex.doe@example.org', real_name: 'Alex Doe', display_name: 'alex.doe' });
    expect(alex.id).to.match(/^U[A-Z0-9]{10}$/);

    const stranger = await failure<WebAPIPlatformError>(web.users.lookupByEmail({ email: 'nobody@example.org' }));
    expect(stranger.code).to.equal(ErrorCode.PlatformError);
    expect(stranger.data).to.include({ ok: false, error: 'users_not_found' });

    slack.addUser({ email: 'alex.doe@example.org', deleted: true });
    const gone = await failure<WebAPIPlatformError>(web.users.lookupByEmail({ email: 'alex.doe@example.org' }));
    expect(gone.data.error).to.equal('users_not_found');
    expect(slack.users().find((user) => user.id === alex.id)?.deleted).to.equal(true);
  });

  it('needs users:read.email for a lookup', async () => {
    await slack.close();
    slack = await startSlackApi({ scopes: ['chat:write'] });
    slack.addUser({ email: 'alex.doe@example.org' });
    const error = await failure<WebAPIPlatformError>(client().users.lookupByEmail({ email: 'alex.doe@example.org' }));
    expect(error.data).to.include({ error: 'missing_scope', needed: 'users:read.email', provided: 'chat:write' });
  });

  it('opens one stable DM channel per user, and refuses deactivated users and bots', async () => {
    const web = client();
    const first = await web.conversations.open({ users: alex.id });
    const again = await web.conversations.open({ users: alex.id });
    expect(first.channel?.id).to.equal(slack.dmChannelId(alex.id)).and.match(/^D[A-Z0-9]{10}$/);
    expect(again.channel?.id).to.equal(first.channel?.id);
    expect(again).to.include({ already_open: true });

    const sam = slack.addUser({ email: 'sam.roe@example.org', deleted: true });
    const robot = slack.addUser({ email: 'robot@example.org', isBot: true });
    const errors = await Promise.all(
      [sam.id, robot.id, 'U0NOBODY00'].map((id) => failure<WebAPIPlatformError>(web.conversations.open({ users: id }))),
    );
    expect(errors.map((error) => error.data.error)).to.deep.equal(['user_disabled', 'cannot_dm_bot', 'user_not_found']);
  });

  it('records posts with their metadata, and replays them newest first from conversations.history', async () => {
    const web = client();
    const dm = (await web.conversations.open({ users: alex.id })).channel!.id!;
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Your licence is ready*' } }];
    const posted = await web.chat.postMessage({
      channel: dm,
      text: 'Your licence is ready',
      blocks,
      metadata: { event_type: 'license_notice', event_payload: { notice_id: 'n-1' } },
    });
    expect(posted).to.include({ ok: true, channel: dm });
    expect(posted.ts).to.match(/^\d{10}\.\d{6}$/);
    expect(posted.message?.metadata).to.deep.equal({ event_type: 'license_notice', event_payload: { notice_id: 'n-1' } });
    // Slack also takes a user id as the channel of a DM, and answers with the DM's id.
    const second = await web.chat.postMessage({ channel: alex.id, text: 'A reminder' });
    expect(second.channel).to.equal(dm);

    const history = await web.conversations.history({ channel: dm, include_all_metadata: true, limit: 10 });
    expect(history.has_more).to.equal(false);
    expect(history.messages?.map((message) => message.text)).to.deep.equal(['A reminder', 'Your licence is ready']);
    // The client's generated types say `event_payload: {}`: a sender has to narrow it itself.
    const notice = history.messages?.find((message) => (message.metadata?.event_payload as { notice_id?: string } | undefined)?.notice_id === 'n-1');
    expect(notice?.ts).to.equal(posted.ts);
    expect(notice?.blocks).to.deep.equal(blocks);
    expect(notice).to.include({ bot_id: slack.bot.botId, user: slack.bot.userId });

    const withoutMetadata = await web.conversations.history({ channel: dm });
    expect(withoutMetadata.messages?.some((message) => 'metadata' in message)).to.equal(false);
    const newer = await web.conversations.history({ channel: dm, oldest: posted.ts!, limit: 1 });
    expect(newer.messages?.map((message) => message.text)).to.deep.equal(['A reminder']);
    const firstPage = await web.conversations.history({ channel: dm, limit: 1 });
    expect(firstPage.has_more).to.equal(true);
    const nextPage = await web.conversations.history({ channel: dm, limit: 1, cursor: firstPage.response_metadata!.next_cursor! });
    expect(nextPage.messages?.map((message) => message.ts)).to.deep.equal([posted.ts]);

    const recorded = slack.messages(alex.id);
    expect(recorded.map((message) => [message.channel, message.text, message.metadata?.event_payload.notice_id])).to.deep.equal([
      [dm, 'Your licence is ready', 'n-1'],
      [dm, 'A reminder', undefined],
    ]);
    // The client form-encodes: objects travel as JSON text, the token in the header.
    const post = slack.requests().find((request) => request.method === 'chat.postMessage')!;
    expect(post).to.include({ auth: 'bearer', status: 200, ok: true, channel: dm });
    expect(post.args.metadata).to.be.a('string');
  });

  it('answers channel_not_found for an unknown channel, and accepts a deactivated user\'s DM as Slack does', async () => {
    const web = client();
    const unknown = await failure<WebAPIPlatformError>(web.chat.postMessage({ channel: 'D0NOWHERE0', text: 'hello?' }));
    expect(unknown.data.error).to.equal('channel_not_found');
    const history = await failure<WebAPIPlatformError>(web.conversations.history({ channel: 'C0NOWHERE0' }));
    expect(history.data.error).to.equal('channel_not_found');
    const robot = slack.addUser({ email: 'robot@example.org', isBot: true });
    const bot = await failure<WebAPIPlatformError>(web.chat.postMessage({ channel: robot.id, text: 'beep' }));
    expect(bot.data.error).to.equal('cannot_dm_bot');

    slack.addUser({ email: 'alex.doe@example.org', deleted: true });
    const posted = await web.chat.postMessage({ channel: alex.id, text: 'still delivered' });
    expect(posted.ok).to.equal(true);
    expect(slack.counters()).to.deep.include({ accepted: 1, failed: 3, rateLimited: 0 });
  });

  it('answers 429 with Retry-After past one message per second per channel (after a short burst)', async () => {
    const web = client({ rejectRateLimitedCalls: true });
    const dm = (await web.conversations.open({ users: alex.id })).channel!.id!;
    for (let i = 1; i <= 3; i++) await web.chat.postMessage({ channel: dm, text: `burst ${i}` });
    const limited = await failure<WebAPIRateLimitedError>(web.chat.postMessage({ channel: dm, text: 'one too many' }));
    expect(limited.code).to.equal(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).to.equal(1);
    // Another channel has its own allowance.
    const other = slack.addChannel({ name: 'license-admins' });
    await web.chat.postMessage({ channel: other.id, text: 'admins' });

    // On the wire: HTTP 429, Retry-After in seconds, Slack's body.
    const raw = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: dm, text: 'raw' }),
    });
    expect(raw.status).to.equal(429);
    expect(raw.headers.get('retry-after')).to.equal('1');
    expect(await raw.json()).to.deep.equal({ ok: false, error: 'ratelimited' });

    const counters = slack.counters();
    expect(counters.byChannel[dm]).to.deep.equal({ accepted: 3, failed: 0, rateLimited: 2 });
    expect(counters.byChannel[other.id]).to.deep.equal({ accepted: 1, failed: 0, rateLimited: 0 });
    expect(counters.byMethod['chat.postMessage']).to.deep.equal({ accepted: 4, failed: 0, rateLimited: 2 });
    expect(slack.messages(dm)).to.have.length(3);
  });

  it("shows the WebClient's own handling of a 429: it waits Retry-After, then its own backoff, then retries", async function () {
    this.timeout(10_000);
    slack.setRateLimits({ perChannel: { perSecond: 1, burst: 1 } });
    // The default retry policy (tenRetriesInAboutThirtyMinutes), as production would use it.
    const web = client({ retryConfig: retryPolicies.tenRetriesInAboutThirtyMinutes });
    const told: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => told.push(seconds));
    await web.chat.postMessage({ channel: alex.id, text: 'first' });
    const started = Date.now();
    const second = await web.chat.postMessage({ channel: alex.id, text: 'second' });
    const waited = Date.now() - started;
    expect(second.ok).to.equal(true);
    expect(told).to.deep.equal([1]);
    // Retry-After (1 s), then p-retry's first backoff (1–2 s, randomised).
    expect(waited).to.be.within(1900, 3500);
    expect(slack.counters()).to.deep.include({ accepted: 2, rateLimited: 1 });
  });

  it('limits each method per workspace per minute (its tier), with a Retry-After up to a minute', async () => {
    slack.setRateLimits({ perMethod: { 'users.lookupByEmail': 3 } });
    const web = client({ rejectRateLimitedCalls: true });
    for (let i = 0; i < 3; i++) await web.users.lookupByEmail({ email: 'alex.doe@example.org' });
    const limited = await failure<WebAPIRateLimitedError>(web.users.lookupByEmail({ email: 'alex.doe@example.org' }));
    expect(limited.retryAfter).to.be.within(59, 60);
    // Other methods have their own allowance; and the limits can be switched off.
    await web.auth.test();
    slack.setRateLimits(false);
    for (let i = 0; i < 5; i++) await web.users.lookupByEmail({ email: 'alex.doe@example.org' });
    expect(slack.counters().byMethod['users.lookupByEmail']).to.deep.equal({ accepted: 8, failed: 0, rateLimited: 1 });
  });

  it('injects HTTP 500s, which the client reports as HTTP errors and retries under its policy', async () => {
    slack.injectFault({ status: 500 }, { match: { method: 'chat.postMessage' } });
    const raw = await failure<WebAPIHTTPError>(client().chat.postMessage({ channel: alex.id, text: 'hello' }));
    expect(raw.code).to.equal(ErrorCode.HTTPError);
    expect(raw.statusCode).to.equal(500);

    slack.injectFault({ status: 503, retryAfterSeconds: 1 }, { times: 2, match: { channel: alex.id } });
    const retried = await client({ retryConfig: retryPolicies.rapidRetryPolicy }).chat.postMessage({ channel: alex.id, text: 'hello' });
    expect(retried.ok).to.equal(true);
    expect(slack.requests().map((request) => request.status)).to.deep.equal([500, 503, 503, 200]);
    expect(slack.counters()).to.deep.include({ accepted: 1, failed: 3, injected: 3 });
  });

  it('injects API errors, which the client does not retry', async () => {
    slack.injectFault({ error: 'internal_error' }, { match: { method: 'users.lookupByEmail' } });
    const error = await failure<WebAPIPlatformError>(
      client({ retryConfig: retryPolicies.rapidRetryPolicy }).users.lookupByEmail({ email: 'alex.doe@example.org' }),
    );
    expect(error.data).to.include({ ok: false, error: 'internal_error' });
    expect(slack.requests()).to.have.length(1);
  });

  it('delays or hangs a call; a client with a timeout gives up on the hung one', async () => {
    slack.injectFault({ delayMs: 150 }, { match: { method: 'auth.test' } });
    const started = Date.now();
    await client().auth.test();
    expect(Date.now() - started).to.be.at.least(140);

    slack.injectFault({ hang: true }, { match: { method: 'auth.test' } });
    const timedOut = await failure<WebAPIRequestError>(client({ timeout: 200 }).auth.test());
    expect(timedOut.code).to.equal(ErrorCode.RequestError);
    expect(timedOut.original.name).to.equal('TimeoutError');
    expect(slack.requests().map((request) => request.status)).to.deep.equal([200, 'hung']);
  });

  it('checks the token: invalid_auth for a wrong one, not_authed for none, who-am-I for the right one', async () => {
    const me = await client().auth.test();
    expect(me).to.include({ ok: true, user_id: slack.bot.userId, team_id: slack.team.id, bot_id: slack.bot.botId });
    const wrong = await failure<WebAPIPlatformError>(client({}, 'xoxb-wrong').auth.test());
    expect(wrong.data.error).to.equal('invalid_auth');
    const none = await failure<WebAPIPlatformError>(client({}, null).auth.test());
    expect(none.data.error).to.equal('not_authed');
    expect(slack.requests().map((request) => request.auth)).to.deep.equal(['bearer', 'bearer', 'none']);
  });

  it('waits for messages, and forgets them on reset but keeps the people', async () => {
    const waiting = slack.waitForMessages(alex.id, 2, 2000);
    const web = client();
    await web.chat.postMessage({ channel: alex.id, text: 'one' });
    await web.chat.postMessage({ channel: alex.id, text: 'two' });
    expect((await waiting).map((message) => message.text)).to.deep.equal(['one', 'two']);
    slack.reset();
    expect(slack.messages()).to.deep.equal([]);
    expect(slack.requests()).to.deep.equal([]);
    expect((await web.users.lookupByEmail({ email: 'alex.doe@example.org' })).user?.id).to.equal(alex.id);
  });

  describe('user groups', () => {
    it("lists a group's members, follows changes, and answers no_such_subteam or invalid_arguments", async () => {
      const sam = slack.addUser({ email: 'sam.roe@example.org' });
      const admins = slack.addUserGroup({ handle: 'license-admins', users: [alex.id] });
      expect(admins.id).to.match(/^S[A-Z0-9]{10}$/);
      expect(admins.handle).to.equal('license-admins');
      const web = client({ logger: quiet });
      expect((await web.usergroups.users.list({ usergroup: admins.id })).users).to.deep.equal([alex.id]);
      slack.setUserGroupUsers(admins.id, [alex.id, sam.id]);
      expect((await web.usergroups.users.list({ usergroup: admins.id })).users).to.deep.equal([alex.id, sam.id]);
      expect(() => slack.setUserGroupUsers('S0NOSUCH000', [])).to.throw(/no user group/);

      const unknown = await failure<WebAPIPlatformError>(web.usergroups.users.list({ usergroup: 'S0NOSUCH000' }));
      expect(unknown.data.error).to.equal('no_such_subteam');
      const missing = await failure<WebAPIPlatformError>(web.apiCall('usergroups.users.list', {}));
      expect(missing.data.error).to.equal('invalid_arguments');
      expect(missing.data.response_metadata?.messages).to.deep.equal(['[ERROR] missing required field: usergroup']);

      const old = slack.addUserGroup({ handle: 'old-admins', users: [sam.id], disabled: true });
      const disabled = await failure<WebAPIPlatformError>(web.usergroups.users.list({ usergroup: old.id }));
      expect(disabled.data.error).to.equal('no_such_subteam');
      expect((await web.usergroups.users.list({ usergroup: old.id, include_disabled: true })).users).to.deep.equal([sam.id]);

      // Groups stay across a reset, like users.
      slack.reset();
      expect(slack.userGroups().map((group) => group.handle)).to.deep.equal(['license-admins', 'old-admins']);
    });

    it('needs usergroups:read, and is limited to Tier 2 (20 per minute)', async () => {
      const group = slack.addUserGroup({ handle: 'license-admins', users: [alex.id] });
      const web = client({ rejectRateLimitedCalls: true });
      for (let i = 0; i < 20; i++) await web.usergroups.users.list({ usergroup: group.id });
      const limited = await failure<WebAPIRateLimitedError>(web.usergroups.users.list({ usergroup: group.id }));
      expect(limited.code).to.equal(ErrorCode.RateLimitedError);

      await slack.close();
      slack = await startSlackApi({ scopes: ['chat:write'] });
      const again = slack.addUserGroup({ handle: 'license-admins' });
      const error = await failure<WebAPIPlatformError>(client().usergroups.users.list({ usergroup: again.id }));
      expect(error.data).to.include({ error: 'missing_scope', needed: 'usergroups:read', provided: 'chat:write' });
    });
  });

  describe('response_url', () => {
    const post = (url: string, body: string, contentType = 'application/json') =>
      fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

    it('takes JSON up to five times, answering 200 ok, then 404 used_url; records what came', async () => {
      const url = slack.responseUrl();
      expect(url).to.match(new RegExp(`^${slack.url}/commands/${slack.team.id}/\\d+/[A-Za-z0-9_-]+$`));
      expect(slack.responseUrl()).to.not.equal(url);
      const waiting = slack.waitForResponses(5, url, 2000);
      for (let i = 1; i <= 5; i++) {
        const answer = await post(url, JSON.stringify({ response_type: 'ephemeral', text: `step ${i}` }));
        expect(answer.status).to.equal(200);
        expect(await answer.text()).to.equal('ok');
      }
      expect((await waiting).map((response) => (response.body as { text: string }).text)).to.deep.equal(['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
      const sixth = await post(url, JSON.stringify({ text: 'one too many' }));
      expect(sixth.status).to.equal(404);
      expect(await sixth.text()).to.equal('used_url');
      expect(slack.responses(url)).to.have.length(5);
      expect(slack.responses()[0]).to.deep.include({ url, body: { response_type: 'ephemeral', text: 'step 1' } });
      expect(slack.responses()[0]!.at).to.be.instanceOf(Date);
    });

    it('answers 400 invalid_payload for a body that is not JSON, 404 for an unknown URL, and forgets on reset', async () => {
      const url = slack.responseUrl('actions');
      expect(url).to.contain('/actions/');
      const notJson = await post(url, 'text=hello', 'application/x-www-form-urlencoded');
      expect(notJson.status).to.equal(400);
      expect(await notJson.text()).to.equal('invalid_payload');
      const unknown = await post(`${slack.url}/commands/${slack.team.id}/1/nosuchsecret`, '{"text":"hi"}');
      expect(unknown.status).to.equal(404);
      expect(await unknown.text()).to.equal('invalid_token');
      // The refused posts used nothing up, and are not recorded.
      expect(slack.responses()).to.deep.equal([]);
      expect((await post(url, '{"replace_original":true,"text":"done"}')).status).to.equal(200);

      const timedOut = await slack.waitForResponses(2, url, 100).then(
        () => expect.fail('should time out'),
        (error: Error) => error,
      );
      expect(timedOut.message).to.match(/expected 2 POSTs .* got 1/);
      slack.reset();
      expect(slack.responses()).to.deep.equal([]);
      expect((await post(url, '{"text":"after reset"}')).status).to.equal(404);
    });

    it('expires 30 minutes after it was issued (by the fake clock): 404 expired_url', async () => {
      await slack.close();
      const clock = new ManualClock('2025-03-01T09:00:00Z');
      slack = await startSlackApi({ clock });
      const url = slack.responseUrl();
      clock.advance(29 * 60_000);
      expect((await post(url, '{"text":"in time"}')).status).to.equal(200);
      clock.advance(2 * 60_000);
      const late = await post(url, '{"text":"too late"}');
      expect(late.status).to.equal(404);
      expect(await late.text()).to.equal('expired_url');
    });
  });

  describe('files', () => {
    it('uploads with filesUploadV2 into a DM: the file is in files.info, files.list and history, and downloads with the token only', async () => {
      const web = client();
      const dm = (await web.conversations.open({ users: alex.id })).channel!.id!;
      const csv = 'email,course\nalex.doe@example.org,Machine Learning\nzoë@example.org,Café ☕\n';
      const uploaded = await web.filesUploadV2({
        channel_id: dm,
        filename: 'seats.csv',
        content: csv,
        title: 'Seat report',
        initial_comment: 'This week',
      });
      const completed = uploaded.files[0]!.files![0]!;
      expect(completed).to.include({ name: 'seats.csv', title: 'Seat report', filetype: 'csv', mimetype: 'text/csv', user: slack.bot.userId });
      expect(completed.size).to.equal(Buffer.byteLength(csv));
      expect(completed.ims).to.deep.equal([dm]);

      // What went over the wire: the client's three steps.
      expect(slack.requests().map((request) => request.method)).to.deep.equal([
        'conversations.open',
        'files.getUploadURLExternal',
        'files.completeUploadExternal',
      ]);
      expect(slack.requests()[1]!.args).to.include({ filename: 'seats.csv', length: String(Buffer.byteLength(csv)) });

      const info = await web.files.info({ file: completed.id! });
      expect(info.file).to.include({ id: completed.id, name: 'seats.csv', size: Buffer.byteLength(csv) });
      expect(info.file?.url_private).to.equal(`${slack.url}/files-pri/${slack.team.id}-${completed.id}/seats.csv`);
      expect(info.file?.url_private_download).to.equal(`${slack.url}/files-pri/${slack.team.id}-${completed.id}/download/seats.csv`);

      for (const url of [info.file!.url_private!, info.file!.url_private_download!]) {
        const withToken = await fetch(url, { headers: { authorization: `Bearer ${slack.token}` } });
        expect(withToken.status).to.equal(200);
        expect(withToken.headers.get('content-type')).to.equal('text/csv');
        expect(Buffer.from(await withToken.arrayBuffer()).equals(Buffer.from(csv))).to.equal(true);
      }
      // Without the token (or with another) Slack answers its sign-in page, with a 200.
      for (const headers of [{}, { authorization: 'Bearer xoxb-wrong' }] as Record<string, string>[]) {
        const anonymous = await fetch(info.file!.url_private!, { headers });
        expect(anonymous.status).to.equal(200);
        expect(anonymous.headers.get('content-type')).to.match(/^text\/html/);
        expect(await anonymous.text()).to.match(/^<!DOCTYPE html>/);
      }

      const history = await web.conversations.history({ channel: dm });
      expect(history.messages).to.have.length(1);
      expect(history.messages![0]).to.include({ text: 'This week', user: slack.bot.userId, bot_id: slack.bot.botId, upload: true });
      expect(history.messages![0]!.files?.map((file) => file.id)).to.deep.equal([completed.id]);
      const listed = await web.files.list({ channel: dm });
      expect(listed.files?.map((file) => file.id)).to.deep.equal([completed.id]);
      expect(listed.paging).to.deep.equal({ count: 100, total: 1, page: 1, pages: 1 });

      const [record] = slack.files();
      expect(record).to.deep.include({ id: completed.id, name: 'seats.csv', title: 'Seat report', channel: dm, initialComment: 'This week', uploadedBy: slack.bot.userId });
      expect(record!.content.toString('utf8')).to.equal(csv);
      expect(slack.files({ channel: alex.id })).to.have.length(1);
      expect(slack.messages(dm)[0]).to.deep.include({ files: [completed.id], text: 'This week' });

      slack.reset();
      expect(slack.files()).to.deep.equal([]);
      const gone = await failure<WebAPIPlatformError>(web.files.info({ file: completed.id! }));
      expect(gone.data.error).to.equal('file_not_found');
    });

    it('accepts a Buffer upload without a channel (a private file), and the raw-bytes form of the upload step', async () => {
      const web = client();
      const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff]);
      const uploaded = await web.filesUploadV2({ filename: 'export.zip', file: bytes });
      const file = uploaded.files[0]!.files![0]!;
      expect(file).to.include({ filetype: 'zip', size: 6, is_public: false });
      expect(file.channels).to.deep.equal([]);
      const zips = await web.files.list({ types: 'zips' });
      expect(zips.files?.map((listed) => listed.id)).to.deep.equal([file.id]);
      expect((await web.files.list({ types: 'pdfs' })).files).to.deep.equal([]);

      // The upload URL also takes the bytes as the body itself (as curl --data-binary would send them).
      const ticket = await web.files.getUploadURLExternal({ filename: 'notes.txt', length: 5 });
      const raw = await fetch(ticket.upload_url!, { method: 'POST', body: 'hello' });
      expect(raw.status).to.equal(200);
      expect(await raw.text()).to.equal('OK - 5');
      const done = await web.files.completeUploadExternal({ files: [{ id: ticket.file_id! }] });
      expect(done.files?.[0]).to.include({ name: 'notes.txt', title: 'notes.txt', filetype: 'text' });
      expect(slack.files().map((record) => record.content.toString('latin1'))).to.deep.equal([bytes.toString('latin1'), 'hello']);
    });

    it('refuses to complete unknown, unsent or short uploads, unknown channels and user ids', async () => {
      const web = client();
      const unknown = await failure<WebAPIPlatformError>(web.files.completeUploadExternal({ files: [{ id: 'F0NOSUCH000' }] }));
      expect(unknown.data.error).to.equal('file_not_found');

      const unsent = await web.files.getUploadURLExternal({ filename: 'a.csv', length: 10 });
      const notSent = await failure<WebAPIPlatformError>(web.files.completeUploadExternal({ files: [{ id: unsent.file_id! }] }));
      expect(notSent.data.error).to.equal('file_not_found');

      await fetch(unsent.upload_url!, { method: 'POST', body: 'short' });
      const short = await failure<WebAPIPlatformError>(web.files.completeUploadExternal({ files: [{ id: unsent.file_id! }] }));
      expect(short.data.error).to.equal('file_update_failed');

      const ticket = await web.files.getUploadURLExternal({ filename: 'b.csv', length: 3 });
      await fetch(ticket.upload_url!, { method: 'POST', body: 'a,b' });
      const nowhere = await failure<WebAPIPlatformError>(web.files.completeUploadExternal({ files: [{ id: ticket.file_id! }], channel_id: 'C0NOWHERE0' }));
      expect(nowhere.data.error).to.equal('channel_not_found');
      const byUser = await failure<WebAPIPlatformError>(
        client({ logger: quiet }).files.completeUploadExternal({ files: [{ id: ticket.file_id! }], channel_id: alex.id }),
      );
      expect(byUser.data.error).to.equal('invalid_arguments');
      // Nothing was consumed by the failures: the ticket still completes.
      const channel = slack.addChannel({ name: 'license-admins' });
      const shared = await web.files.completeUploadExternal({ files: [{ id: ticket.file_id!, title: 'B' }], channel_id: channel.id });
      expect(shared.files?.[0]).to.deep.include({ title: 'B', channels: [channel.id], is_public: true });
      const again = await failure<WebAPIPlatformError>(web.files.completeUploadExternal({ files: [{ id: ticket.file_id! }] }));
      expect(again.data.error).to.equal('file_not_found');

      const zero = await failure<WebAPIPlatformError>(web.files.getUploadURLExternal({ filename: 'empty.txt', length: 0 }));
      expect(zero.data.error).to.equal('missing_argument');
      const unknownTicket = await fetch(`${slack.url}/upload/v1/nosuchticket`, { method: 'POST', body: 'x' });
      expect(unknownTicket.status).to.equal(404);
    });

    it("reads a CSV an admin shared in the app's DM: history, files.info, files.list filters and paging, download", async () => {
      const web = client();
      const csv = 'email\nsam.roe@example.org\n';
      const shared = slack.addFile({ user: alex.id, channel: alex.id, name: 'invite.csv', content: csv, initialComment: 'please invite' });
      const dm = slack.dmChannelId(alex.id);
      expect(shared).to.include({ name: 'invite.csv', title: 'invite.csv', filetype: 'csv', mimetype: 'text/csv', user: alex.id, size: csv.length, mode: 'hosted' });
      expect(shared.id).to.match(/^F[A-Z0-9]{10}$/);
      expect(shared.ims).to.deep.equal([dm]);
      expect(shared.channels).to.deep.equal([]);
      expect(shared.created).to.equal(shared.timestamp);
      expect(shared.permalink).to.match(/^https:\/\/license-desk-local\.slack\.com\/files\//);

      const history = await web.conversations.history({ channel: dm });
      const message = history.messages![0]!;
      expect(message).to.include({ user: alex.id, text: 'please invite', upload: true });
      expect(message).to.not.have.property('bot_id');
      expect(message.files?.[0]).to.deep.include({ id: shared.id, url_private: shared.url_private });

      const info = await web.files.info({ file: shared.id });
      expect(info.file).to.deep.equal(shared);
      const download = await fetch(shared.url_private_download, { headers: { authorization: `Bearer ${slack.token}` } });
      expect(download.headers.get('content-disposition')).to.equal('attachment; filename="invite.csv"');
      expect(await download.text()).to.equal(csv);

      const channel = slack.addChannel({ name: 'license-admins' });
      const sam = slack.addUser({ email: 'sam.roe@example.org' });
      const image = slack.addFile({ user: sam.id, channel: channel.id, name: 'screenshot.png', content: Buffer.from([0x89, 0x50]) });
      const newest = slack.addFile({ user: alex.id, channel: channel.id, name: 'more.csv', content: 'email\n' });
      // A channel the app is not in: its files are not the app's to see.
      const hidden = slack.addChannel({ name: 'elsewhere', isMember: false });
      const secret = slack.addFile({ user: alex.id, channel: hidden.id, name: 'secret.csv', content: 'x' });

      const ids = async (args: Parameters<typeof web.files.list>[0]) => (await web.files.list(args)).files?.map((file) => file.id);
      expect(await ids({})).to.deep.equal([newest.id, image.id, shared.id]);
      expect(await ids({ channel: channel.id })).to.deep.equal([newest.id, image.id]);
      expect(await ids({ user: alex.id })).to.deep.equal([newest.id, shared.id]);
      expect(await ids({ types: 'images' })).to.deep.equal([image.id]);
      expect(await ids({ types: 'snippets,images' })).to.deep.equal([image.id]);
      expect(await ids({ ts_from: String(shared.created + 3600) })).to.deep.equal([]);
      const page2 = await web.files.list({ count: 2, page: 2 });
      expect(page2.files?.map((file) => file.id)).to.deep.equal([shared.id]);
      expect(page2.paging).to.deep.equal({ count: 2, total: 3, page: 2, pages: 2 });
      const badType = await failure<WebAPIPlatformError>(web.files.list({ types: 'csv' }));
      expect(badType.data.error).to.equal('unknown_type');
      const badUser = await failure<WebAPIPlatformError>(web.files.list({ user: 'U0NOBODY00' }));
      expect(badUser.data.error).to.equal('user_not_found');
      const notSeen = await failure<WebAPIPlatformError>(web.files.info({ file: secret.id }));
      expect(notSeen.data.error).to.equal('file_not_found');

      expect(slack.files({ uploadedBy: alex.id }).map((file) => file.name)).to.deep.equal(['invite.csv', 'more.csv', 'secret.csv']);
      expect(() => slack.addFile({ user: 'U0NOBODY00', channel: channel.id, name: 'x.csv', content: '' })).to.throw(/no user/);
      expect(() => slack.addFile({ user: alex.id, channel: 'C0NOWHERE0', name: 'x.csv', content: '' })).to.throw(/no conversation/);
    });

    it('needs files:read to read and files:write to upload, and serves no bytes without files:read', async () => {
      await slack.close();
      slack = await startSlackApi({ scopes: ['chat:write', 'im:write'] });
      alex = slack.addUser({ email: 'alex.doe@example.org' });
      const shared = slack.addFile({ user: alex.id, channel: alex.id, name: 'invite.csv', content: 'email\n' });
      const web = client();
      const info = await failure<WebAPIPlatformError>(web.files.info({ file: shared.id }));
      expect(info.data).to.include({ error: 'missing_scope', needed: 'files:read' });
      const list = await failure<WebAPIPlatformError>(web.files.list({}));
      expect(list.data).to.include({ error: 'missing_scope', needed: 'files:read' });
      const upload = await failure<WebAPIPlatformError>(web.filesUploadV2({ filename: 'a.txt', content: 'a' }));
      expect(upload.data).to.include({ error: 'missing_scope', needed: 'files:write' });
      const download = await fetch(shared.url_private, { headers: { authorization: `Bearer ${slack.token}` } });
      expect(download.headers.get('content-type')).to.match(/^text\/html/);
    });
  });
});
