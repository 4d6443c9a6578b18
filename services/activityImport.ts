// Learning activity from a report an admin exported from Coursera: the membership
// report ("Latest Program Activity Date") or the usage report ("Last Course Activity
// Time", one row per course). Headers match whatever their case and spacing; each
// person's latest activity is what counts. Applying is idempotent (older or equal news
// changes nothing), so a file imported twice, or again after an interrupted import,
// changes nothing more.
import type { Readable } from 'node:stream';
import { csvRows, type CsvColumns } from './csv.js';
import type { Actor, Models } from '../models/index.js';
import { DomainError } from './errors.js';
import type { Licensing } from './licensing.js';
import { findPeopleByEmail, normaliseEmail } from './people.js';
import { isSeatHolder } from './policy.js';

const REPORT_COLUMNS: CsvColumns<'email' | 'activity'> = {
  headers: {
    email: ['email', 'email address'],
    activity: ['latest program activity date', 'last course activity time', 'last activity', 'last activity at'],
  },
  required: ['email', 'activity'],
  missing: (headers) =>
    `This file is not a Coursera membership or usage report: it needs an "Email" column and a "Latest Program Activity Date" or "Last Course Activity Time" column. Its columns are: ${headers.join(', ') || 'none'}.`,
};
/** How many examples of each kind of problem a report lists; the counts are always complete. */
const EXAMPLES = 20;

export interface ImportReport {
  rows: number;
  /** Holders whose last activity moved forward. */
  applied: number;
  /** Holders for whom the file said nothing newer than what was known. */
  unchanged: number;
  /** Rows with no activity date (enrolled, never started): nothing to apply. */
  noActivity: number;
  /** Known people without a license: activity does not matter for them. */
  notHolding: number;
  unmatched: { count: number; examples: string[] };
  malformed: { count: number; examples: { line: number; reason: string }[] };
  dryRun: boolean;
}

/**
 * A report's timestamp: ISO 8601, or "YYYY-MM-DD[ HH:MM[:SS]]" as Coursera writes them,
 * which is UTC. Anything else is a malformed row rather than a guess.
 */
export function parseReportTime(raw: string): Date | undefined {
  const value = raw.trim();
  const plain = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?( ?(?:UTC|Z))?$/.exec(value);
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)$/.test(value);
  if (!plain && !iso) return undefined;
  const at = plain
    ? new Date(Date.UTC(+plain[1]!, +plain[2]! - 1, +plain[3]!, +(plain[4] ?? 0), +(plain[5] ?? 0), +(plain[6] ?? 0), Math.floor(Number(plain[7] ?? 0) * 1000)))
    : new Date(value);
  if (Number.isNaN(at.getTime())) return undefined;
  // Date.UTC rolls 2027-02-31 over into March and month 13 into January: refuse what does not exist.
  if (plain) {
    const fields = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()];
    if (fields.some((field, index) => field !== +(plain[index + 1] ?? 0))) return undefined;
  }
  return at;
}

export function emptyReport(dryRun: boolean): ImportReport {
  return {
    rows: 0,
    applied: 0,
    unchanged: 0,
    noActivity: 0,
    notHolding: 0,
    unmatched: { count: 0, examples: [] },
    malformed: { count: 0, examples: [] },
    dryRun,
  };
}

function noteMalformed(report: ImportReport, line: number, reason: string): void {
  report.malformed.count += 1;
  if (report.malformed.examples.length < EXAMPLES) report.malformed.examples.push({ line, reason });
}

export async function importActivity(
  models: Models,
  licensing: Licensing,
  input: Readable | string | Buffer,
  { actor, dryRun = false }: { actor: Actor; dryRun?: boolean },
): Promise<ImportReport> {
  const report = emptyReport(dryRun);
  const latest = await readLatestActivity(input, report, (line, reason) => noteMalformed(report, line, reason));
  return applyLatestActivity(models, licensing, latest, { actor, report });
}

/**
 * Records each address's latest activity for those who hold a license, counting the
 * rest into the report. Used by the CSV import and by the Coursera API sync alike.
 */
export async function applyLatestActivity(
  models: Models,
  licensing: Licensing,
  latest: Map<string, Date>,
  { actor, report = emptyReport(false) }: { actor: Actor; report?: ImportReport },
): Promise<ImportReport> {
  const { dryRun } = report;
  if (latest.size === 0) return report;

  const byEmail = await findPeopleByEmail(models, [...latest.keys()]);
  for (const [email, at] of latest) {
    const person = byEmail.get(email);
    if (!person) {
      report.unmatched.count += 1;
      if (report.unmatched.examples.length < EXAMPLES) report.unmatched.examples.push(email);
      continue;
    }
    if (!isSeatHolder(person.state)) {
      report.notHolding += 1;
      continue;
    }
    if (dryRun) {
      const newer = !person.lastActivityAt || at > person.lastActivityAt;
      if (newer && (!person.invitedAt || at >= person.invitedAt)) report.applied += 1;
      else report.unchanged += 1;
      continue;
    }
    try {
      const { changed } = await licensing.recordActivity(person._id, at, actor);
      if (changed) report.applied += 1;
      else report.unchanged += 1;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      noteMalformed(report, 0, `${email}: ${error.message}`);
    }
  }
  return report;
}

/** Reads the file into each address's latest activity, counting rows and problems on the way. */
async function readLatestActivity(
  input: Readable | string | Buffer,
  report: ImportReport,
  malformed: (line: number, reason: string) => void,
): Promise<Map<string, Date>> {
  const latest = new Map<string, Date>();
  const rows = csvRows(input, REPORT_COLUMNS, (line, reason) => {
    report.rows += 1;
    malformed(line, reason);
  });
  for await (const { line, values } of rows) {
    report.rows += 1;
    const rawEmail = values.email ?? '';
    if (values.activity === undefined) {
      malformed(line, 'the row ends before the activity column');
      continue;
    }
    let email: string;
    try {
      email = normaliseEmail(rawEmail);
    } catch {
      malformed(line, rawEmail ? `"${rawEmail.slice(0, 80)}" is not an email address` : 'no email address');
      continue;
    }
    if (values.activity === '') {
      report.noActivity += 1;
      continue;
    }
    const at = parseReportTime(values.activity);
    if (!at) {
      malformed(line, `"${values.activity.slice(0, 40)}" is not a date (expected e.g. 2027-03-14 09:30:00)`);
      continue;
    }
    const known = latest.get(email);
    if (!known || at > known) latest.set(email, at);
  }
  return latest;
}
