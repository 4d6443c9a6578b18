// The outbox is filled from the audit log: every recorded transition a learner must be
// told about becomes exactly one notice, keyed by that event. Jobs sweep the log after
// their work, so a crash between a transition and its notice loses nothing, and
// sweeping again (or from two instances at once) queues nothing twice.
import { Types } from 'mongoose';
import { isDuplicateKeyError, type AuditEvent, type Models, type Notice, type NoticeKind, type Person } from '../models/index.js';
import { activityBase, revocationDueAt } from './policy.js';
import { loadSettings, type Settings } from './settings.js';

const KIND_OF_ACTION: Readonly<Record<string, NoticeKind>> = {
  invite: 'invitation',
  'admin-invite': 'invitation',
  'admin-restore': 'invitation',
  warn: 'inactivity-warning',
  revoke: 'revocation',
  'admin-revoke': 'revocation',
  expire: 'year-end',
};

export function noticeKey(kind: NoticeKind, personId: Types.ObjectId, seq: number): string {
  return `${kind}:${personId.toString()}:${seq}`;
}

function personIdOf(event: AuditEvent): Types.ObjectId {
  return new Types.ObjectId(event.subject.slice('person:'.length));
}

/** What the message about this event has to say. */
function factsOf(event: AuditEvent, person: Person | null, settings: Settings): Record<string, unknown> {
  const set = event.changes.set;
  switch (KIND_OF_ACTION[event.action]) {
    case 'invitation':
      return { licenseEndsAt: set.licenseEndsAt };
    case 'inactivity-warning': {
      const idleSince = person ? activityBase(person) : undefined;
      const warnedAt = set.warnedAt as Date;
      return { warnedAt, ...(idleSince ? { idleSince, revokeAt: revocationDueAt(idleSince, warnedAt, settings) } : {}) };
    }
    case 'revocation':
      return { cause: event.action === 'revoke' ? 'inactivity' : 'admin', barredUntil: set.barredUntil };
    default:
      return { endedAt: event.at };
  }
}

/** Queues the notices owed for events recorded since `since`. Returns how many were new. */
export async function queueNotices(models: Models, since: Date): Promise<number> {
  const events = await models.AuditEvent.find({ action: { $in: Object.keys(KIND_OF_ACTION) }, at: { $gte: since } })
    .sort({ at: 1 })
    .lean<AuditEvent[]>();
  if (events.length === 0) return 0;

  const keyed = events.map((event) => {
    const kind = KIND_OF_ACTION[event.action]!;
    return { event, kind, personId: personIdOf(event), key: noticeKey(kind, personIdOf(event), event.seq) };
  });
  const existing = await models.Notice.find({ _id: { $in: keyed.map((k) => k.key) } }, { _id: 1 }).lean<Pick<Notice, '_id'>[]>();
  const queued = new Set(existing.map((notice) => notice._id));
  const owed = keyed.filter((k) => !queued.has(k.key));
  if (owed.length === 0) return 0;

  const settings = await loadSettings(models);
  const people = await models.Person.find({ _id: { $in: owed.map((k) => k.personId) } }).lean<Person[]>();
  const byId = new Map(people.map((person) => [person._id.toString(), person]));
  let created = 0;
  for (const { event, kind, personId, key } of owed) {
    try {
      await models.Notice.collection.insertOne({
        _id: key,
        personId,
        kind,
        seq: event.seq,
        createdAt: event.at,
        facts: factsOf(event, byId.get(personId.toString()) ?? null, settings),
        status: 'pending',
        attempts: 0,
      } as never);
      created += 1;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // queued meanwhile by another sweep
    }
  }
  return created;
}
