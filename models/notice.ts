import { Schema, type Types } from 'mongoose';

export const NOTICE_KINDS = ['invitation', 'inactivity-warning', 'revocation', 'year-end'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Where a notice is on its way to the learner:
 * - pending: waiting to be sent (again, from `nextAttemptAt` when a send failed);
 * - sent: the platform accepted it;
 * - failed: every attempt allowed failed, or the platform refused it for good; an admin may retry;
 * - undeliverable: neither Teams nor Slack can reach the person;
 * - uncertain: a worker died while Teams had the message, and Teams cannot be asked whether
 *   it arrived; it most likely did, so it is not sent again unless an admin says so.
 */
export const NOTICE_STATUSES = ['pending', 'sent', 'failed', 'undeliverable', 'uncertain'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NOTICE_CHANNELS = ['teams', 'slack'] as const;
export type NoticeChannelName = (typeof NOTICE_CHANNELS)[number];

/**
 * The outbox: one message owed to a learner, keyed by the audit event that caused it
 * (`<kind>:<personId>:<seq>`), so however often it is queued it exists once.
 */
export interface Notice {
  _id: string;
  personId: Types.ObjectId;
  kind: NoticeKind;
  /** The audit event's sequence number for this person: which episode this is about. */
  seq: number;
  createdAt: Date;
  /** What the message needs to say, fixed when the notice was queued. */
  facts: Record<string, unknown>;
  status: NoticeStatus;
  /** Sends made so far; the next is claimed as `<_id>#<attempts + 1>` (see DeliveryAttempt). */
  attempts?: number;
  /** Not to be tried again before this. */
  nextAttemptAt?: Date;
  /** The channel of the last send, and the platform's id for the message once sent. */
  channel?: NoticeChannelName;
  deliveryId?: string;
  sentAt?: Date;
  lastError?: string;
  /** Since when a send may have arrived without our hearing so; the next attempt looks first. */
  unsettledSince?: Date;
  /** Attempts made before an admin sent it again; the attempt limit counts from here. */
  retriedAtAttempt?: number;
  updatedAt?: Date;
}

export const noticeSchema = new Schema<Notice>(
  {
    _id: { type: String, required: true },
    personId: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, enum: NOTICE_KINDS, required: true },
    seq: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    facts: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: NOTICE_STATUSES, required: true },
    attempts: Number,
    nextAttemptAt: Date,
    channel: { type: String, enum: NOTICE_CHANNELS },
    deliveryId: String,
    sentAt: Date,
    lastError: String,
    unsettledSince: Date,
    retriedAtAttempt: Number,
    updatedAt: Date,
  },
  { collection: 'notices', versionKey: false, autoIndex: false, minimize: false },
);

noticeSchema.index({ status: 1, createdAt: 1 });
noticeSchema.index({ personId: 1 });
