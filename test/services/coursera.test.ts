import { expect } from 'chai';
import { runActivitySync } from '../../jobs/activitySync.js';
import { runTurnover } from '../../jobs/turnover.js';
import { ManualClock } from '../../services/clock.js';
import { CourseraApi, CourseraError, retryAfterMs } from '../../services/coursera.js';
import { getPersonByEmail } from '../../services/people.js';
import { CourseraFake } from '../support/courseraFake.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { jobContext } from '../support/jobs.js';
import { snapshot, system } from '../support/licensing.js';

const at = (iso: string) => new Date(iso).getTime();

describe('Coursera', () => {
  const fake = new CourseraFake();
  let waits: number[];
  let now: number;
  const client = () =>
    new CourseraApi(fake.config(), {
      sleep: async (ms) => {
        waits.push(ms);
      },
      now: () => now,
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 },
    });

  before(() => fake.start());
  after(() => fake.stop());
  beforeEach(() => {
    Object.assign(fake, { members: new Map(), activity: new Map(), faults: [], requests: [], tokensIssued: 0, tokenLifetime: 1800, pageSize: 2 });
    waits = [];
    now = Date.now();
  });

  describe('the API client', () => {
    it('reads every page and keeps each learner’s latest activity', async () => {
      fake.activity.set('ada@example.org', [at('2027-03-01T10:00:00Z'), at('2027-03-09T10:00:00Z')]);
      fake.activity.set('ben@example.org', [at('2027-02-01T10:00:00Z')]);
      fake.activity.set('cai@example.org', [at('2027-03-05T10:00:00Z'), at('2027-01-05T10:00:00Z'), at('2027-03-06T10:00:00Z')]);
      const latest = await client().latestActivity();
      expect(Object.fromEntries([...latest].map(([email, when]) => [email, when.toISOString()]))).to.deep.equal({
        'ada@example.org': '2027-03-09T10:00:00.000Z',
        'ben@example.org': '2027-02-01T10:00:00.000Z',
        'cai@example.org': '2027-03-06T10:00:00.000Z',
      });
      expect(fake.requests.filter((r) => r.includes('enrollmentReports'))).to.have.length(3); // 6 rows, 2 a page
      expect(fake.requests.every((r) => !r.includes(fake.credentials.clientSecret))).to.equal(true);
    });

    it('keeps one token while it is valid and gets a new one when it is about to expire', async () => {
      const api = client();
      await api.inviteLearner({ email: 'a@example.org' });
      await api.inviteLearner({ email: 'b@example.org' });
      expect(fake.tokensIssued).to.equal(1);
      now += 1800_000 - 30_000; // within the last minute of the token's life
      await api.inviteLearner({ email: 'c@example.org' });
      expect(fake.tokensIssued).to.equal(2);
    });

    it('gets a new token when one expires in the middle of paging, and finishes', async () => {
      for (let n = 0; n < 6; n += 1) fake.activity.set(`l${n}@example.org`, [at('2027-03-01T10:00:00Z') + n]);
      let pages = 0;
      const realFetch = fetch;
      const expiringFetch: typeof fetch = async (input, init) => {
        if (String(input).includes('enrollmentReports') && (pages += 1) === 2) fake.expireTokens();
        return realFetch(input, init);
      };
      const latest = await new CourseraApi(fake.config(), { fetch: expiringFetch, sleep: async () => undefined }).latestActivity();
      expect(latest.size).to.equal(6);
      expect(fake.tokensIssued).to.equal(2);
    });

    it('waits as long as Retry-After says on 429, then carries on', async () => {
      fake.activity.set('ada@example.org', [at('2027-03-01T10:00:00Z')]);
      fake.faults.push({ match: /enrollmentReports/, status: 429, retryAfter: '3', times: 2 });
      const latest = await client().latestActivity();
      expect(latest.size).to.equal(1);
      expect(waits).to.deep.equal([3000, 3000]);
    });

    it('backs off exponentially on 500 and succeeds when the server recovers', async () => {
      fake.faults.push({ match: /invitations/, status: 500, times: 3 });
      await client().inviteLearner({ email: 'ada@example.org' });
      expect(fake.members.has('ada@example.org')).to.equal(true);
      expect(waits).to.have.length(3);
      // Full jitter within doubling ceilings: 100, 200, 400 ms.
      waits.forEach((wait, n) => expect(wait).to.be.within(50 * 2 ** n, 100 * 2 ** n));
    });

    it('gives up after the bounded attempts with a clear error', async () => {
      fake.faults.push({ match: /invitations/, status: 500, times: 99 });
      let failure: unknown;
      await client().inviteLearner({ email: 'ada@example.org' }).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(CourseraError);
      expect((failure as Error).message).to.equal('Coursera did not complete POST /api/businesses.v1/org-1/programs/prog-1/invitations after 4 attempts (last: HTTP 500).');
    });

    it('treats inviting a member and removing a non-member as done', async () => {
      const api = client();
      await api.inviteLearner({ email: 'ada@example.org' });
      await api.inviteLearner({ email: 'ada@example.org' }); // 409
      await api.removeLearner({ email: 'ada@example.org' });
      await api.removeLearner({ email: 'ada@example.org' }); // 404
      expect(fake.members.size).to.equal(0);
    });

    it('says so plainly when the credentials are wrong, without the secret', async () => {
      const api = new CourseraApi({ ...fake.config(), clientSecret: 'wrong-secret' }, { sleep: async () => undefined });
      let failure: unknown;
      await api.latestActivity().catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(CourseraError);
      expect((failure as CourseraError).status).to.equal(401);
      expect((failure as Error).message).not.to.include('wrong-secret');
    });

    it('reads Retry-After as seconds or as a date', () => {
      const base = Date.parse('2027-03-01T10:00:00Z');
      expect(retryAfterMs('120', base)).to.equal(120_000);
      expect(retryAfterMs('Mon, 01 Mar 2027 10:00:30 GMT', base)).to.equal(30_000);
      expect(retryAfterMs('soon', base)).to.equal(undefined);
    });
  });

  describe('the activity sync and program membership', () => {
    const db = useTestDatabase();
    const clock = new ManualClock('2027-03-01T06:00:00Z');
    const ctx = () => ({ ...jobContext(db(), clock), coursera: client() });

    beforeEach(async () => {
      await clearDatabase(db());
      clock.set('2027-02-20T10:00:00Z');
      for (const email of ['ada@example.org', 'ben@example.org', 'cai@example.org']) await ctx().licensing.apply({ email }, system);
      clock.set('2027-03-01T06:00:00Z');
    });

    it('invites each new holder into the Coursera program at turnover, and only once', async () => {
      const report = await runTurnover(ctx(), { dryRun: false });
      expect(report.members?.invited).to.have.members(['ada@example.org', 'ben@example.org', 'cai@example.org']);
      expect([...fake.members.keys()].sort()).to.deep.equal(['ada@example.org', 'ben@example.org', 'cai@example.org']);
      const again = await runActivitySync(ctx(), { dryRun: false });
      expect(again.members?.invited).to.deep.equal([]);
    });

    it('records activity from the API, and removes from the program whoever lost the license', async () => {
      await runTurnover(ctx(), { dryRun: false });
      fake.activity.set('ada@example.org', [at('2027-03-10T10:00:00Z')]);
      fake.activity.set('stranger@example.org', [at('2027-03-10T10:00:00Z')]);
      const ben = await getPersonByEmail(db(), 'ben@example.org');
      clock.set('2027-03-12T05:00:00Z');
      await ctx().licensing.release(ben._id, system);

      const report = await runActivitySync(ctx(), { dryRun: false });
      expect(report.activity).to.deep.include({ applied: 1 });
      expect(report.activity.unmatched.examples).to.deep.equal(['stranger@example.org']);
      expect(report.members?.removed).to.deep.equal(['ben@example.org']);
      expect((await getPersonByEmail(db(), 'ada@example.org')).lastActivityAt?.toISOString()).to.equal('2027-03-10T10:00:00.000Z');
      expect(fake.members.has('ben@example.org')).to.equal(false);
    });

    it('applies nothing when the reports cannot be read, and finishes on the next run', async () => {
      await runTurnover(ctx(), { dryRun: false });
      for (const email of ['ada@example.org', 'ben@example.org', 'cai@example.org']) fake.activity.set(email, [at('2027-03-10T10:00:00Z')]);
      fake.pageSize = 1;
      let page = 0;
      const realFetch = fetch;
      // The second page fails for good this time.
      const failingFetch: typeof fetch = async (input, init) => {
        if (String(input).includes('enrollmentReports') && (page += 1) >= 2) return new Response('{}', { status: 500 });
        return realFetch(input, init);
      };
      clock.set('2027-03-12T05:00:00Z');
      const before = await snapshot(db());
      const broken = { ...jobContext(db(), clock), coursera: new CourseraApi(fake.config(), { fetch: failingFetch, sleep: async () => undefined }) };
      let failure: unknown;
      await runActivitySync(broken, { dryRun: false }).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(CourseraError);
      expect(await snapshot(db())).to.deep.equal(before);

      const report = await runActivitySync(ctx(), { dryRun: false });
      expect(report.activity.applied).to.equal(3);
    });

    it('reports a learner Coursera would not take, and adds them on a later run', async () => {
      fake.faults.push({ match: /invitations/, status: 500, times: 4 });
      const report = await runTurnover(ctx(), { dryRun: false });
      expect(report.invited).to.have.length(3); // the licenses are granted regardless
      expect(report.members?.failed.map((f) => f.email)).to.deep.equal(['ada@example.org']);
      const next = await runActivitySync(ctx(), { dryRun: false });
      expect(next.members?.invited).to.deep.equal(['ada@example.org']);
      expect(fake.members.size).to.equal(3);
    });
  });
});
