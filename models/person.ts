import { Schema, type Types } from 'mongoose';

/** Where a person stands in DESIGN.md's "Life of one person in one year". */
export const PERSON_STATES = [
  'none', // known to the bot (e.g. installed the app) but never applied
  'waiting',
  'on_hold', // waiting, but asked to be skipped for now; keeps the place
  'invited',
  'active',
  'warned',
  'paused', // handed the seat back for now; keeps the right to be re-invited
  'paused_ready', // paused and said they are ready again
  'withdrawn',
  'released',
  'expired',
  'revoked',
] as const;
export type PersonState = (typeof PERSON_STATES)[number];

export interface Person {
  _id: Types.ObjectId;
  /** Normalised: trimmed and lower-cased. The Coursera invitation goes to this address. */
  email: string;
  displayName?: string;
  state: PersonState;
  /** Bumped by every change; the audit event with seq = version is the change that made it. */
  version: number;
  createdAt: Date;
  /** Queue ticket: the lower, the earlier. Held while waiting, on hold or paused-and-ready. */
  ticket?: number;
  appliedAt?: Date;
  readyAt?: Date;
  pausedAt?: Date;
  invitedAt?: Date;
  licenseEndsAt?: Date;
  lastActivityAt?: Date;
  warnedAt?: Date;
  revokedAt?: Date;
  barredUntil?: Date;
}

export const personSchema = new Schema<Person>(
  {
    email: { type: String, required: true },
    displayName: String,
    state: { type: String, enum: PERSON_STATES, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    ticket: Number,
    appliedAt: Date,
    readyAt: Date,
    pausedAt: Date,
    invitedAt: Date,
    licenseEndsAt: Date,
    lastActivityAt: Date,
    warnedAt: Date,
    revokedAt: Date,
    barredUntil: Date,
  },
  { collection: 'people', versionKey: false, autoIndex: false },
);

personSchema.index({ email: 1 }, { unique: true });
// Queue order and holder lists: position counts and the head of the queue walk this index.
personSchema.index({ state: 1, ticket: 1 });
