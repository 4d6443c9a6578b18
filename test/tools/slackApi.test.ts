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
});
