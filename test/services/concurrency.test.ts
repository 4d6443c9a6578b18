// Races on one database, the way parallel requests and jobs produce them.
import { expect } from 'chai';
import type { Types } from 'mongoose';
import type { Models, Person } from '../../models/index.js';
import { personSubject } from '../../services/audit.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { getPerson } from '../../services/people.js';
import { SEAT_HOLDER_STATES } from '../../services/policy.js';
import { waitlistPosition } from '../../services/queue.js';
import { freeLeftoverSeats, SEAT_GRACE_MS, takeSeat } from '../../services/seats.js';
import { loadSettings, updateSettings } from '../../services/settings.js';
import { ManualClock } from '../../services/clock.js';
import { clearDatabase, useTestDatabase } from '../support/database.js';
import { admin, bringTo, self, system } from '../support/licensing.js';

const NOW = '2027-06-15T10:00:00Z';

async function holders(models: Models): Promise<number> {
  return models.Person.countDocuments({ state: { $in: [...SEAT_HOLDER_STATES] } });
}

/** The person document must be exactly what its audit events add up to. */
async function expectConsistentWithLog(models: Models, personId: Types.ObjectId): Promise<Person> {
  const person = await getPerson(models, personId);
  const events = await models.AuditEvent.find({ subject: personSubject(personId) }).sort({ seq: 1 }).lean();
  expect(events.map((event) => event.seq)).to.deep.equal(events.map((_, index) => index + 1));
  expect(person.version).to.equal(events.length);
  if (events.length > 0) expect(person.state).to.equal(events.at(-1)?.to);
  for (let index = 1; index < events.length; index += 1) {
    expect(events[index]?.from, `event ${index + 1} starts where event ${index} ended`).to.equal(events[index - 1]?.to);
  }
  const seats = await models.Seat.countDocuments({ personId });
  expect(seats, `seat of a person who is ${person.state}`).to.equal(SEAT_HOLDER_STATES.includes(person.state as never) ? 1 : 0);
  return person;
}

