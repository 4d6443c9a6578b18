// Two app instances on one database, each with its own connection and its own Agenda,
// running the same jobs at the same moment.
import { expect } from 'chai';
import { Types } from 'mongoose';
import { startScheduler, type Scheduler } from '../../jobs/scheduler.js';
import { openDatabase, type Models } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { updateSettings } from '../../services/settings.js';
import { clearDatabase, testDatabaseUri, useTestDatabase } from '../support/database.js';
import { jobContext, TEST_SCHEDULER } from '../support/jobs.js';
import { admin, system } from '../support/licensing.js';

describe('two instances running the jobs at once', () => {
  const db = useTestDatabase();
  const clock = new ManualClock('2027-01-10T10:00:00Z');
  let second: Models;
  let schedulers: Scheduler[] = [];

  before(async () => {
    second = await openDatabase(testDatabaseUri(), db().connection.name);
  });
  after(() => second.connection.close());
  afterEach(async () => {
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    schedulers = [];
  });

  it('invite, warn, revoke and expire nobody twice, and keep holders within capacity', async () => {
    await clearDatabase(db());
    await updateSettings(db(), { capacity: 5 }, { actor: admin, at: clock.now() });
    const licensing = jobContext(db(), clock).licensing;
    for (let n = 0; n < 12; n += 1) await licensing.apply({ email: `learner${n}@example.org` }, system);

    const instances = [jobContext(db(), clock), jobContext(second, clock)];
    schedulers = await Promise.all(instances.map((ctx) => startScheduler(ctx, TEST_SCHEDULER)));
    // Each instance asks for the job at once; either instance may pick up either request.
    const runBoth = async (job: string) => {
      const requested = await Promise.all(schedulers.map((scheduler) => scheduler.agenda.now(job)));
      const ids = requested.map((request) => new Types.ObjectId(String(request.attrs._id)));
      const jobs = db().connection.db!.collection('agenda_jobs');
      // A finished one-off job is removed, so wait until none of the requests is still pending.
      for (let waited = 0; (await jobs.countDocuments({ _id: { $in: ids }, lastFinishedAt: null })) > 0; waited += 50) {
        if (waited > 20_000) throw new Error(`${job} did not finish on both instances`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    clock.set('2027-02-01T06:00:00Z');
    await runBoth('turnover');
    clock.set('2027-03-05T07:00:00Z'); // a month idle: everyone invited is warned
    await runBoth('inactivity');
    clock.set('2027-04-05T07:00:00Z'); // two months: revoked
    await runBoth('inactivity');
    clock.set('2027-05-03T06:00:00Z');
    await runBoth('turnover'); // five new holders
    clock.set('2028-01-01T00:10:00Z');
    await runBoth('year-end');

    const count = (action: string) => db().AuditEvent.countDocuments({ action });
    expect(await count('invite')).to.equal(10);
    expect(await count('warn')).to.equal(5);
    expect(await count('revoke')).to.equal(5);
    expect(await count('expire')).to.equal(5);
    for (const action of ['invite', 'warn', 'revoke', 'expire']) {
      const subjects = await db().AuditEvent.distinct('subject', { action });
      expect(subjects, action).to.have.length(await count(action));
    }
    expect(await db().Notice.countDocuments()).to.equal(25);
    expect(await db().Seat.countDocuments()).to.equal(0);
    expect(await db().Person.countDocuments({ state: 'waiting' })).to.equal(2);
  });
});
