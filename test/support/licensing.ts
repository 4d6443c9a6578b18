// Drives people into any state through the public licensing API only, so tests start
// from states that real use produces rather than from hand-written documents.
import type { Actor, Models, Person, PersonState } from '../../models/index.js';
import type { Action, Licensing, Outcome } from '../../services/licensing.js';
import { findOrCreatePerson, getPerson } from '../../services/people.js';
import type { ManualClock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';

export const system: Actor = { kind: 'system', id: 'test' };
export const admin: Actor = { kind: 'admin', id: 'U_ADMIN' };
export const self = (person: Pick<Person, 'email'>): Actor => ({ kind: 'person', id: person.email });

/** Every operation, called the way its real caller calls it. */
export function operations(licensing: Licensing, clock: ManualClock): Record<Action, (person: Person) => Promise<Outcome>> {
  return {
    apply: (p) => licensing.apply({ email: p.email }, self(p)),
    pause: (p) => licensing.pause(p._id, self(p)),
    ready: (p) => licensing.ready(p._id, self(p)),
    withdraw: (p) => licensing.withdraw(p._id, self(p)),
    release: (p) => licensing.release(p._id, self(p)),
    invite: (p) => licensing.invite(p._id, system),
    activity: (p) => licensing.recordActivity(p._id, clock.now(), system),
    warn: (p) => licensing.warnForInactivity(p._id, system),
    revoke: (p) => licensing.revokeForInactivity(p._id, system),
    expire: (p) => licensing.expireLicense(p._id, system),
    'admin-invite': (p) => licensing.adminInvite(p.email, admin, 'test'),
    'admin-revoke': (p) => licensing.adminRevoke(p._id, admin, 'test'),
    'admin-restore': (p) => licensing.adminRestore(p._id, admin, 'test'),
  };
}

/**
 * Brings a new person with this address into `state`, moving the clock through the
 * months it takes, and leaves the clock at `now`. Works in UTC with the default settings.
 */
export async function bringTo(
  state: PersonState,
  email: string,
  context: { models: Models; licensing: Licensing; clock: ManualClock; now: string },
): Promise<Person> {
  const { models, licensing, clock, now } = context;
  const year = new Date(now).getUTCFullYear();
  const id = (await findOrCreatePerson(models, email, clock.now()))._id;
  const as: Actor = { kind: 'person', id: email };
  const step = async (at: string, run: () => Promise<unknown>) => {
    clock.set(at);
    await run();
  };
  const holdingSince = async (invitedAt: string) => {
    await step(invitedAt, () => licensing.apply({ email }, as));
    await step(invitedAt, () => licensing.invite(id, system));
  };

  switch (state) {
    case 'none':
      break;
    case 'waiting':
      await step(now, () => licensing.apply({ email }, as));
      break;
    case 'on_hold':
      await step(now, () => licensing.apply({ email }, as));
      await step(now, () => licensing.pause(id, as));
      break;
    case 'withdrawn':
      await step(now, () => licensing.apply({ email }, as));
      await step(now, () => licensing.withdraw(id, as));
      break;
    case 'invited':
      await holdingSince(now);
      break;
    case 'active':
      await holdingSince(now);
      await step(now, () => licensing.recordActivity(id, clock.now(), system));
      break;
    case 'warned':
      await holdingSince(`${year}-04-20T10:00:00Z`);
      await step(now, () => licensing.warnForInactivity(id, system));
      break;
    case 'paused':
      await holdingSince(now);
      await step(now, () => licensing.pause(id, as));
      break;
    case 'paused_ready':
      await holdingSince(now);
      await step(now, () => licensing.pause(id, as));
      await step(now, () => licensing.ready(id, as));
      break;
    case 'released':
      await holdingSince(now);
      await step(now, () => licensing.release(id, as));
      break;
    case 'expired':
      await holdingSince(`${year - 1}-11-01T10:00:00Z`);
      await step(`${year}-01-01T00:00:01Z`, () => licensing.expireLicense(id, system));
      break;
    case 'revoked':
      await holdingSince(`${year}-03-01T10:00:00Z`);
      await step(`${year}-04-02T10:00:00Z`, () => licensing.warnForInactivity(id, system));
      await step(now, () => licensing.revokeForInactivity(id, system));
      break;
  }
  clock.set(now);
  const person = await getPerson(models, id);
  if (person.state !== state) throw new Error(`bringTo(${state}) ended in ${person.state}`);
  return person;
}

/** Everything a refused request must leave as it was. */
export async function snapshot(models: Models): Promise<unknown> {
  const [people, events, seats, tickets, settings] = await Promise.all([
    models.Person.find().sort({ email: 1 }).lean(),
    models.AuditEvent.countDocuments(),
    models.Seat.find().sort({ _id: 1 }).lean(),
    models.QueueTicket.countDocuments(),
    models.Settings.find().lean(),
  ]);
  return JSON.parse(JSON.stringify({ people, events, seats, tickets, settings }));
}

/** The refusal a request ended in; fails the test if it went through. */
export async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal, but the request went through');
}
