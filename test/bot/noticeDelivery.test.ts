// Notices from the outbox to learners, through the running app's real Teams adapter and
// Slack client, against the Bot Connector and Slack Web API fakes on loopback.
import { expect } from 'chai';
import sinon from 'sinon';
import { startApp, type RunningApp } from '../../bot/app.js';
import { readConfig } from '../../bot/config.js';
import type { DeliveryAttempt, Notice } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { attemptId } from '../../services/notifications/outbox.js';
import type { DeliveryOptions } from '../../services/notifications/worker.js';
import type { BotConnector } from '../../tools/botConnector/index.js';
import { LOCAL_SLACK_TOKEN, type SlackApi } from '../../tools/slackApi/index.js';
import { useTestDatabase } from '../support/database.js';
import { seedOutbox, usePlatformFakes, type SeededNotice } from '../support/outbox.js';
import { cardsIn, quietLog } from '../support/teams.js';

const START = new Date('2027-03-01T08:00:00Z');
const FAST: DeliveryOptions = { backoffBaseMs: 20, backoffMaxMs: 200, leaseMs: 60_000, settleDelayMs: 1_000 };

describe('notice delivery', function () {
  this.timeout(120_000);
  const db = useTestDatabase();
  const clock = new ManualClock(START);
  const fakes = usePlatformFakes(db, clock);
  let connector: BotConnector;
  let slack: SlackApi;
  let app: RunningApp;

  before(async function () {
    [connector, slack] = [fakes.connector(), fakes.slack()];
    app = await startApp(
      { ...readConfig({ PORT: '0' }), slack: { botToken: LOCAL_SLACK_TOKEN, apiUrl: slack.apiUrl } },
      { models: db(), scheduler: false, log: quietLog, clock, delivery: FAST, platformTimeoutMs: 1_500 },
    );
  });
  after(async function () {
    await app?.stop();
  });
  beforeEach(function () {
    clock.set(START);
  });

  const notice = (id: string) => db().Notice.findById(id).lean<Notice>().orFail();
  const attempts = (id: string) => db().DeliveryAttempt.find({ noticeId: id }).sort({ n: 1 }).lean<DeliveryAttempt[]>();
  let seeded = 0;
  // Fresh addresses every time: the Slack fake keeps its users across tests.
  const seed = (plan: Parameters<typeof seedOutbox>[3]) => seedOutbox(db(), connector, slack, { prefix: `t${++seeded}-`, ...plan }, clock.now());
  const slackMessagesFor = (learner: SeededNotice) => slack.messages(learner.slackUserId ?? slack.users().find((u) => u.profile.email === learner.email)!.id);

  it('sends a notice to the learner’s Teams chat as a card, once, and records how it went', async function () {
    const [learner] = await seed({ teams: 1 });
    const report = await app.deliverNotices();
    expect(report).to.include({ sent: 1, retrying: 0 });

    const sent = connector.activities(learner!.conversationId);
    expect(sent).to.have.length(1);
    const [card] = cardsIn(sent);
    expect(JSON.stringify(card)).to.include('Your Coursera license is here').and.include(learner!.email);
    const stored = await notice(learner!.noticeId);
    expect(stored).to.include({ status: 'sent', attempts: 1, channel: 'teams', deliveryId: sent[0]!.activityId });
    expect(stored.sentAt).to.deep.equal(START);
    // The claim on the send stays as its record; a send that worked needs no outcome of its own.
    expect((await attempts(learner!.noticeId)).map((a) => [a.n, a.channel, a.outcome])).to.deep.equal([[1, 'teams', undefined]]);

    expect(await app.deliverNotices()).to.include({ sent: 0 }); // nothing is sent twice
    expect(connector.activities(learner!.conversationId)).to.have.length(1);
  });

  it('falls back to a Slack DM carrying the notice id when the person has no Teams chat, and remembers the DM', async function () {
    const [learner] = await seed({ teams: 0, slackOnly: 1 });
    await app.deliverNotices();
    const [message] = slackMessagesFor(learner!);
    expect(message?.metadata).to.deep.equal({ event_type: 'license_desk_notice', event_payload: { notice_id: learner!.noticeId } });
    expect(message?.text).to.include('Your Coursera license is here');
    expect(await notice(learner!.noticeId)).to.include({ status: 'sent', channel: 'slack', deliveryId: message!.ts });
    const contact = await db().Contact.findById((await notice(learner!.noticeId)).personId).lean();
    expect(contact).to.include({ slackUserId: learner!.slackUserId, slackDmChannelId: message!.channel });

    // A second notice for the same person goes straight to the DM: no lookups.
    const person = (await notice(learner!.noticeId)).personId;
    await db().Notice.collection.insertOne({ _id: `year-end:${person.toString()}:2`, personId: person, kind: 'year-end', seq: 2, createdAt: START, facts: { endedAt: START }, status: 'pending', attempts: 0 } as never);
    const lookupsBefore = slack.requests().filter((r) => r.method === 'users.lookupByEmail').length;
    await app.deliverNotices();
    expect(slack.requests().filter((r) => r.method === 'users.lookupByEmail')).to.have.length(lookupsBefore);
    expect(slackMessagesFor(learner!)).to.have.length(2);
  });

  for (const status of [403, 404]) {
    it(`moves to Slack when Teams answers ${status} for the person's chat`, async function () {
      const [learner] = await seed({ teams: 1 });
      slack.addUser({ email: learner!.email });
      connector.injectFault({ status }, { match: { conversationId: learner!.conversationId! } });
      await app.deliverNotices();
      expect(connector.activities(learner!.conversationId)).to.have.length(0);
      expect(slackMessagesFor(learner!)).to.have.length(1);
      expect(await notice(learner!.noticeId)).to.include({ status: 'sent', channel: 'slack', attempts: 2 });
      expect((await attempts(learner!.noticeId)).map((a) => [a.channel, a.outcome])).to.deep.equal([['teams', 'undeliverable'], ['slack', undefined]]);
    });
  }

  it('marks a notice undeliverable, saying why, when neither Teams nor Slack can reach the person', async function () {
    const [blocked, unknown] = await seed({ teams: 1, nowhere: 1 });
    connector.injectFault({ status: 403, code: 'BotDisabledByAdmin', message: 'The bot is blocked' }, { match: { conversationId: blocked!.conversationId! } });
    const report = await app.deliverNotices();
    expect(report.undeliverable).to.have.members([blocked!.noticeId, unknown!.noticeId]);
    const stored = await notice(blocked!.noticeId);
    expect(stored.status).to.equal('undeliverable');
    expect(stored.lastError).to.match(/teams: HTTP 403/).and.match(/slack: users_not_found/);
    expect((await notice(unknown!.noticeId)).lastError).to.match(/teams: no way to reach/);
    expect(slack.messages()).to.have.length(0);
  });

  it('waits out a 429 for its Retry-After and gets through a 500, sending once', async function () {
    const [first, second] = await seed({ teams: 2 });
    connector.injectFault({ status: 429, retryAfterSeconds: 1 }, { match: { conversationId: first!.conversationId! } });
    connector.injectFault({ status: 500 }, { match: { conversationId: second!.conversationId! } });
    const started = Date.now();
    const report = await app.deliverNotices();
    expect(report.sent).to.equal(2);
    expect(Date.now() - started).to.be.at.least(1_000);
    expect(connector.activities(first!.conversationId)).to.have.length(1);
    expect(connector.activities(second!.conversationId)).to.have.length(1);
    expect(connector.counters().rateLimited).to.equal(0);
  });

  it('gives up after the allowed attempts, backing off between them, and leaves the notice failed for an admin', async function () {
    const [learner] = await seed({ teams: 1 });
    // Each attempt is one send through the SDK, which itself tries four times.
    connector.injectFault({ status: 503 }, { times: 100, match: { conversationId: learner!.conversationId! } });
    const report = await app.deliverNotices({ maxAttempts: 2, backoffBaseMs: 10 });
    expect(report.failed).to.deep.equal([learner!.noticeId]);
    const stored = await notice(learner!.noticeId);
    expect(stored).to.include({ status: 'failed', attempts: 2 });
    expect(stored.lastError).to.match(/HTTP 503/);
    expect((await attempts(learner!.noticeId)).map((a) => a.outcome)).to.deep.equal(['retry', 'failed']);
    expect(connector.activities(learner!.conversationId)).to.have.length(0);
  });

  it('leaves a long Retry-After to a later run instead of waiting in this one', async function () {
    const [learner] = await seed({ teams: 0, slackOnly: 1 });
    slack.injectFault({ status: 429, retryAfterSeconds: 120 }, { match: { method: 'users.lookupByEmail' } });
    const report = await app.deliverNotices();
    expect(report).to.include({ sent: 0, retrying: 1 });
    const stored = await notice(learner!.noticeId);
    expect(stored.status).to.equal('pending');
    expect(stored.nextAttemptAt!.getTime() - START.getTime()).to.be.at.least(120_000);

    expect(await app.deliverNotices()).to.include({ sent: 0 }); // not due yet
    clock.advance(130_000);
    expect(await app.deliverNotices()).to.include({ sent: 1 });
    expect(slackMessagesFor(learner!)).to.have.length(1);
  });

  it('never sends again because the database would not record a send that worked', async function () {
    const [learner] = await seed({ teams: 1 });
    const update = db().Notice.updateOne.bind(db().Notice);
    const refuse = sinon.stub(db().Notice, 'updateOne').callsFake(((filter: object, change: { $set?: { status?: string } }) => {
      if (change?.$set?.status === 'sent') return Promise.reject(new Error('SQLITE_BUSY')) as never;
      return update(filter as never, change as never);
    }) as never);
    try {
      await app.deliverNotices();
    } finally {
      refuse.restore();
    }
    expect(connector.activities(learner!.conversationId)).to.have.length(1);
    expect(await app.deliverNotices()).to.include({ sent: 0 }); // its claim still runs
    clock.advance(61_000);
    const report = await app.deliverNotices();
    expect(report.uncertain).to.deep.equal([learner!.noticeId]);
    expect(connector.activities(learner!.conversationId)).to.have.length(1);
  });

  it('refuses for good what the platform will never take (400), without trying Slack', async function () {
    const [learner] = await seed({ teams: 1 });
    slack.addUser({ email: learner!.email });
    connector.injectFault({ status: 400 }, { match: { conversationId: learner!.conversationId! } });
    const report = await app.deliverNotices();
    expect(report.failed).to.deep.equal([learner!.noticeId]);
    expect(slack.messages()).to.have.length(0);
  });

  describe('reading the outbox', function () {
    it('reads the next batch while delivering the last, and no notice twice', async function () {
      const learners = await seed({ teams: 30 });
      const find = db().Notice.find.bind(db().Notice);
      const deliveredAtReads: number[] = [];
      const reads = sinon.stub(db().Notice, 'find').callsFake(((...args: Parameters<typeof find>) => {
        deliveredAtReads.push(connector.activities().length);
        return find(...args);
      }) as never);
      let report;
      try {
        report = await app.deliverNotices({ batchSize: 4 });
      } finally {
        reads.restore();
      }
      expect(report).to.include({ sent: 30, recovered: 0 });
      expect(report.uncertain).to.deep.equal([]);
      for (const learner of learners) expect(connector.activities(learner.conversationId), learner.email).to.have.length(1);
      // The second batch was read before the first was out.
      expect(deliveredAtReads[1]).to.be.below(4);
      // Each notice claimed once: none was read again while this worker had it.
      expect(await db().DeliveryAttempt.countDocuments({})).to.equal(30);
    });

    it('stops with the error when a read fails, after the notices in hand', async function () {
      const learners = await seed({ teams: 12 });
      const find = db().Person.find.bind(db().Person);
      let reads = 0;
      const failing = sinon.stub(db().Person, 'find').callsFake(((...args: Parameters<typeof find>) => {
        reads += 1;
        return reads === 2 ? { lean: () => Promise.reject(new Error('SQLITE_BUSY')) } : find(...args);
      }) as never);
      let failed: Error | undefined;
      try {
        await app.deliverNotices({ batchSize: 4 });
      } catch (error) {
        failed = error as Error;
      } finally {
        failing.restore();
      }
      expect(failed?.message).to.equal('SQLITE_BUSY');
      // The first batch, the oldest four, went out; the rest wait for the next run.
      const reached = learners.filter((l) => connector.activities(l.conversationId).length === 1);
      expect(reached.map((l) => l.noticeId)).to.deep.equal(learners.slice(0, 4).map((l) => l.noticeId));
      expect(await app.deliverNotices()).to.include({ sent: 8 });
      for (const learner of learners) expect(connector.activities(learner.conversationId), learner.email).to.have.length(1);
    });
  });

  describe('a send whose answer never came', function () {
    it('Slack: looks in the DM before trying again, and finds the message that arrived late', async function () {
      const [learner] = await seed({ teams: 0, slackOnly: 1 });
      // Slack posts the message but answers after the client gave up (1.5 s).
      slack.injectFault({ delayMs: 2_000 }, { match: { method: 'chat.postMessage' } });
      const report = await app.deliverNotices({ settleDelayMs: 1_000 });
      expect(report.sent).to.equal(1);
      expect(slackMessagesFor(learner!)).to.have.length(1);
      expect(slack.requests().filter((r) => r.method === 'conversations.history').length).to.be.at.least(1);
      // One send, unanswered, then found in the DM: no second send.
      expect((await attempts(learner!.noticeId)).map((a) => [a.outcome, a.resolution])).to.deep.equal([['sent', 'found-delivered']]);
      expect(await notice(learner!.noticeId)).to.include({ status: 'sent', attempts: 1 });
    });

    it('Slack: sends again when the DM shows the message never arrived', async function () {
      const [learner] = await seed({ teams: 0, slackOnly: 1 });
      slack.injectFault({ hang: true }, { match: { method: 'chat.postMessage' } });
      const report = await app.deliverNotices();
      expect(report.sent).to.equal(1);
      expect(slackMessagesFor(learner!)).to.have.length(1);
      expect((await notice(learner!.noticeId)).attempts).to.equal(2);
    });

    /** What a worker killed mid-send leaves behind: its claim on send 1, and a notice still pending. */
    async function cutOff(learner: SeededNotice, channel: 'teams' | 'slack') {
      const claimedAt = clock.now();
      await db().DeliveryAttempt.collection.insertOne({
        _id: attemptId(learner.noticeId, 1),
        noticeId: learner.noticeId,
        n: 1,
        worker: 'dead',
        channel,
        claimedAt,
        leaseUntil: new Date(claimedAt.getTime() + 60_000),
      } as never);
    }

    it('a dead worker’s Slack send is settled from the DM: found → sent, without a second message', async function () {
      const [learner] = await seed({ teams: 0, slackOnly: 1 });
      await app.deliverNotices();
      await db().Notice.updateOne({ _id: learner!.noticeId }, { $set: { status: 'pending', attempts: 0 } });
      await db().DeliveryAttempt.deleteMany({});
      await cutOff(learner!, 'slack');

      expect(await app.deliverNotices()).to.include({ sent: 0, recovered: 0 }); // the lease still runs
      clock.advance(61_000);
      const report = await app.deliverNotices();
      expect(report).to.include({ recovered: 1, sent: 1 });
      expect(slackMessagesFor(learner!)).to.have.length(1);
      expect((await attempts(learner!.noticeId))[0]).to.include({ outcome: 'interrupted', resolution: 'found-delivered' });
      expect(await notice(learner!.noticeId)).to.include({ status: 'sent', attempts: 1 });
    });

    it('a dead worker’s Slack send that never arrived is sent by the next run', async function () {
      const [learner] = await seed({ teams: 0, slackOnly: 1 });
      await cutOff(learner!, 'slack');
      clock.advance(61_000);
      const report = await app.deliverNotices();
      expect(report).to.include({ recovered: 1, sent: 1 });
      expect(slackMessagesFor(learner!)).to.have.length(1);
      expect(await notice(learner!.noticeId)).to.include({ status: 'sent', attempts: 2 });
      expect((await attempts(learner!.noticeId))[0]).to.include({ outcome: 'interrupted', resolution: 'not-delivered' });
    });

    it('a dead worker’s Teams send is marked uncertain for an admin and not sent again', async function () {
      const [learner] = await seed({ teams: 1 });
      await cutOff(learner!, 'teams');
      clock.advance(61_000);
      const report = await app.deliverNotices();
      expect(report.uncertain).to.deep.equal([learner!.noticeId]);
      expect(connector.activities(learner!.conversationId)).to.have.length(0);
      const stored = await notice(learner!.noticeId);
      expect(stored).to.include({ status: 'uncertain', attempts: 1 });
      expect(stored.lastError).to.match(/cannot be asked whether it arrived/);
      expect(await app.deliverNotices()).to.include({ sent: 0 });
    });
  });

  describe('claims', function () {
    it('leaves a notice alone while another worker is sending it', async function () {
      const [learner] = await seed({ teams: 1 });
      await db().DeliveryAttempt.collection.insertOne({
        _id: attemptId(learner!.noticeId, 1),
        noticeId: learner!.noticeId,
        n: 1,
        worker: 'other',
        channel: 'teams',
        claimedAt: START,
        leaseUntil: new Date(START.getTime() + 60_000),
      } as never);
      expect(await app.deliverNotices()).to.include({ sent: 0, recovered: 0 });
      expect(connector.activities(learner!.conversationId)).to.have.length(0);
      expect(await notice(learner!.noticeId)).to.include({ status: 'pending', attempts: 0 });
    });
  });
});