describe('licensing under concurrency', () => {
  const db = useTestDatabase();
  const clock = new ManualClock(NOW);
  let licensing: Licensing;

  beforeEach(async () => {
    await clearDatabase(db());
    clock.set(NOW);
    licensing = new Licensing(db(), clock);
  });

  it('100 parallel applications from 20 people make 20 places, 1 to 20, no gaps or ties', async () => {
    const variants = (n: number) => [
      `learner${n}@example.org`,
      `LEARNER${n}@EXAMPLE.ORG`,
      `  Learner${n}@Example.org `,
      `learner${n}@example.ORG\t`,
      `\nlearner${n}@EXAMPLE.org`,
    ];
    const requests = Array.from({ length: 20 }, (_, n) => variants(n)).flat();
    // Interleave the people so that the same person's requests are spread through the batch.
    requests.sort((a, b) => a.trim().toLowerCase().localeCompare(b.trim().toLowerCase()) || a.length - b.length);
    const outcomes = await Promise.all(requests.map((email) => licensing.apply({ email }, { kind: 'person', id: 'racer' })));

    expect(outcomes.filter((outcome) => outcome.changed)).to.have.length(20);
    const people = await db().Person.find().lean<Person[]>();
    expect(people).to.have.length(20);
    expect(people.every((person) => person.state === 'waiting')).to.equal(true);
    const settings = await loadSettings(db());
    const positions = await Promise.all(people.map((person) => waitlistPosition(db(), person, settings)));
    expect([...positions].sort((a, b) => (a ?? 0) - (b ?? 0))).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await db().AuditEvent.countDocuments({ action: 'apply' })).to.equal(20);
    for (const person of people) await expectConsistentWithLog(db(), person._id);
  });

  it('parallel invitations racing for the last seats never put holders above capacity', async () => {
    await updateSettings(db(), { capacity: 5 }, { actor: admin, at: clock.now() });
    const context = { models: db(), licensing, clock, now: NOW };
    for (let n = 0; n < 3; n += 1) await bringTo('invited', `holder${n}@example.org`, context);
    const waiting: Person[] = [];
    for (let n = 0; n < 12; n += 1) waiting.push(await bringTo('waiting', `waiting${n}@example.org`, context));

    // Turnover and admins at once, some of them for the same people.
    const attempts = [
      ...waiting.map((person) => licensing.invite(person._id, system)),
      ...waiting.slice(0, 6).map((person) => licensing.adminInvite(person.email, admin, 'race')),
      ...waiting.slice(0, 4).map((person) => licensing.invite(person._id, system)),
    ];
    const results = await Promise.allSettled(attempts);
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).to.be.instanceOf(DomainError);
        expect((result.reason as DomainError).code).to.be.oneOf(['no-seat', 'wrong-state', 'conflict']);
      }
    }
    expect(await holders(db())).to.equal(5);
    expect(await db().Seat.countDocuments()).to.equal(5);
    for (const person of waiting) await expectConsistentWithLog(db(), person._id);
  });

  it('holders stay within capacity through rounds of invites, releases and pauses at once', async () => {
    await updateSettings(db(), { capacity: 4 }, { actor: admin, at: clock.now() });
    const context = { models: db(), licensing, clock, now: NOW };
    const people: Person[] = [];
    for (let n = 0; n < 16; n += 1) people.push(await bringTo('waiting', `p${n}@example.org`, context));

    for (let round = 0; round < 6; round += 1) {
      const current = await Promise.all(people.map((person) => getPerson(db(), person._id)));
      const work = current.map((person, index) => {
        if (SEAT_HOLDER_STATES.includes(person.state as never)) {
          return index % 2 === 0 ? licensing.release(person._id, self(person)) : licensing.pause(person._id, self(person));
        }
        if (person.state === 'released' || person.state === 'withdrawn') return licensing.apply({ email: person.email }, self(person));
        if (person.state === 'paused') return licensing.ready(person._id, self(person));
        return licensing.invite(person._id, system);
      });
      await Promise.allSettled(work);
      expect(await holders(db()), `round ${round}`).to.be.at.most(4);
      expect(await db().Seat.countDocuments(), `round ${round}`).to.be.at.most(4);
    }
    for (const person of people) await expectConsistentWithLog(db(), person._id);
  });

  it('conflicting requests for one person leave one coherent history', async () => {
    const context = { models: db(), licensing, clock, now: NOW };
    const person = await bringTo('active', 'busy@example.org', context);
    clock.set('2027-06-15T11:00:00Z');
    const requests = Array.from({ length: 5 }, () => [
      licensing.pause(person._id, self(person)),
      licensing.release(person._id, self(person)),
      licensing.recordActivity(person._id, clock.now(), system),
      licensing.ready(person._id, self(person)),
      licensing.adminRevoke(person._id, admin, 'race'),
    ]).flat();
    const results = await Promise.allSettled(requests);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).to.be.instanceOf(DomainError);
    }
    await expectConsistentWithLog(db(), person._id);
  });

  it('parallel settings changes each land once, in order', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => updateSettings(db(), { capacity: 100 + n }, { actor: admin, at: clock.now() })),
    );
    const events = await db().AuditEvent.find({ subject: 'settings' }).sort({ seq: 1 }).lean();
    const stored = await db().Settings.findById('settings').lean();
    expect(stored?.version).to.equal(events.length);
    expect((await loadSettings(db())).capacity).to.equal(events.at(-1)?.changes.set.capacity);
  });

  describe('after a crash', () => {
    it('a change that was recorded but never applied is applied by the next one', async () => {
      const context = { models: db(), licensing, clock, now: NOW };
      const person = await bringTo('waiting', 'crash@example.org', context);
      // The writer recorded "pause" (event 2) and died before updating the person.
      await db().AuditEvent.create({
        subject: personSubject(person._id),
        seq: person.version + 1,
        at: clock.now(),
        actor: self(person),
        action: 'pause',
        from: 'waiting',
        to: 'on_hold',
        changes: { set: { state: 'on_hold', pausedAt: clock.now() }, unset: [] },
      });
      const outcome = await licensing.ready(person._id, self(person));
      expect(outcome.person.state).to.equal('waiting');
      const events = await db().AuditEvent.find({ subject: personSubject(person._id) }).sort({ seq: 1 }).lean();
      expect(events.map((event) => event.action)).to.deep.equal(['apply', 'pause', 'ready']);
      await expectConsistentWithLog(db(), person._id);
    });

    it('a seat taken by a grant that died is freed once the grace period has passed', async () => {
      const context = { models: db(), licensing, clock, now: NOW };
      const person = await bringTo('waiting', 'halfway@example.org', context);
      const holder = await bringTo('invited', 'holder@example.org', context);
      await takeSeat(db(), person._id, 10, clock.now()); // and then the process died

      clock.advance(SEAT_GRACE_MS - 1);
      expect(await freeLeftoverSeats(db(), clock.now())).to.deep.equal([]);
      clock.advance(2);
      const freed = await freeLeftoverSeats(db(), clock.now());
      expect(freed).to.have.length(1);
      expect(await db().Seat.countDocuments({ personId: person._id })).to.equal(0);
      expect(await db().Seat.countDocuments({ personId: holder._id })).to.equal(1);
    });
  });
});
