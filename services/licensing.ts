// The life of one person in one year (DESIGN.md): every change of state goes through
// `change`, which re-reads the person, asks the operation what should happen, and
// records it as one audit event plus one versioned update (see audit.ts). A refused
// operation throws a DomainError and writes nothing.
import type { Types } from 'mongoose';
import type { Actor, Models, Person, PersonState } from '../models/index.js';
import { catchUp, commitChange, hasPendingChange, personSubject, type VersionedTarget } from './audit.js';
import type { Clock } from './clock.js';
import { DomainError, invalidInput } from './errors.js';
import { cleanDisplayName, findOrCreatePerson, findPersonByEmail, getPerson, normaliseEmail } from './people.js';
import {
  activityBase,
  endOfLicenseYear,
  estimateInvitation,
  formatDate,
  inactivityDeadlines,
  isSeatHolder,
  monthKey,
  revocationDueAt,
  SEAT_HOLDER_STATES,
  startOfNextYear,
  type Estimate,
} from './policy.js';
import { issueTicket, waitlistPosition } from './queue.js';
import { freeSeat, seatsTaken, takeSeat } from './seats.js';
import { loadSettings, type Settings } from './settings.js';

export type Action =
  | 'apply'
  | 'pause'
  | 'ready'
  | 'withdraw'
  | 'release'
  | 'invite'
  | 'activity'
  | 'warn'
  | 'revoke'
  | 'expire'
  | 'admin-invite'
  | 'admin-revoke'
  | 'admin-restore';

const HOLDERS = SEAT_HOLDER_STATES;
const NOT_HOLDING: PersonState[] = ['none', 'waiting', 'on_hold', 'withdrawn', 'released', 'expired', 'paused', 'paused_ready', 'revoked'];

function allTo(from: readonly PersonState[], to: PersonState): Partial<Record<PersonState, PersonState>> {
  return Object.fromEntries(from.map((state) => [state, to]));
}

/** DESIGN.md's state table: for each action, the states it may start from and where it leads. */
export const MOVES: Readonly<Record<Action, Partial<Record<PersonState, PersonState>>>> = {
  apply: allTo(['none', 'withdrawn', 'released', 'expired', 'revoked'], 'waiting'),
  pause: { waiting: 'on_hold', paused_ready: 'paused', ...allTo(HOLDERS, 'paused') },
  ready: { on_hold: 'waiting', paused: 'paused_ready' },
  withdraw: allTo(['waiting', 'on_hold'], 'withdrawn'),
  release: allTo([...HOLDERS, 'paused', 'paused_ready'], 'released'),
  invite: allTo(['waiting', 'paused_ready'], 'invited'),
  activity: allTo(HOLDERS, 'active'),
  warn: allTo(['invited', 'active'], 'warned'),
  revoke: { warned: 'revoked' },
  expire: allTo(HOLDERS, 'expired'),
  'admin-invite': allTo(NOT_HOLDING, 'invited'),
  'admin-revoke': allTo([...HOLDERS, 'paused', 'paused_ready'], 'revoked'),
  'admin-restore': { revoked: 'invited' },
};

/**
 * Where the action quietly changes nothing: the person is already where it leads (so a
 * repeated request is harmless), or, for activity, holds no license to keep alive.
 */
export const NO_CHANGE: Readonly<Partial<Record<Action, readonly PersonState[]>>> = {
  apply: ['waiting', 'on_hold'],
  pause: ['on_hold', 'paused'],
  ready: ['waiting', 'paused_ready'],
  withdraw: ['withdrawn'],
  release: ['released'],
  warn: ['warned'],
  revoke: ['revoked'],
  expire: ['expired'],
  'admin-revoke': ['revoked'],
  invite: HOLDERS,
  'admin-invite': HOLDERS,
  'admin-restore': HOLDERS,
  activity: NOT_HOLDING,
};

/** Fields that describe a license; cleared whenever one ends. */
const LICENSE_FIELDS = ['invitedAt', 'licenseEndsAt', 'lastActivityAt', 'warnedAt'];
/** Fields that describe a place in the queue. */
const QUEUE_FIELDS = ['ticket', 'appliedAt', 'readyAt', 'pausedAt'];

