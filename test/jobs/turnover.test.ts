import { expect } from 'chai';
import sinon from 'sinon';
import { runTurnover } from '../../jobs/turnover.js';
import type { Person } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { getPerson } from '../../services/people.js';
import { updateSettings } from '../../services/settings.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { jobContext } from '../support/jobs.js';
import { admin, bringTo, snapshot } from '../support/licensing.js';

const JOINED = '2027-01-15T10:00:00Z';
const WINDOW = '2027-02-01T06:00:00Z';

describe('the turnover job', () => {
  const db = useTestDatabase();
  const clock = new ManualClock(JOINED);
  const ctx = () => jobContext(db(), clock);

  async function people(states: Person['state'][], capacity: number): Promise<Person[]> {
    await updateSettings(db(), { capacity }, { actor: admin, at: clock.now() });
    const made: Person[] = [];
    for (const [n, state] of states.entries()) {
      made.push(await bringTo(state, `${state}-${n}@example.org`, { models: db(), licensing: ctx().licensing, clock, now: JOINED }));
      clock.advance(60_000);
    }
    clock.set(WINDOW);
    return made;
  }

  beforeEach(async () => {
    await clearDatabase(db());
    clock.set(JOINED);
  });

  it('does nothing outside the first week of the month', async () => {
    await people(['waiting'], 3);
    clock.set('2027-02-08T06:00:00Z');
    const before = await snapshot(db());
    const report = await runTurnover(ctx(), { dryRun: false });
    expect(report.outcome).to.equal('outside-window');
    expect(await snapshot(db())).to.deep.equal(before);
  });

  it('fills free seats from paused learners who are ready, then from the head of the waitlist', async () => {
    const [, first, second, third, resuming] = await people(['active', 'waiting', 'waiting', 'waiting', 'paused_ready'], 3);
    const report = await runTurnover(ctx(), { dryRun: false });

    expect(report).to.include({ outcome: 'done', month: '2027-02', capacity: 3, seatsTaken: 1, freeSeats: 2 });
    expect(report.invited).to.deep.equal([
      { email: resuming!.email, from: 'paused_ready' },
      { email: first!.email, from: 'waiting' },
    ]);
    expect((await getPerson(db(), second!._id)).state).to.equal('waiting');
    expect((await getPerson(db(), third!._id)).state).to.equal('waiting');
    expect(report.noticesQueued).to.equal(2);
    const notices = await db().Notice.find().sort({ _id: 1 }).lean();
    expect(notices.map((notice) => notice.kind)).to.deep.equal(['invitation', 'invitation']);
    expect(notices[0]?.facts.licenseEndsAt).to.deep.equal(new Date('2027-12-31T23:59:59.999Z'));
    const run = await db().TurnoverRun.findById('2027-02').lean();
    expect(run?.finishedAt?.toISOString()).to.equal(new Date(WINDOW).toISOString());
  });

  it('works once a month: seats freed later wait for next month', async () => {
    const [holder] = await people(['active', 'waiting', 'waiting'], 2);
    await runTurnover(ctx(), { dryRun: false });
    await ctx().licensing.release(holder!._id, { kind: 'person', id: holder!.email });

    clock.set('2027-02-02T06:00:00Z');
    const again = await runTurnover(ctx(), { dryRun: false });
    expect(again.outcome).to.equal('already-done');
    expect(again.invited).to.deep.equal([]);

    clock.set('2027-03-01T06:00:00Z');
    const next = await runTurnover(ctx(), { dryRun: false });
    expect(next.invited).to.have.length(1);
  });

  it('in a dry run reports exactly what the real run then does, and writes nothing', async () => {
    await people(['active', 'waiting', 'on_hold', 'waiting', 'paused_ready', 'waiting'], 4);
    const before = await snapshot(db());
    const preview = await runTurnover(ctx(), { dryRun: true });
    expect(await snapshot(db())).to.deep.equal(before);

    const real = await runTurnover(ctx(), { dryRun: false });
    expect(preview.invited).to.deep.equal(real.invited);
    expect(preview.freeSeats).to.equal(real.freeSeats);
    expect(preview.invited).to.have.length(3);
  });

  it('crashing after inviting some, then running again, finishes the month with no duplicates and nothing lost', async () => {
    const waiting = await people(['waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting'], 6);
    const crashing = ctx();
    const invite = crashing.licensing.invite.bind(crashing.licensing);
    let calls = 0;
    sinon.stub(crashing.licensing, 'invite').callsFake(async (...args) => {
      calls += 1;
      if (calls === 3) throw new Error('process killed');
      return invite(...args);
    });
    let crashed: unknown;
    await runTurnover(crashing, { dryRun: false }).catch((error: unknown) => (crashed = error));
    expect((crashed as Error).message).to.equal('process killed');
    expect(await db().Notice.countDocuments()).to.equal(0); // it died before queueing any

    clock.advance(60 * 60 * 1000); // the next run, an hour later
    const rerun = await runTurnover(ctx(), { dryRun: false });
    expect(rerun.outcome).to.equal('done');
    expect(rerun.invited).to.have.length(4);

    const invited = waiting.slice(0, 6);
    for (const person of invited) expect((await getPerson(db(), person._id)).state).to.equal('invited');
    expect((await getPerson(db(), waiting[6]!._id)).state).to.equal('waiting');
    expect(await db().AuditEvent.countDocuments({ action: 'invite' })).to.equal(6);
    const notices = await db().Notice.find({ kind: 'invitation' }).lean();
    expect(notices).to.have.length(6);
    expect(new Set(notices.map((notice) => notice.personId.toString()))).to.deep.equal(
      new Set(invited.map((person) => person._id.toString())),
    );
  });
});
