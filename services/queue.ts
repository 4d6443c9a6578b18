// The waitlist: tickets handed out in order, places counted from them, and the head of
// the line as turnover sees it. Paused learners who are ready again either go ahead of
// everyone waiting or take their ticket's place among them (resumeAheadOfWaitlist).
import type { Types } from 'mongoose';
import { isDuplicateKeyError, type Models, type Person, type PersonState } from '../models/index.js';
import { DomainError } from './errors.js';
import { QUEUED_STATES } from './policy.js';
import type { Settings } from './settings.js';

const MAX_TICKET_ATTEMPTS = 200;

/** The next ticket number, claimed for this person. Racing callers each get a different one. */
export async function issueTicket(models: Models, personId: Types.ObjectId, now: Date): Promise<number> {
  for (let attempt = 0; attempt < MAX_TICKET_ATTEMPTS; attempt += 1) {
    const last = await models.QueueTicket.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean();
    const ticket = (last?._id ?? 0) + 1;
    try {
      await models.QueueTicket.collection.insertOne({ _id: ticket, personId, issuedAt: now } as never);
      return ticket;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another application took that number first; wait a moment so the crowd spreads out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
    }
  }
  throw new DomainError('conflict', 'Too many applications at once; please try again in a moment.');
}

/** The states that come before `person` in the line, and how their tickets compare. */
function aheadOf(person: Pick<Person, 'state' | 'ticket'>, settings: Settings): Record<string, unknown>[] {
  const earlier = { $lt: person.ticket };
  if (!settings.resumeAheadOfWaitlist) return [{ state: { $in: [...QUEUED_STATES] }, ticket: earlier }];
  if (person.state === 'paused_ready') return [{ state: 'paused_ready', ticket: earlier }];
  return [{ state: 'paused_ready' }, { state: 'waiting', ticket: earlier }];
}

/**
 * 1-based place in line. For someone on hold it is the place they would take on
 * saying they are ready. Undefined for anyone not in the queue.
 */
export async function waitlistPosition(models: Models, person: Person, settings: Settings): Promise<number | undefined> {
  const inLine: PersonState[] = [...QUEUED_STATES, 'on_hold'];
  if (person.ticket === undefined || !inLine.includes(person.state)) return undefined;
  const asQueued = { state: person.state === 'on_hold' ? 'waiting' : person.state, ticket: person.ticket } as const;
  let ahead = 0;
  for (const filter of aheadOf(asQueued, settings)) ahead += await models.Person.countDocuments(filter);
  return ahead + 1;
}

/** How many people the turnover would pick from, in total. */
export async function queueLength(models: Models): Promise<number> {
  return models.Person.countDocuments({ state: { $in: [...QUEUED_STATES] } });
}

/** The first `limit` people turnover should invite, in order. */
export async function headOfQueue(models: Models, settings: Settings, limit: number): Promise<Person[]> {
  if (limit <= 0) return [];
  if (!settings.resumeAheadOfWaitlist) {
    return models.Person.find({ state: { $in: [...QUEUED_STATES] } }).sort({ ticket: 1 }).limit(limit).lean<Person[]>();
  }
  const resuming = await models.Person.find({ state: 'paused_ready' }).sort({ ticket: 1 }).limit(limit).lean<Person[]>();
  if (resuming.length >= limit) return resuming;
  const waiting = await models.Person.find({ state: 'waiting' })
    .sort({ ticket: 1 })
    .limit(limit - resuming.length)
    .lean<Person[]>();
  return [...resuming, ...waiting];
}
