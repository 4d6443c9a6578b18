import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { Types } from 'mongoose';
import { startScheduler } from '../../jobs/scheduler.js';
import { openDatabase } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';
import { monthKey } from '../../services/policy.js';
import { loadSettings, updateSettings } from '../../services/settings.js';
import { parseScenario, type Scenario } from '../../tools/simulation/scenario.js';
import { buildTimeline, emptyMonth, performEvent, simulate, standings, type MonthReport } from '../../tools/simulation/simulate.js';
import { clearDatabase, testDatabaseUri, useTestDatabase } from '../support/database.js';
import { TEST_SCHEDULER } from '../support/jobs.js';

const at = (who: string) => `${who}@example.org`;
const list = (...names: string[]) => names.map(at);

describe('the what-if simulation', () => {
  const db = useTestDatabase();
  beforeEach(() => clearDatabase(db()));

  it('plays the README example year exactly as the policy says', async function () {
    this.timeout(120_000);
    const scenario = parseScenario(JSON.parse(await readFile('tools/simulation/example-scenario.json', 'utf8')));
    const { months } = await simulate(db(), scenario);
    const month = (key: string) => months.find((m) => m.month === key)!;
    const holders = (key: string) => month(key).holders.map((h) => `${h.email.split('@')[0]} ${h.state}`);

    expect(months.map((m) => m.month)).to.deep.equal([
      '2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05', '2027-06',
      '2027-07', '2027-08', '2027-09', '2027-10', '2027-11', '2027-12', '2028-01',
    ]);
    // January: three seats, first come first served.
    expect(month('2027-01').invited).to.deep.equal(list('ada', 'ben', 'cai'));
    expect(month('2027-01').queue).to.deep.equal(list('dan', 'eve'));
    // Cai never starts: warned after one month, revoked after two; the seat waits for April's turnover.
    expect(month('2027-02').warned).to.deep.equal(list('cai'));
    expect(month('2027-03').revoked).to.deep.equal(list('cai'));
    expect(month('2027-03').invited).to.deep.equal([]);
    // Ben stops after 22 February: warned a month later, revoked two months later.
    expect(month('2027-03').warned).to.deep.equal(list('ben'));
    expect(month('2027-04').revoked).to.deep.equal(list('ben'));
    expect(month('2027-04').invited).to.deep.equal(list('dan'));
    expect(month('2027-05').invited).to.deep.equal(list('eve'));
    // Cai may not apply again this year.
    expect(month('2027-06').refused.map((r) => [r.who, r.action])).to.deep.equal([[at('cai'), 'apply']]);
    expect(month('2027-06').refused[0]?.reason).to.include('1 January 2028');
    // Eve pauses; her seat goes to Fay; when ready she goes ahead of the waitlist.
    expect(month('2027-06').paused).to.deep.equal(list('eve'));
    expect(month('2027-07').invited).to.deep.equal(list('fay'));
    expect(month('2027-09').queue).to.deep.equal(list('eve', 'gus', 'hal'));
    expect(month('2027-10').invited).to.deep.equal(list('eve'));
    expect(holders('2027-12')).to.deep.equal(['ada active', 'dan active', 'eve active']);
    // Nobody else was ever warned or revoked.
    expect(months.flatMap((m) => m.warned)).to.deep.equal(list('cai', 'ben'));
    expect(months.flatMap((m) => m.revoked)).to.deep.equal(list('cai', 'ben'));
    // The year ends: every license expires, the waitlist carries over, and Cai is back.
    expect(month('2028-01').expired).to.deep.equal(list('ada', 'dan', 'eve'));
    expect(month('2028-01').invited).to.deep.equal(list('gus', 'hal', 'cai'));
    expect(month('2028-01').queue).to.deep.equal(list('ada'));
    expect(months.flatMap((m) => m.refused)).to.have.length(1);
  });

  it('gives the same result as a live run of the same events through the scheduler', async function () {
    this.timeout(120_000);
    const scenario = parseScenario({
      settings: { capacity: 2, timeZone: 'America/New_York', turnoverLastDay: 3 },
      from: '2027-01-25',
      until: '2027-04-10',
      events: [
        { at: '2027-01-26T09:00', apply: [at('a'), at('b'), at('c'), at('d')] },
        { at: '2027-02-03', activity: at('a'), every: '5 days', until: '2027-04-10' },
        { at: '2027-02-20T12:00', pause: at('a') },
        { at: '2027-03-02T12:00', ready: at('a') },
        { at: '2027-03-05T12:00', withdraw: at('d') },
        { at: '2027-03-06T12:00', apply: at('e') },
        { at: '2027-03-20T12:00', pause: at('z') },
        { at: '2027-04-05T12:00', apply: at('b') },
      ],
    });
    const simulated = (await simulate(db(), scenario)).months;

    const live = await openDatabase(testDatabaseUri(), `live_${new Types.ObjectId().toHexString()}`);
    try {
      expect(await liveRun(live, scenario)).to.deep.equal(simulated);
    } finally {
      await live.connection.dropDatabase();
      await live.connection.close();
    }
    // The comparison covers every kind of outcome: invitations, warnings, revocations, refusals.
    expect(simulated.map((m) => [m.month, m.invited, m.warned, m.revoked, m.refused.map((r) => r.who)])).to.deep.equal([
      ['2027-01', [], [], [], []],
      ['2027-02', list('a', 'b'), [], [], []],
      ['2027-03', list('c'), list('b'), [], list('z')],
      ['2027-04', [], list('c'), list('b'), list('b')],
    ]);
  });

  describe('scenario files', () => {
    const base = { events: [{ at: '2027-01-05', apply: at('a') }] };
    for (const [change, words] of [
      [{ events: [] }, 'events must be a list'],
      [{ events: [{ at: '2027-02-30', apply: at('a') }] }, 'events[0].at must be a date'],
      [{ events: [{ at: '2027-02-01', dance: at('a') }] }, 'events[0] needs exactly one of apply'],
      [{ events: [{ at: '2027-02-01', apply: [at('a'), 'nobody'] }] }, 'events[0].apply[1] must be an email address'],
      [{ events: [{ at: '2027-02-01', activity: at('a'), every: 'often', until: '2027-03-01' }] }, 'events[0].every must be like "7 days"'],
      [{ events: [{ at: '2027-02-01', activity: at('a'), every: '7 days', until: '2027-01-01' }] }, 'events[0].until is before'],
      [{ settings: { capacity: -3 } }, 'capacity must be a whole number'],
      [{ settings: { seats: 3 } }, 'Unknown setting seats'],
      [{ until: '2026-12-01' }, 'until must be after from'],
      [{ colour: 'blue' }, 'Unknown scenario field colour'],
    ] as const) {
      it(`refuses ${JSON.stringify(change)} saying "${words}"`, () => {
        expect(() => parseScenario({ ...base, ...change }))
          .to.throw(DomainError)
          .with.property('message')
          .that.includes(words);
      });
    }
  });
});

