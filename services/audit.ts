// The change ledger. Every change to a person or to the settings is first recorded as
// audit event N of its subject, under a unique (subject, seq) index, and only the writer
// whose insert won applies it to the document (version N-1 → N). On MongoDB the versioned
// update alone would do; on FerretDB's SQLite backend an update is a read followed by a
// rewrite, so the insert is the only step that cannot be won twice (DESIGN.md).
import type { Collection, Types } from 'mongoose';
import { isDuplicateKeyError, type AuditEvent, type Changes, type Models } from '../models/index.js';

export interface VersionedTarget {
  subject: string;
  collection: Collection;
  id: Types.ObjectId | string;
  /** The version the change was computed from. */
  version: number;
}

/** An audit event before the ledger gives it its subject and sequence number. */
export type ChangeRecord = Omit<AuditEvent, '_id' | 'subject' | 'seq'>;

/** Records and applies one change. False when another writer got to this version first. */
export async function commitChange(models: Models, target: VersionedTarget, record: ChangeRecord): Promise<boolean> {
  try {
    await models.AuditEvent.create({ subject: target.subject, seq: target.version + 1, ...record });
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
  await applyChanges(target, record.changes);
  return true;
}

/** Whether change N+1 of the subject is recorded while the document is still at N. */
export async function hasPendingChange(models: Models, target: VersionedTarget): Promise<boolean> {
  return (await models.AuditEvent.countDocuments({ subject: target.subject, seq: target.version + 1 }, { limit: 1 })) > 0;
}

/** How long a writer that lost a race leaves the winner to apply its own change. */
const WINNER_GRACE_MS = 20;

/**
 * Called by a writer that lost the race for change N, or that found change N recorded
 * but not applied: if the document is still at N-1 after a moment, the winner died
 * between its two steps, so its recorded change is applied here. The caller then reads
 * again and decides afresh.
 *
 * Waiting first matters on FerretDB, where an update is a read and a later rewrite: a
 * catch-up racing the winner's own write could otherwise land after the winner had
 * already moved on. Should that still happen, the document is only behind the log, and
 * the next change to it catches it up again.
 */
export async function catchUp(models: Models, target: VersionedTarget): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, WINNER_GRACE_MS));
  const behind = await target.collection.countDocuments(filterAt(target), { limit: 1 });
  if (behind === 0) return;
  const pending = await models.AuditEvent.findOne({ subject: target.subject, seq: target.version + 1 }).lean();
  if (pending) await applyChanges(target, pending.changes);
}

function filterAt(target: VersionedTarget): Record<string, unknown> {
  return { _id: target.id, version: target.version };
}

async function applyChanges(target: VersionedTarget, changes: Changes): Promise<void> {
  const update: Record<string, unknown> = { $set: { ...changes.set, version: target.version + 1 } };
  if (changes.unset.length > 0) update.$unset = Object.fromEntries(changes.unset.map((field) => [field, '']));
  await target.collection.updateOne(filterAt(target), update);
}

const APPEND_ATTEMPTS = 20;

/**
 * Records an event that changes no document (a refused request, a notice sent again) as
 * the subject's next one. Racing writers each get their own sequence number.
 */
export async function appendEvent(models: Models, subject: string, record: ChangeRecord): Promise<void> {
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt += 1) {
    const last = await models.AuditEvent.findOne({ subject }, { seq: 1 }).sort({ seq: -1 }).lean();
    try {
      await models.AuditEvent.create({ subject, seq: (last?.seq ?? 0) + 1, ...record });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new Error(`could not append to the audit log of ${subject}`);
}

/** A subject's events, oldest first. */
export async function historyOf(models: Models, subject: string): Promise<AuditEvent[]> {
  return models.AuditEvent.find({ subject }).sort({ seq: 1 }).lean<AuditEvent[]>();
}

export function personSubject(personId: { toString(): string }): string {
  return `person:${personId.toString()}`;
}

export const SETTINGS_SUBJECT = 'settings';
