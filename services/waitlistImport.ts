// The waitlist of the old application form, brought over once: email, name and the date
// each person applied. People join the queue in the order of those dates, behind anyone
// already in it, and keep their original date. Anyone this service already knows is left
// as they are, so importing the same file twice (or an export of the queue) changes nothing.
import type { Readable } from 'node:stream';
import type { Actor, Models } from '../models/index.js';
import { parseReportTime } from './activityImport.js';
import { csvRows, type CsvColumns } from './csv.js';
import { DomainError } from './errors.js';
import type { Licensing } from './licensing.js';
import { findPeopleByEmail, normaliseEmail } from './people.js';
import { loadSettings } from './settings.js';

const COLUMNS: CsvColumns<'email' | 'name' | 'appliedAt'> = {
  headers: {
    email: ['email', 'email address'],
    name: ['name', 'full name', 'display name'],
    appliedAt: ['applied at', 'applied-at', 'applied', 'application date', 'submitted at', 'timestamp'],
  },
  required: ['email', 'appliedAt'],
  missing: (headers) =>
    `This file is not a waitlist: it needs an "Email" column and an "Applied At" column (a "Name" column is optional). Its columns are: ${headers.join(', ') || 'none'}.`,
};
const EXAMPLES = 20;

export interface WaitlistImportReport {
  rows: number;
  /** Put on the waitlist (or, in a dry run, who would be). */
  added: number;
  /** Already known here (in line, holding a license, or anything else): left alone. */
  alreadyKnown: number;
  /** Rows the policy refused (a domain that may not apply, a revocation bar). */
  refused: { count: number; examples: { email: string; reason: string }[] };
  malformed: { count: number; examples: { line: number; reason: string }[] };
  dryRun: boolean;
}

interface Application {
  email: string;
  name?: string;
  appliedAt: Date;
  line: number;
}

function note<T>(list: { count: number; examples: T[] }, example: T): void {
  list.count += 1;
  if (list.examples.length < EXAMPLES) list.examples.push(example);
}

export async function importWaitlist(
  models: Models,
  licensing: Licensing,
  input: Readable | string | Buffer,
  { actor, now, dryRun = false }: { actor: Actor; now: Date; dryRun?: boolean },
): Promise<WaitlistImportReport> {
  const report: WaitlistImportReport = { rows: 0, added: 0, alreadyKnown: 0, refused: { count: 0, examples: [] }, malformed: { count: 0, examples: [] }, dryRun };
  const malformed = (line: number, reason: string) => note(report.malformed, { line, reason });
  const settings = await loadSettings(models);

  const applications: Application[] = [];
  for await (const { line, values } of csvRows(input, COLUMNS, (line, reason) => {
    report.rows += 1;
    malformed(line, reason);
  })) {
    report.rows += 1;
    let email: string;
    try {
      email = normaliseEmail(values.email ?? '');
    } catch {
      malformed(line, values.email ? `"${values.email.slice(0, 80)}" is not an email address` : 'no email address');
      continue;
    }
    const appliedAt = values.appliedAt ? parseReportTime(values.appliedAt) : undefined;
    if (!appliedAt) {
      malformed(line, values.appliedAt ? `"${values.appliedAt.slice(0, 40)}" is not a date (expected e.g. 2026-03-14 09:30:00)` : 'no application date');
      continue;
    }
    if (appliedAt > now) {
      malformed(line, `the application date ${values.appliedAt} is in the future`);
      continue;
    }
    const name = values.name || undefined;
    applications.push({ email, appliedAt, line, ...(name ? { name } : {}) });
  }
  // Earliest first; the same date keeps the file's order (the sort is stable).
  applications.sort((a, b) => a.appliedAt.getTime() - b.appliedAt.getTime());

  const existing = await findPeopleByEmail(models, applications.map((a) => a.email));
  const seen = new Set<string>();
  for (const application of applications) {
    const known = seen.has(application.email) || (existing.get(application.email)?.state ?? 'none') !== 'none';
    seen.add(application.email);
    if (known) {
      report.alreadyKnown += 1;
      continue;
    }
    try {
      if (dryRun) normaliseEmail(application.email, settings);
      else {
        await licensing.apply(
          { email: application.email, appliedAt: application.appliedAt, ...(application.name ? { displayName: application.name } : {}) },
          actor,
        );
      }
      report.added += 1;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      note(report.refused, { email: application.email, reason: error.message });
    }
  }
  return report;
}
