import { expect } from 'chai';
import { runInactivity } from '../../jobs/inactivity.js';
import { runYearEnd } from '../../jobs/yearEnd.js';
import type { Person } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { getPerson } from '../../services/people.js';
import { updateSettings } from '../../services/settings.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { jobContext } from '../support/jobs.js';
import { admin, snapshot, system } from '../support/licensing.js';

describe('the inactivity and year-end jobs', () => {
  const db = useTestDatabase();
  const clock = new ManualClock('2027-01-01T00:00:00Z');
  const ctx = () => jobContext(db(), clock);

  async function holder(email: string, invitedAt: string, activeAt?: string): Promise<Person> {
    clock.set(invitedAt);
    const { person } = await ctx().licensing.apply({ email }, system);
    await ctx().licensing.invite(person._id, system);
    if (activeAt) {
      clock.set(activeAt);
      await ctx().licensing.recordActivity(person._id, clock.now(), system);
    }
    return getPerson(db(), person._id);
  }

  beforeEach(async () => {
    await clearDatabase(db());
    await updateSettings(db(), { timeZone: 'Europe/Zurich' }, { actor: admin, at: clock.now() });
  });

  it('warns at one idle month and revokes at two, each once, and says so in notices', async () => {
    const idle = await holder('idle@example.org', '2027-03-01T09:00:00Z');
    const busy = await holder('busy@example.org', '2027-03-01T09:00:00Z', '2027-03-20T09:00:00Z');
    const fresh = await holder('fresh@example.org', '2027-03-25T09:00:00Z');

    clock.set('2027-04-02T07:00:00Z');
    const first = await runInactivity(ctx(), { dryRun: false });
    expect(first.warned.map((w) => w.email)).to.deep.equal(['idle@example.org']);
    expect(first.revoked).to.deep.equal([]);
    expect((await runInactivity(ctx(), { dryRun: false })).warned).to.deep.equal([]); // again the same day

    const warning = await db().Notice.findOne({ kind: 'inactivity-warning' }).lean();
    expect(warning?.personId.toString()).to.equal(idle._id.toString());
    expect(warning?.facts.revokeAt).to.deep.equal(new Date('2027-05-01T08:00:00Z')); // 1 May 10:00 in Zurich (summer time)

    clock.set('2027-05-02T07:00:00Z');
    const second = await runInactivity(ctx(), { dryRun: false });
    expect(second.revoked.map((r) => r.email)).to.deep.equal(['idle@example.org']);
    expect(second.warned.map((w) => w.email)).to.deep.equal(['busy@example.org', 'fresh@example.org']);
    const revocation = await db().Notice.findOne({ kind: 'revocation' }).lean();
    expect(revocation?.facts).to.deep.equal({ cause: 'inactivity', barredUntil: new Date('2027-12-31T23:00:00Z') });
    expect((await getPerson(db(), busy._id)).state).to.equal('warned');
    expect((await getPerson(db(), fresh._id)).state).to.equal('warned');
    const kinds = (await db().Notice.find().lean()).map((notice) => notice.kind).sort();
    // The invitation of 25 March is swept up too: the sweep covers the days before each run.
    expect(kinds).to.deep.equal(['inactivity-warning', 'inactivity-warning', 'inactivity-warning', 'invitation', 'revocation']);
  });

  it('in a dry run lists the same people and writes nothing', async () => {
    await holder('a@example.org', '2027-03-01T09:00:00Z');
    await holder('b@example.org', '2027-01-05T09:00:00Z');
    clock.set('2027-02-06T07:00:00Z');
    await runInactivity(ctx(), { dryRun: false }); // b is warned
    clock.set('2027-04-02T07:00:00Z');
    const before = await snapshot(db());
    const preview = await runInactivity(ctx(), { dryRun: true });
    expect(await snapshot(db())).to.deep.equal(before);
    const real = await runInactivity(ctx(), { dryRun: false });
    expect(preview.warned).to.deep.equal(real.warned);
    expect(preview.revoked).to.deep.equal(real.revoked);
    expect(real.warned.map((w) => w.email)).to.deep.equal(['a@example.org']);
    expect(real.revoked.map((r) => r.email)).to.deep.equal(['b@example.org']);
  });

  it('ends every license at the year end in the org time zone, once, and leaves the waitlist alone', async () => {
    const holderA = await holder('a@example.org', '2027-06-01T09:00:00Z', '2027-12-20T09:00:00Z');
    const holderB = await holder('b@example.org', '2027-11-01T09:00:00Z', '2027-12-30T09:00:00Z');
    clock.set('2027-12-10T09:00:00Z');
    const { person: waiting } = await ctx().licensing.apply({ email: 'waiting@example.org' }, system);

    clock.set('2027-12-31T22:59:00Z'); // 23:59 on 31 December in Zurich
    expect((await runYearEnd(ctx(), { dryRun: false })).expired).to.deep.equal([]);

    clock.set('2027-12-31T23:00:00Z'); // midnight
    const preview = await runYearEnd(ctx(), { dryRun: true });
    const report = await runYearEnd(ctx(), { dryRun: false });
    expect(report.expired.map((e) => e.email)).to.deep.equal(['a@example.org', 'b@example.org']);
    expect(preview.expired).to.deep.equal(report.expired);
    expect((await runYearEnd(ctx(), { dryRun: false })).expired).to.deep.equal([]);

    for (const person of [holderA, holderB]) expect((await getPerson(db(), person._id)).state).to.equal('expired');
    expect((await getPerson(db(), waiting._id)).state).to.equal('waiting');
    expect(await db().Seat.countDocuments()).to.equal(0);
    expect(await db().Notice.countDocuments({ kind: 'year-end' })).to.equal(2);
  });
});
