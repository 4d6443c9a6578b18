import { Schema, type Types } from 'mongoose';

export type ActorKind = 'person' | 'admin' | 'system';
export interface Actor {
  kind: ActorKind;
  /** An email for people, a Slack user id or login for admins, a job name for the system. */
  id: string;
}

export interface Changes {
  set: Record<string, unknown>;
  unset: string[];
}

/**
 * One change to a versioned document (a person, the settings), append-only.
 * The unique (subject, seq) index makes the event the lock: only one writer can
 * record change N of a subject, and only that writer then applies it.
 */
export interface AuditEvent {
  _id: Types.ObjectId;
  /** `person:<id>` or `settings`. */
  subject: string;
  seq: number;
  at: Date;
  actor: Actor;
  action: string;
  from?: string;
  to?: string;
  reason?: string;
  changes: Changes;
}

export const auditEventSchema = new Schema<AuditEvent>(
  {
    subject: { type: String, required: true },
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
    actor: {
      kind: { type: String, required: true },
      id: { type: String, required: true },
    },
    action: { type: String, required: true },
    from: String,
    to: String,
    reason: String,
    changes: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'audit_events', versionKey: false, autoIndex: false, minimize: false },
);

auditEventSchema.index({ subject: 1, seq: 1 }, { unique: true });
auditEventSchema.index({ action: 1, at: 1 });
