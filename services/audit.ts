// The change ledger. Every change to a person or to the settings is first recorded as
// audit event N of its subject, under a unique (subject, seq) index, and only the writer
// whose insert won applies it to the document (version N-1 → N). On MongoDB the versioned
// update alone would do; on FerretDB's SQLite backend an update is a read followed by a
// rewrite, so the insert is the only step that cannot be won twice (DESIGN.md).
import type { Collection } from 'mongoose';
import { isDuplicateKeyError, type Actor, type AuditEvent, type Changes, type Models } from '../models/index.js';

export interface VersionedTarget {
  subject: string;
  collection: Collection;
  id: unknown;
  /** The version the change was computed from. */
  version: number;
}

export interface ChangeRecord {
  at: Date;
  actor: Actor;
  action: string;
  from?: string;
  to?: string;
  reason?: string;
  changes: Changes;
}

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

/**
 * Applies a change that was recorded but not applied (its writer lost the race or died
 * between the two steps). Returns whether there was one; the caller then reads again.
 */
export async function catchUp(models: Models, target: VersionedTarget): Promise<boolean> {
  const pending = await models.AuditEvent.findOne({ subject: target.subject, seq: target.version + 1 }).lean();
  if (!pending) return false;
  await applyChanges(target, pending.changes);
  return true;
}

async function applyChanges(target: VersionedTarget, changes: Changes): Promise<void> {
  const update: Record<string, unknown> = { $set: { ...changes.set, version: target.version + 1 } };
  if (changes.unset.length > 0) update.$unset = Object.fromEntries(changes.unset.map((field) => [field, '']));
  await target.collection.updateOne({ _id: target.id as never, version: target.version }, update);
}

/** A subject's events, oldest first. */
export async function historyOf(models: Models, subject: string): Promise<AuditEvent[]> {
  return models.AuditEvent.find({ subject }).sort({ seq: 1 }).lean<AuditEvent[]>();
}

export function personSubject(personId: { toString(): string }): string {
  return `person:${personId.toString()}`;
}

export const SETTINGS_SUBJECT = 'settings';