export const STATE_WORDS: Readonly<Record<PersonState, string>> = {
  none: 'not on the waitlist',
  waiting: 'on the waitlist',
  on_hold: 'on the waitlist but on hold',
  invited: 'invited and holding a license',
  active: 'holding a license',
  warned: 'holding a license with an inactivity warning',
  paused: 'paused, with the right to be re-invited',
  paused_ready: 'paused and ready to be re-invited',
  withdrawn: 'withdrawn from the waitlist',
  released: 'someone who gave their license back',
  expired: 'someone whose license expired',
  revoked: 'someone whose license was revoked',
};

const ACTION_WORDS: Record<Action, string> = {
  apply: 'apply',
  pause: 'pause',
  ready: 'resume',
  withdraw: 'withdraw from the waitlist',
  release: 'give the license back',
  invite: 'invite',
  activity: 'record learning activity',
  warn: 'send an inactivity warning',
  revoke: 'revoke for inactivity',
  expire: 'expire the license',
  'admin-invite': 'invite',
  'admin-revoke': 'revoke',
  'admin-restore': 'restore',
};

interface Move {
  to: PersonState;
  set?: Record<string, unknown>;
  unset?: string[];
}
type Decision = Move | 'unchanged';
/** What an operation does from a state the state table allows. */
type Decider = (current: Person) => Decision | Promise<Decision>;

export interface Outcome {
  person: Person;
  /** False when the person was already where the request would have put them. */
  changed: boolean;
}

export interface Standing {
  state: PersonState;
  email: string;
  /** In line: 1-based place (for someone on hold, the place they return to). */
  position?: number;
  estimate?: Estimate;
  license?: {
    invitedAt: Date;
    endsAt: Date;
    lastActivityAt?: Date;
    warnAt: Date;
    revokeAt: Date;
  };
  barredUntil?: Date;
}

const MAX_ATTEMPTS = 20;
/** How far back recent hand-backs are counted for the estimate. */
const RECENT_DAYS = 90;
/** Activity reports may run a little ahead of our clock; further ahead is a bad row. */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/**
 * Where the state table says `action` takes this person: 'unchanged' for NO_CHANGE, a
 * `wrong-state` refusal for a state the action cannot start from, else the state it leads
 * to (the operation itself may still find nothing due). The admin console previews with it.
 */
export function plannedMove(action: Action, person: Pick<Person, 'state' | 'email'>): PersonState | 'unchanged' {
  if (NO_CHANGE[action]?.includes(person.state)) return 'unchanged';
  const to = MOVES[action][person.state];
  if (!to) {
    throw new DomainError('wrong-state', `Cannot ${ACTION_WORDS[action]} for ${person.email}: they are ${STATE_WORDS[person.state]}.`, {
      action,
      state: person.state,
    });
  }
  return to;
}

function afterChange(person: Person, set: Record<string, unknown>, unset: string[]): Person {
  const next: Record<string, unknown> = { ...person, ...set, version: person.version + 1 };
  for (const field of unset) delete next[field];
  return next as unknown as Person;
}

export class Licensing {
  constructor(
    private readonly models: Models,
    private readonly clock: Clock,
  ) {}

  // ---- staff -------------------------------------------------------------------------

  /**
   * Joins the back of the queue, or reports the place already held. `appliedAt` keeps the
   * date of an application made elsewhere (the old form's waitlist, imported).
   */
  async apply(input: { email: unknown; displayName?: string; appliedAt?: Date }, actor: Actor): Promise<Outcome> {
    const settings = await loadSettings(this.models);
    const email = normaliseEmail(input.email, settings);
    const now = this.clock.now();
    const person = await findOrCreatePerson(this.models, email, now, input.displayName);
    return this.change(person._id, 'apply', actor, undefined, async (current) => {
      if (current.barredUntil && current.barredUntil > now) {
        throw new DomainError(
          'barred',
          `The license for ${current.email} was revoked this year, so a new application can be made from ${formatDate(current.barredUntil, settings.timeZone)}.`,
          { barredUntil: current.barredUntil },
        );
      }
      const ticket = await issueTicket(this.models, current._id, now);
      const name = cleanDisplayName(input.displayName);
      return {
        to: 'waiting',
        set: { ticket, appliedAt: input.appliedAt ?? now, ...(name && !current.displayName ? { displayName: name } : {}) },
        unset: [...LICENSE_FIELDS, 'readyAt', 'pausedAt', 'revokedAt', 'barredUntil'],
      };
    });
  }

