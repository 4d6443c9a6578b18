// The CSV files admins take away. The queue export can be imported again as a waitlist
// (its columns are what `importWaitlist` reads), and the licenses export as an activity
// report (Email, Last Activity At), so data moves between installations without editing.
import type { AuditEvent, Models, Person } from '../models/index.js';
import { csvText } from './csv.js';
import { SEAT_HOLDER_STATES } from './policy.js';
import { headOfQueue } from './queue.js';
import { loadSettings } from './settings.js';

export const EXPORT_KINDS = ['queue', 'licenses', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportFile {
  name: string;
  rows: number;
  content: string;
}

const name = (kind: ExportKind, now: Date) => `license-desk-${kind}-${now.toISOString().slice(0, 10)}.csv`;

/** Everyone in line in turnover order, then those on hold (who keep their place). */
async function queueFile(models: Models): Promise<(readonly unknown[])[]> {
  const settings = await loadSettings(models);
  const inLine = await headOfQueue(models, settings, Number.MAX_SAFE_INTEGER);
  const onHold = await models.Person.find({ state: 'on_hold' }).sort({ ticket: 1 }).lean<Person[]>();
  return [...inLine, ...onHold].map((person, index) => [
    index + 1,
    person.email,
    person.displayName,
    person.appliedAt ?? person.readyAt,
    person.state,
  ]);
}

async function licensesFile(models: Models): Promise<(readonly unknown[])[]> {
  const holders = await models.Person.find({ state: { $in: [...SEAT_HOLDER_STATES] } }).sort({ invitedAt: 1, email: 1 }).lean<Person[]>();
  return holders.map((p) => [p.email, p.displayName, p.state, p.invitedAt, p.licenseEndsAt, p.lastActivityAt, p.warnedAt]);
}

async function auditFile(models: Models): Promise<(readonly unknown[])[]> {
  const events = await models.AuditEvent.find().sort({ at: 1, subject: 1, seq: 1 }).lean<AuditEvent[]>();
  const people = await models.Person.find({}, { email: 1 }).lean<Pick<Person, '_id' | 'email'>[]>();
  const emails = new Map(people.map((p) => [`person:${p._id.toString()}`, p.email]));
  return events.map((e) => [e.at, e.subject, emails.get(e.subject), e.seq, e.actor.kind, e.actor.id, e.action, e.from, e.to, e.reason, e.changes]);
}

const FILES: Record<ExportKind, { header: string[]; rows: (models: Models) => Promise<(readonly unknown[])[]> }> = {
  queue: { header: ['Position', 'Email', 'Name', 'Applied At', 'State'], rows: queueFile },
  licenses: { header: ['Email', 'Name', 'State', 'Invited At', 'License Ends At', 'Last Activity At', 'Warned At'], rows: licensesFile },
  audit: { header: ['At', 'Subject', 'Email', 'Seq', 'Actor Kind', 'Actor', 'Action', 'From', 'To', 'Reason', 'Changes'], rows: auditFile },
};

export async function exportCsv(models: Models, kind: ExportKind, now: Date): Promise<ExportFile> {
  const rows = await FILES[kind].rows(models);
  return { name: name(kind, now), rows: rows.length, content: csvText(FILES[kind].header, rows) };
}