/**
 * The same events, but jobs run by the production scheduler (Agenda, the real job
 * definitions) at the moments their schedules fire, and staff events done through the
 * licensing service as the bot does them.
 */
async function liveRun(models: Awaited<ReturnType<typeof openDatabase>>, scenario: Scenario): Promise<MonthReport[]> {
  const clock = new ManualClock(scenario.from);
  await updateSettings(models, scenario.settings, { actor: { kind: 'admin', id: 'live' }, at: clock.now() });
  const settings = await loadSettings(models);
  const licensing = new Licensing(models, clock);
  const scheduler = await startScheduler({ models, clock, licensing, log: createLogger('error', () => undefined) }, TEST_SCHEDULER);
  const months: MonthReport[] = [];
  const tally = new Map<string, MonthReport>();
  const monthOf = (when: Date) => tallyOf(monthKey(when, settings.timeZone));
  const tallyOf = (key: string) => {
    if (!tally.has(key)) tally.set(key, emptyMonth(key));
    return tally.get(key)!;
  };
  try {
    let open: string | undefined;
    for (const item of buildTimeline(scenario, settings)) {
      const key = monthKey(item.at, settings.timeZone);
      if (open && key !== open) months.push({ ...tallyOf(open), ...(await standings(models, settings)) });
      open = key;
      clock.set(item.at);
      if ('job' in item) {
        const before = await models.AuditEvent.countDocuments();
        const finished = new Promise((resolve) => scheduler.agenda.once(`complete:${item.job}`, resolve));
        await scheduler.agenda.now(item.job);
        await finished;
        const events = await models.AuditEvent.find().sort({ _id: 1 }).skip(before).lean();
        const people = await models.Person.find({ _id: { $in: events.map((e) => new Types.ObjectId(e.subject.slice(7))) } }).lean();
        const email = (subject: string) => people.find((p) => `person:${p._id.toString()}` === subject)!.email;
        const tallied = monthOf(item.at);
        for (const event of events) {
          if (event.action === 'invite') tallied.invited.push(email(event.subject));
          if (event.action === 'warn') tallied.warned.push(email(event.subject));
          if (event.action === 'revoke') tallied.revoked.push(email(event.subject));
          if (event.action === 'expire') tallied.expired.push(email(event.subject));
        }
      } else {
        const refusal = await performEvent(licensing, models, item.event);
        if (refusal) monthOf(item.at).refused.push({ at: item.at, who: item.event.who, action: item.event.action, reason: refusal });
      }
    }
    months.push({ ...monthOf(clock.now()), ...(await standings(models, settings)) });
  } finally {
    await scheduler.stop();
  }
  return months;
}
