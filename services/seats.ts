// Seats: numbered 1..capacity, one document each while held. A license is only ever
// granted after its seat was taken and a seat is freed only after the license ended,
// so holders can never outnumber seats, whatever runs in parallel.
import type { Types } from 'mongoose';
import { isDuplicateKeyError, type Models, type Person, type Seat } from '../models/index.js';
import { isSeatHolder } from './policy.js';

/** Takes a free seat for the person and returns its number, or undefined when none is free. */
export async function takeSeat(
  models: Models,
  personId: Types.ObjectId,
  capacity: number,
  now: Date,
): Promise<number | undefined> {
  const held = await models.Seat.find({}, { _id: 1, personId: 1 }).lean<Pick<Seat, '_id' | 'personId'>[]>();
  const own = held.find((seat) => seat.personId.equals(personId));
  if (own) return own._id;
  if (held.length >= capacity) return undefined;

  const taken = new Set(held.map((seat) => seat._id));
  for (let slot = 1; slot <= capacity; slot += 1) {
    if (taken.has(slot)) continue;
    try {
      await models.Seat.collection.insertOne({ _id: slot, personId, takenAt: now } as never);
      return slot;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Either someone else took this seat (try the next) or this person got one meanwhile.
      const mine = await models.Seat.findOne({ personId }, { _id: 1 }).lean<Pick<Seat, '_id'>>();
      if (mine) return mine._id;
    }
  }
  return undefined;
}

export async function freeSeat(models: Models, personId: Types.ObjectId): Promise<void> {
  await models.Seat.deleteOne({ personId });
}

export async function seatsTaken(models: Models): Promise<number> {
  return models.Seat.countDocuments({});
}

/** How long a seat may sit without its license before it counts as left behind by a crash. */
export const SEAT_GRACE_MS = 10 * 60 * 1000;

/**
 * Frees seats whose person holds no license (a grant that died half way, or a license
 * that ended before its seat was freed). Young seats are left alone: their grant may
 * still be under way. Returns the seat numbers freed (or, in a dry run, that would be).
 */
export async function freeLeftoverSeats(models: Models, now: Date, { dryRun = false } = {}): Promise<number[]> {
  const seats = await models.Seat.find({ takenAt: { $lt: new Date(now.getTime() - SEAT_GRACE_MS) } }).lean<Seat[]>();
  if (seats.length === 0) return [];
  const people = await models.Person.find(
    { _id: { $in: seats.map((seat) => seat.personId) } },
    { state: 1 },
  ).lean<Pick<Person, '_id' | 'state'>[]>();
  const holding = new Set(people.filter((p) => isSeatHolder(p.state)).map((p) => p._id.toString()));
  const freed: number[] = [];
  for (const seat of seats) {
    if (holding.has(seat.personId.toString())) continue;
    if (!dryRun) await models.Seat.deleteOne({ _id: seat._id, personId: seat.personId });
    freed.push(seat._id);
  }
  return freed;
}
