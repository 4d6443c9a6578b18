// Delivery at volume, with the platforms misbehaving: thousands of notices through the
// fakes with their published rate limits on and failures injected, two workers on one
// outbox, and a worker process killed mid-batch. What the fakes received is the truth:
// every learner gets their notice once, and nothing goes over the limits.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { startApp, type RunningApp } from '../../bot/app.js';
import { readConfig, type Config } from '../../bot/config.js';
import type { Notice } from '../../models/index.js';
import type { DeliveryOptions, DeliveryReport } from '../../services/notifications/worker.js';
import type { BotConnector } from '../../tools/botConnector/index.js';
import { LOCAL_SLACK_TOKEN, type SlackApi } from '../../tools/slackApi/index.js';
import { testDatabaseUri, useTestDatabase } from '../support/database.js';
import { seedOutbox, usePlatformFakes, type SeededNotice } from '../support/outbox.js';
import { quietLog } from '../support/teams.js';

const OPTIONS: DeliveryOptions = { backoffBaseMs: 200, backoffMaxMs: 2_000, leaseMs: 3_000, settleDelayMs: 2_500 };

describe('notice delivery at volume', function () {
  this.timeout(5 * 60_000);
  const db = useTestDatabase();
  const fakes = usePlatformFakes(db);
  let connector: BotConnector;
  let slack: SlackApi;
  const running: RunningApp[] = [];

  before(function () {
    [connector, slack] = [fakes.connector(), fakes.slack()];
  });
  afterEach(async function () {
    await Promise.all(running.splice(0).map((app) => app.stop()));
  });

  /** The test database as a connection string, for workers that connect on their own. */
  const databaseUri = () => {
    const uri = new URL(testDatabaseUri());
    uri.pathname = `/${db().connection.name}`;
    return uri.toString();
  };
  const config = (instances = 1): Config => ({
    ...readConfig({ PORT: '0', MONGODB_URI: databaseUri(), DELIVERY_INSTANCES: String(instances) }),
    slack: { botToken: LOCAL_SLACK_TOKEN, apiUrl: slack.apiUrl },
  });
  async function worker(instances = 1): Promise<RunningApp> {
    const app = await startApp(config(instances), { scheduler: false, log: quietLog, delivery: OPTIONS, platformTimeoutMs: 1_000 });
    running.push(app);
    return app;
  }
  let prefix = 0;
  const seed = (plan: Parameters<typeof seedOutbox>[3]) => seedOutbox(db(), connector, slack, { prefix: `v${++prefix}-`, ...plan }, new Date());

  /** How many times each learner was reached, on either platform. */
  function receipts(learners: SeededNotice[]): Map<string, number> {
    const dms = new Map(slack.users().map((user) => [user.profile.email, slack.messages(user.id).length]));
    return new Map(learners.map((l) => [l.noticeId, (l.conversationId ? connector.activities(l.conversationId).length : 0) + (dms.get(l.email) ?? 0)]));
  }
  const statuses = async () => {
    const notices = await db().Notice.find({}, { status: 1 }).lean<Pick<Notice, '_id' | 'status'>[]>();
    return new Map(notices.map((n) => [n._id, n.status]));
  };
  function expectWithinLimits(): void {
    expect(connector.counters().rateLimited, 'Bot Connector requests over the limits').to.equal(0);
    expect(slack.counters().rateLimited, 'Slack calls over the limits').to.equal(0);
  }

  it('2,000 notices with 5% of the sends failing: each delivered once, none over the limits, undeliverables reported', async function () {
    const learners = await seed({ teams: 1_975, slackOnly: 20, nowhere: 5 });
    const teams = learners.filter((l) => l.route === 'teams');
    // 100 failures (5%), each on a different learner's first send: 30 × 429, 30 × 500, 20 timeouts, 20 × 403 (→ Slack).
    const faults = [
      ...Array(30).fill({ status: 429, retryAfterSeconds: 1 }),
      ...Array(30).fill({ status: 500 }),
      ...Array(20).fill({ hang: true }),
      ...Array(20).fill({ status: 403 }),
    ];
    const victims = teams.filter((_, n) => n % 19 === 7).slice(0, faults.length);
    victims.forEach((learner, n) => connector.injectFault(faults[n], { match: { conversationId: learner.conversationId! } }));
    const blocked = victims.slice(80);
    for (const learner of blocked) slack.addUser({ email: learner.email });

    const report = await (await worker()).deliverNotices();

    const reached = receipts(learners);
    const nowhere = learners.filter((l) => l.route === 'nowhere').map((l) => l.noticeId);
    for (const learner of learners) expect(reached.get(learner.noticeId), learner.email).to.equal(learner.route === 'nowhere' ? 0 : 1);
    for (const learner of blocked) expect(connector.activities(learner.conversationId).length, learner.email).to.equal(0);
    expect(report.sent).to.equal(1_995);
    expect(report.undeliverable).to.have.members(nowhere);
    expect([...(await statuses()).values()].filter((s) => s === 'sent')).to.have.length(1_995);
    expect(connector.counters().injected).to.equal(100);
    expectWithinLimits();
  });

  it('two workers on one outbox: each notice delivered once, both working, within the limits', async function () {
    const learners = await seed({ teams: 580, slackOnly: 20 });
    const [first, second] = [await worker(2), await worker(2)];
    const reports: DeliveryReport[] = await Promise.all([first!.deliverNotices(), second!.deliverNotices()]);

    for (const [id, count] of receipts(learners)) expect(count, id).to.equal(1);
    expect(reports[0]!.sent + reports[1]!.sent).to.equal(600);
    expect(reports[0]!.sent).to.be.above(0);
    expect(reports[1]!.sent).to.be.above(0);
    expectWithinLimits();
  });

  it('a worker killed mid-batch and started again: nothing sent twice, nothing lost', async function () {
    const learners = await seed({ teams: 390, slackOnly: 10 });
    const env = {
      ...process.env,
      MONGODB_URI: databaseUri(),
      SLACK_BOT_TOKEN: LOCAL_SLACK_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      DELIVERY_OPTIONS: JSON.stringify(OPTIONS),
    };
    const first = startWorkerProcess(env);
    await new Promise<void>((killed) => {
      const stop = connector.onActivity(() => {
        if (connector.activities().length < 150) return;
        stop();
        first.kill('SIGKILL');
        killed();
      });
    });
    await exited(first);
    const deliveredBeforeKill = connector.activities().length;
    expect(deliveredBeforeKill).to.be.below(400);

    await new Promise((resolve) => setTimeout(resolve, OPTIONS.leaseMs! + 200)); // the dead worker's leases run out
    const second = startWorkerProcess(env);
    const output = await exited(second);
    const report = JSON.parse(output.trim().split('\n').pop()!) as DeliveryReport;

    const reached = receipts(learners);
    const status = await statuses();
    for (const learner of learners) {
      const count = reached.get(learner.noticeId)!;
      expect(count, `${learner.email} was sent it twice`).to.be.at.most(1);
      // A Teams send cut off by the kill is uncertain (Teams cannot be asked); everything else was delivered.
      if (status.get(learner.noticeId) === 'uncertain') expect(learner.route).to.equal('teams');
      else expect([status.get(learner.noticeId), count], learner.email).to.deep.equal(['sent', 1]);
    }
    const uncertain = learners.filter((l) => status.get(l.noticeId) === 'uncertain');
    expect(report.uncertain).to.have.members(uncertain.map((l) => l.noticeId));
    // Only sends that were on their way when the process died can be uncertain: at most one per lane.
    expect(uncertain.length).to.be.at.most(16);
    expectWithinLimits();
  });
});

function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/deliveryWorker.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with what the process printed once it has exited (killed or not); fails on a non-zero exit code. */
function exited(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(out);
      else reject(new Error(`the worker exited with ${code ?? signal}: ${err}`));
    });
  });
}
