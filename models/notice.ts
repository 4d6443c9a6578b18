import { Schema, type Types } from 'mongoose';

export const NOTICE_KINDS = ['invitation', 'inactivity-warning', 'revocation', 'year-end'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

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
  status: 'pending';
}

export const noticeSchema = new Schema<Notice>(
  {
    _id: { type: String, required: true },
    personId: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, enum: NOTICE_KINDS, required: true },
    seq: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    facts: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
  },
  { collection: 'notices', versionKey: false, autoIndex: false, minimize: false },
);

noticeSchema.index({ status: 1, createdAt: 1 });
noticeSchema.index({ personId: 1 });