  /** "Not now": a holder hands the seat back and keeps the right to be re-invited; someone waiting keeps their place. */
  async pause(personId: Types.ObjectId, actor: Actor, reason?: string): Promise<Outcome> {
    const now = this.clock.now();
    return this.endingLicense(personId, 'pause', actor, reason, (current) => {
      if (current.state === 'waiting') return { to: 'on_hold', set: { pausedAt: now } };
      if (current.state === 'paused_ready') return { to: 'paused', unset: ['ticket', 'readyAt'] };
      return { to: 'paused', set: { pausedAt: now }, unset: LICENSE_FIELDS };
    });
  }

  /** "Ready again": back to the same place in line, or (after a pause) in line to be re-invited. */
  async ready(personId: Types.ObjectId, actor: Actor, reason?: string): Promise<Outcome> {
    const now = this.clock.now();
    return this.change(personId, 'ready', actor, reason, async (current) => {
      if (current.state === 'on_hold') return { to: 'waiting', unset: ['pausedAt'] };
      const ticket = await issueTicket(this.models, current._id, now);
      return { to: 'paused_ready', set: { ticket, readyAt: now } };
    });
  }

  async withdraw(personId: Types.ObjectId, actor: Actor, reason?: string): Promise<Outcome> {
    return this.change(personId, 'withdraw', actor, reason, () => ({ to: 'withdrawn', unset: QUEUE_FIELDS }));
  }

  /** "I don't need it any more": the license, or the right to be re-invited, is given up for good. */
  async release(personId: Types.ObjectId, actor: Actor, reason?: string): Promise<Outcome> {
    return this.endingLicense(personId, 'release', actor, reason, () => ({
      to: 'released',
      unset: [...LICENSE_FIELDS, ...QUEUE_FIELDS],
    }));
  }

  // ---- jobs --------------------------------------------------------------------------

  /** Turnover: grants a license to someone in line, if a seat is free. */
  async invite(personId: Types.ObjectId, actor: Actor): Promise<Outcome> {
    return this.grantLicense(personId, 'invite', actor, undefined, { respectBar: true });
  }

