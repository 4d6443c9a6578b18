import { Schema } from 'mongoose';
import { NOTICE_CHANNELS, type NoticeChannelName } from './notice.js';

export const ATTEMPT_OUTCOMES = [
  'sent',
  /** Failed in a way worth trying again. */
  'retry',
  'failed',
  'undeliverable',
  /** The worker died before recording what came of it; settled afterwards (see `resolution`). */
  'interrupted',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * One send of a notice. Inserting `<noticeId>#<n>` as the message leaves is how a worker
 * claims the notice's n-th send: the unique `_id` lets exactly one worker win, on any
 * MongoDB-compatible server. A send that worked is recorded on the notice; the others
 * get their outcome here, the notice's delivery history.
 */
export interface DeliveryAttempt {
  _id: string;
  noticeId: string;
  n: number;
  worker: string;
  claimedAt: Date;
  leaseUntil: Date;
  channel?: NoticeChannelName;
  outcome?: AttemptOutcome;
  /** For an interrupted send, or one that went unanswered: what the platform was found to have (Slack) or what was assumed (Teams). */
  resolution?: 'found-delivered' | 'not-delivered' | 'assumed-delivered';
  error?: string;
  finishedAt?: Date;
}

export const deliveryAttemptSchema = new Schema<DeliveryAttempt>(
  {
    _id: { type: String, required: true },
    noticeId: { type: String, required: true },
    n: { type: Number, required: true },
    worker: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    leaseUntil: { type: Date, required: true },
    channel: { type: String, enum: NOTICE_CHANNELS },
    outcome: { type: String, enum: ATTEMPT_OUTCOMES },
    resolution: String,
    error: String,
    finishedAt: Date,
  },
  { collection: 'delivery_attempts', versionKey: false, autoIndex: false },
);

deliveryAttemptSchema.index({ noticeId: 1, n: 1 });
