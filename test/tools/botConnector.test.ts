import { expect } from 'chai';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsInfo, type ConversationReference, type TurnContext } from 'botbuilder';
import { ConnectorClient, MicrosoftAppCredentials, TokenCredentials } from 'botframework-connector';
import { LOCAL_BOT, LOCAL_TENANT_ID, startBotConnector, type BotConnector, type TeamsMember } from '../../tools/botConnector/index.js';

describe('the Bot Connector fake', () => {
  let connector: BotConnector;
  let alex: TeamsMember;
  let alexChat: string;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  beforeEach(async () => {
    connector = await startBotConnector();
    alex = connector.addMember({ email: 'alex.doe@example.org' });
    alexChat = connector.personalConversationId(alex.id);
  });
  afterEach(async () => {
    await connector.close();
  });

  /** A turn for Alex's personal chat, as the delivery worker will open it. */
  function inAlexChat(logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl: `${connector.url}/`,
      conversation: { id: alexChat, conversationType: 'personal', tenantId: LOCAL_TENANT_ID, isGroup: false, name: '' },
      bot: { ...LOCAL_BOT },
      user: { id: alex.id, name: alex.name },
    };
    return adapter.continueConversationAsync('', reference, logic);
  }

  const client = (credentials = MicrosoftAppCredentials.Empty) => new ConnectorClient(credentials, { baseUri: `${connector.url}/` });

  /** A request exactly as ConnectorClient.sendToConversation makes it. */
  const post = (conversationId: string, text: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${connector.url}/v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify({ type: 'message', text }),
      ...(signal ? { signal } : {}),
    });

  it('records what a bot sends and replies, in order, with the ids it answered', async () => {
    const sent: string[] = [];
    await inAlexChat(async (context) => {
      sent.push((await context.sendActivity('first'))!.id);
      sent.push((await context.sendActivity('second'))!.id);
    });
    const direct = await client().conversations.sendToConversation(alexChat, { type: 'message', text: 'third' } as never);

    const recorded = connector.activities(alexChat);
    expect(recorded.map((entry) => entry.activity?.text)).to.deep.equal(['first', 'second', 'third']);
    expect(recorded.map((entry) => entry.operation)).to.deep.equal(['replyToActivity', 'replyToActivity', 'sendToConversation']);
    expect(recorded.map((entry) => entry.activityId)).to.deep.equal([...sent, direct.id]);
    expect(recorded[0]!.replyToId).to.be.a('string');
    expect(recorded[0]!.activity?.conversation?.id).to.equal(alexChat);
    expect(recorded.every((entry) => entry.authorization === false && entry.receivedAt instanceof Date)).to.equal(true);
    expect(connector.activities('a:someone-else')).to.deep.equal([]);
  });

  it('updates and deletes an activity it knows, and answers 404 for one it does not', async () => {
    const conversations = client().conversations;
    const { id } = await conversations.sendToConversation(alexChat, { type: 'message', text: 'draft' } as never);
    const updated = await conversations.updateActivity(alexChat, id, { type: 'message', text: 'final' } as never);
    expect(updated.id).to.equal(id);
    await conversations.deleteActivity(alexChat, id);
    expect(connector.activities(alexChat).map((entry) => [entry.operation, entry.activity?.text])).to.deep.equal([
      ['sendToConversation', 'draft'],
      ['updateActivity', 'final'],
      ['deleteActivity', undefined],
    ]);
    const missing = await conversations.deleteActivity(alexChat, '12345').catch((error: { statusCode?: number; code?: string }) => error);
    expect(missing).to.include({ statusCode: 404, code: 'ActivityNotFoundInConversation' });
  });

  it('handles URL-encoded Teams ids such as a channel thread with a message id', async () => {
    const thread = '19:d4f1b6c2e0@thread.tacv2;messageid=1712345678901';
    await client().conversations.sendToConversation(thread, { type: 'message', text: 'in the thread' } as never);
    expect(connector.activities(thread).map((entry) => entry.activity?.text)).to.deep.equal(['in the thread']);
    expect(connector.requests()[0]!.path).to.include(encodeURIComponent(thread));
  });

  it('answers TeamsInfo.getMember for a known member and 404 MemberNotFoundInConversation otherwise', async () => {
    let found: unknown;
    let byAad: unknown;
    let failure: { statusCode?: number; code?: string } | undefined;
    let everyone: unknown;
    await inAlexChat(async (context) => {
      found = await TeamsInfo.getMember(context, alex.id);
      byAad = await TeamsInfo.getMember(context, alex.aadObjectId);
      everyone = (await TeamsInfo.getPagedMembers(context)).members.map((member) => member.email);
      failure = await TeamsInfo.getMember(context, '29:1nobody').then(
        () => undefined,
        (error: { statusCode?: number; code?: string }) => error,
      );
    });
    expect(found).to.deep.include({
      id: alex.id,
      name: 'Alex Doe',
      aadObjectId: alex.aadObjectId,
      email: 'alex.doe@example.org',
      userPrincipalName: 'alex.doe@example.org',
      tenantId: LOCAL_TENANT_ID,
      userRole: 'user',
    });
    expect(alex.id).to.match(/^29:1/);
    expect(alex.aadObjectId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(byAad).to.deep.equal(found);
    expect(everyone).to.deep.equal(['alex.doe@example.org']);
    expect(failure).to.include({ statusCode: 404, code: 'MemberNotFoundInConversation' });

    const raw = await fetch(`${connector.url}/v3/conversations/${encodeURIComponent(alexChat)}/members/${encodeURIComponent('29:1nobody')}`);
    expect(raw.status).to.equal(404);
    expect(await raw.json()).to.deep.equal({
      error: { code: 'MemberNotFoundInConversation', message: 'The member could not be found in the conversation.' },
    });
  });

  it('creates the personal conversation with a member, and refuses one with someone who has not got the app', async () => {
    let created: string | undefined;
    const parameters = (memberId: string) => ({
      isGroup: false,
      bot: { ...LOCAL_BOT },
      members: [{ id: memberId, name: '' }],
      tenantId: LOCAL_TENANT_ID,
      channelData: { tenant: { id: LOCAL_TENANT_ID } },
    });
    await adapter.createConversationAsync('', 'msteams', `${connector.url}/`, '', parameters(alex.id) as never, async (context) => {
      created = context.activity.conversation.id;
      await context.sendActivity('Your license is ready.');
    });
    expect(created).to.equal(alexChat);
    expect(connector.activities(alexChat).map((entry) => entry.activity?.text)).to.deep.equal(['Your license is ready.']);

    const refused = await client()
      .conversations.createConversation(parameters('29:1stranger') as never)
      .catch((error: { statusCode?: number; code?: string }) => error);
    expect(refused).to.include({ statusCode: 403, code: 'ForbiddenOperationException' });
  });

  it('answers an injected 429 with Retry-After, then the next request normally', async () => {
    connector.injectFault({ status: 429, retryAfterSeconds: 2 });
    const throttled = await post(alexChat, 'one');
    expect(throttled.status).to.equal(429);
    expect(throttled.headers.get('retry-after')).to.equal('2');
    expect(await throttled.json()).to.deep.equal({ error: { code: 'Throttled', message: 'Too many requests.' } });
    expect((await post(alexChat, 'two')).status).to.equal(201);
    expect(connector.activities(alexChat).map((entry) => entry.activity?.text)).to.deep.equal(['two']);
    expect(connector.counters()).to.deep.include({ accepted: 1, rejected: 1, injected: 1, rateLimited: 0 });
  });

  it('lets ConnectorClient retry after a 429 as the real service expects', async () => {
    connector.injectFault({ status: 429, retryAfterSeconds: 0 }, { match: { operation: 'sendToConversation' } });
    const { id } = await client().conversations.sendToConversation(alexChat, { type: 'message', text: 'persisted' } as never);
    expect(connector.requests().map((request) => request.status)).to.deep.equal([429, 201]);
    expect(connector.activities(alexChat).map((entry) => entry.activityId)).to.deep.equal([id]);
  });

  it('injects 500 and 403 only into the requests that match, as many times as asked', async () => {
    const bob = connector.addMember({ email: 'bob@example.org' });
    const bobChat = connector.personalConversationId(bob.id);
    connector.injectFault({ status: 500 }, { times: 2, match: { conversationId: alexChat } });
    connector.injectFault({ status: 403 }, { match: { conversationId: bobChat, operation: ['sendToConversation', 'replyToActivity'] } });

    expect((await post(alexChat, 'a')).status).to.equal(500);
    const blocked = await post(bobChat, 'b');
    expect(blocked.status).to.equal(403);
    expect(await blocked.json()).to.deep.equal({ error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } });
    expect((await post(alexChat, 'c')).status).to.equal(500);
    expect((await post(alexChat, 'd')).status).to.equal(201);
    expect((await post(bobChat, 'e')).status).to.equal(201);
    expect(connector.counters().byConversation).to.deep.equal({
      [alexChat]: { accepted: 1, rejected: 2 },
      [bobChat]: { accepted: 1, rejected: 1 },
    });
  });

  it('delays an answer, or never answers until the client gives up', async () => {
    connector.injectFault({ delayMs: 300 });
    const started = Date.now();
    expect((await post(alexChat, 'slow')).status).to.equal(201);
    expect(Date.now() - started).to.be.at.least(280);

    connector.injectFault({ hang: true });
    const gaveUp = await post(alexChat, 'lost', {}, AbortSignal.timeout(200)).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(gaveUp).to.equal('TimeoutError');
    expect(connector.requests().map((request) => request.status)).to.deep.equal([201, 'hung']);
    expect(connector.activities(alexChat).map((entry) => entry.activity?.text)).to.deep.equal(['slow']);
    expect(connector.counters()).to.deep.include({ accepted: 1, rejected: 1, injected: 2 });
  });

  it('throttles per conversation and globally, counting what it accepted and rejected', async () => {
    const bob = connector.addMember({ email: 'bob@example.org' });
    const bobChat = connector.personalConversationId(bob.id);
    connector.setRateLimits({ perConversation: 2, global: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await post(alexChat, `alex ${i}`)).status);
    expect(statuses).to.deep.equal([201, 201, 429, 429]);
    const bobFirst = await post(bobChat, 'bob 0');
    const bobSecond = await post(bobChat, 'bob 1');
    expect([bobFirst.status, bobSecond.status]).to.deep.equal([201, 429]);
    expect(bobSecond.headers.get('retry-after')).to.equal('1');
    expect(connector.counters()).to.deep.equal({
      accepted: 3,
      rejected: 3,
      rateLimited: 3,
      injected: 0,
      byConversation: { [alexChat]: { accepted: 2, rejected: 2 }, [bobChat]: { accepted: 1, rejected: 1 } },
    });
  });

  it('requires a bearer token when asked to', async () => {
    const guarded = await startBotConnector({ requireToken: 'local-token', members: [{ email: 'alex.doe@example.org' }] });
    try {
      const url = `${guarded.url}/v3/conversations/${encodeURIComponent(alexChat)}/activities`;
      const send = (headers: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"type":"message","text":"hi"}' });
      const anonymous = await send({});
      expect(anonymous.status).to.equal(401);
      expect((await anonymous.json()) as unknown).to.have.nested.property('error.code', 'Unauthorized');
      expect((await send({ authorization: 'Bearer wrong' })).status).to.equal(401);

      const withToken = new ConnectorClient(new TokenCredentials('local-token'), { baseUri: `${guarded.url}/` });
      await withToken.conversations.sendToConversation(alexChat, { type: 'message', text: 'signed' } as never);
      expect(guarded.activities().map((entry) => [entry.activity?.text, entry.authorization])).to.deep.equal([['signed', true]]);
    } finally {
      await guarded.close();
    }
  });

  it('waits for activities, and says clearly what it saw when they do not come', async () => {
    const waiting = connector.waitForActivities(alexChat, 2, 2000);
    await post(alexChat, 'one');
    await post(alexChat, 'two');
    expect((await waiting).map((entry) => entry.activity?.text)).to.deep.equal(['one', 'two']);

    const seen: string[] = [];
    const unsubscribe = connector.onActivity((entry) => seen.push(entry.activity?.text ?? ''));
    await post(alexChat, 'three');
    unsubscribe();
    await post(alexChat, 'four');
    expect(seen).to.deep.equal(['three']);

    const error = await connector.waitForActivities(alexChat, 9, 100).catch((reason: Error) => reason);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal(
      `Bot Connector: expected 9 activities in conversation ${alexChat} within 100 ms, got 4 (sendToConversation message, sendToConversation message, sendToConversation message, sendToConversation message).`,
    );
  });
});