  /** Learning activity seen at `at`. Ignored for people without a license and for older news. */
  async recordActivity(personId: Types.ObjectId, at: Date, actor: Actor): Promise<Outcome> {
    const now = this.clock.now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw invalidInput('The activity time is not a date.');
    if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw invalidInput(`Activity dated ${at.toISOString()} is in the future.`);
    }
    const settings = await loadSettings(this.models);
    return this.change(personId, 'activity', actor, undefined, (current) => {
      // Older news than what is known, or activity from before this license, changes nothing.
      if (current.lastActivityAt && at <= current.lastActivityAt) return 'unchanged';
      if (current.invitedAt && at < current.invitedAt) return 'unchanged';
      // A late report can show activity that still leaves the learner idle past the warning.
      const stillIdle = current.state === 'warned' && now >= inactivityDeadlines(at, settings).warnAt;
      return stillIdle
        ? { to: 'warned', set: { lastActivityAt: at } }
        : { to: 'active', set: { lastActivityAt: at }, unset: ['warnedAt'] };
    });
  }

  /** One warning a month into idleness. Unchanged when not due (yet) or already warned. */
  async warnForInactivity(personId: Types.ObjectId, actor: Actor): Promise<Outcome> {
    const now = this.clock.now();
    const settings = await loadSettings(this.models);
    return this.change(personId, 'warn', actor, undefined, (current) => {
      const base = activityBase(current);
      if (!base || now < inactivityDeadlines(base, settings).warnAt) return 'unchanged';
      return { to: 'warned', set: { warnedAt: now } };
    });
  }

  /** Revocation two months into idleness, once warned; barred until the next 1 January. */
  async revokeForInactivity(personId: Types.ObjectId, actor: Actor): Promise<Outcome> {
    const now = this.clock.now();
    const settings = await loadSettings(this.models);
    return this.endingLicense(personId, 'revoke', actor, undefined, (current) => {
      const base = activityBase(current);
      if (!base || !current.warnedAt || now < revocationDueAt(base, current.warnedAt, settings)) return 'unchanged';
      return {
        to: 'revoked',
        set: { revokedAt: now, barredUntil: startOfNextYear(now, settings.timeZone) },
        unset: LICENSE_FIELDS,
      };
    });
  }

  /** The calendar year is over: the license ends. Unchanged while it still runs. */
  async expireLicense(personId: Types.ObjectId, actor: Actor): Promise<Outcome> {
    const now = this.clock.now();
    return this.endingLicense(personId, 'expire', actor, undefined, (current) => {
      if (current.licenseEndsAt && now <= current.licenseEndsAt) return 'unchanged';
      return { to: 'expired', unset: LICENSE_FIELDS };
    });
  }

  // ---- admins ------------------------------------------------------------------------

  /** Grants a license outside the queue (the bar does not apply). Creates the person if new. */
  async adminInvite(email: unknown, actor: Actor, reason: string): Promise<Outcome> {
    const why = requireReason(reason);
    const settings = await loadSettings(this.models);
    const address = normaliseEmail(email, settings);
    // Checked before anyone new is created, so this refusal writes nothing (the grant checks again).
    if (!(await findPersonByEmail(this.models, address)) && (await seatsTaken(this.models)) >= settings.capacity) {
      throw new DomainError('no-seat', `All ${settings.capacity} licenses are taken.`, { capacity: settings.capacity });
    }
    const person = await findOrCreatePerson(this.models, address, this.clock.now());
    return this.grantLicense(person._id, 'admin-invite', actor, why, { respectBar: false });
  }

  async adminRevoke(personId: Types.ObjectId, actor: Actor, reason: string): Promise<Outcome> {
    const why = requireReason(reason);
    const now = this.clock.now();
    const settings = await loadSettings(this.models);
    return this.endingLicense(personId, 'admin-revoke', actor, why, () => ({
      to: 'revoked',
      set: { revokedAt: now, barredUntil: startOfNextYear(now, settings.timeZone) },
      unset: [...LICENSE_FIELDS, ...QUEUE_FIELDS],
    }));
  }

  /** Undoes a revocation: the license is granted again and the bar lifted. */
  async adminRestore(personId: Types.ObjectId, actor: Actor, reason: string): Promise<Outcome> {
    return this.grantLicense(personId, 'admin-restore', actor, requireReason(reason), { respectBar: false });
  }

  // ---- reading -----------------------------------------------------------------------

  /** What a person would want to know about where they stand. */
  async standing(person: Person): Promise<Standing> {
    const settings = await loadSettings(this.models);
    const standing: Standing = { state: person.state, email: person.email };
    if (person.barredUntil && person.barredUntil > this.clock.now()) standing.barredUntil = person.barredUntil;

    const position = await waitlistPosition(this.models, person, settings);
    if (position !== undefined) {
      standing.position = position;
      const estimate = await this.estimate(position, settings);
      if (estimate) standing.estimate = estimate;
    }
    if (isSeatHolder(person.state) && person.invitedAt && person.licenseEndsAt) {
      const base = activityBase(person) ?? person.invitedAt;
      const { warnAt } = inactivityDeadlines(base, settings);
      standing.license = {
        invitedAt: person.invitedAt,
        endsAt: person.licenseEndsAt,
        ...(person.lastActivityAt ? { lastActivityAt: person.lastActivityAt } : {}),
        warnAt,
        revokeAt: revocationDueAt(base, person.warnedAt ?? warnAt, settings),
      };
    }
    return standing;
  }

  private async estimate(position: number, settings: Settings): Promise<Estimate | undefined> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - RECENT_DAYS * 24 * 60 * 60 * 1000);
    const [taken, handedBack, doneThisMonth] = await Promise.all([
      seatsTaken(this.models),
      this.models.AuditEvent.countDocuments({
        action: { $in: ['pause', 'release', 'revoke', 'admin-revoke'] },
        at: { $gte: since },
        from: { $in: [...HOLDERS] },
      }),
      this.models.TurnoverRun.exists({ _id: monthKey(now, settings.timeZone), finishedAt: { $exists: true } }),
    ]);
    return estimateInvitation({
      position,
      now,
      settings,
      freeSeats: Math.max(0, settings.capacity - taken),
      freedPerMonth: handedBack / (RECENT_DAYS / 30),
      turnoverDoneThisMonth: doneThisMonth !== null,
    });
  }

  // ---- the machinery -----------------------------------------------------------------

  /** The state table's answer before the operation's own: `plannedMove`, then `decide`. */
  private async decideFor(action: Action, current: Person, decide: Decider): Promise<Decision> {
    if (plannedMove(action, current) === 'unchanged') return 'unchanged';
    return decide(current);
  }

  /** Records and applies what `decide` says, re-reading and deciding again if another change got in first. */
  private async change(
    personId: Types.ObjectId,
    action: Action,
    actor: Actor,
    reason: string | undefined,
    decide: Decider,
  ): Promise<Outcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await getPerson(this.models, personId);
      const versioned: VersionedTarget = {
        subject: personSubject(current._id),
        collection: this.models.Person.collection,
        id: current._id,
        version: current.version,
      };
      // Decide only on a document that has every recorded change applied.
      if (await hasPendingChange(this.models, versioned)) {
        await catchUp(this.models, versioned);
        continue;
      }
      const decision = await this.decideFor(action, current, decide);
      if (decision === 'unchanged') return { person: current, changed: false };

      const set = { ...decision.set, state: decision.to };
      const unset = (decision.unset ?? []).filter((field) => !(field in set));
      const committed = await commitChange(this.models, versioned, {
        at: this.clock.now(),
        actor,
        action,
        from: current.state,
        to: decision.to,
        ...(reason ? { reason } : {}),
        changes: { set, unset },
      });
      if (committed) return { person: afterChange(current, set, unset), changed: true };
      await catchUp(this.models, versioned);
    }
    throw new DomainError('conflict', 'This record was being changed by several requests at once; try again.');
  }

  /** A change that may end a license; the seat is freed once the license has ended. */
  private async endingLicense(
    personId: Types.ObjectId,
    action: Action,
    actor: Actor,
    reason: string | undefined,
    decide: Decider,
  ): Promise<Outcome> {
    const outcome = await this.change(personId, action, actor, reason, decide);
    if (!isSeatHolder(outcome.person.state)) await freeSeat(this.models, outcome.person._id);
    return outcome;
  }

  /** Takes a seat, then grants the license; gives the seat back if the grant did not happen. */
  private async grantLicense(
    personId: Types.ObjectId,
    action: 'invite' | 'admin-invite' | 'admin-restore',
    actor: Actor,
    reason: string | undefined,
    { respectBar }: { respectBar: boolean },
  ): Promise<Outcome> {
    const settings = await loadSettings(this.models);
    const now = this.clock.now();
    const decide = (current: Person): Decision => {
      if (respectBar && current.barredUntil && current.barredUntil > now) {
        throw new DomainError('barred', `${current.email} may not be invited before ${formatDate(current.barredUntil, settings.timeZone)}.`, {
          barredUntil: current.barredUntil,
        });
      }
      return {
        to: 'invited',
        set: { invitedAt: now, licenseEndsAt: endOfLicenseYear(now, settings.timeZone) },
        unset: [...QUEUE_FIELDS, 'lastActivityAt', 'warnedAt', 'revokedAt', 'barredUntil'],
      };
    };

    // Check before taking a seat, so a refusal never holds one even briefly.
    const person = await getPerson(this.models, personId);
    if ((await this.decideFor(action, person, decide)) === 'unchanged') return { person, changed: false };
    const seat = await takeSeat(this.models, personId, settings.capacity, now);
    if (seat === undefined) {
      throw new DomainError('no-seat', `All ${settings.capacity} licenses are taken.`, { capacity: settings.capacity });
    }
    try {
      const outcome = await this.change(personId, action, actor, reason, decide);
      if (!isSeatHolder(outcome.person.state)) await freeSeat(this.models, personId);
      return outcome;
    } catch (error) {
      const latest = await getPerson(this.models, personId);
      if (!isSeatHolder(latest.state)) await freeSeat(this.models, personId);
      throw error;
    }
  }
}

function requireReason(reason: unknown): string {
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (!why) throw invalidInput('A reason is required for this action; it goes in the audit log.');
  if (why.length > 500) throw invalidInput('Keep the reason under 500 characters.');
  return why;
}
