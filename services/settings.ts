// The policy settings: defaults in one place, overrides stored in the database,
// every change validated and recorded like any other change.
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';
import { isDuplicateKeyError, type Actor, type Models, type StoredSettings } from '../models/index.js';
import { catchUp, commitChange, SETTINGS_SUBJECT, type VersionedTarget } from './audit.js';
import { DomainError, invalidInput } from './errors.js';

export interface Settings {
  /** Licenses that may be held at once. */
  capacity: number;
  /** IANA zone in which months, years and the turnover window are counted. */
  timeZone: string;
  warnAfterMonths: number;
  revokeAfterMonths: number;
  /** Least number of days between an inactivity warning and the revocation it announces. */
  revocationNoticeDays: number;
  /** The turnover window: these days of each month, inclusive. */
  turnoverFirstDay: number;
  turnoverLastDay: number;
  /** Paused learners who said they are ready are invited before the waitlist. */
  resumeAheadOfWaitlist: boolean;
  /** When not empty, only addresses at these domains may apply. */
  allowedEmailDomains: string[];
  /** How staff reach the program admins (an address, a channel...), shown wherever the bot sends them there. */
  programContact: string;
  /** The program's page on Coursera, linked from invitations and warnings; empty: Coursera's home page. */
  programUrl: string;
  /** When each job runs: cron expressions in the org time zone. Turnover acts only inside its window. */
  turnoverSchedule: string;
  inactivitySchedule: string;
  yearEndSchedule: string;
  activitySyncSchedule: string;
  /** When the outbox is drained (besides right after a job queued notices). */
  deliverySchedule: string;
}

export const JOB_SCHEDULE_SETTINGS = ['turnoverSchedule', 'inactivitySchedule', 'yearEndSchedule', 'activitySyncSchedule', 'deliverySchedule'] as const;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  capacity: 300,
  timeZone: 'UTC',
  warnAfterMonths: 1,
  revokeAfterMonths: 2,
  revocationNoticeDays: 7,
  turnoverFirstDay: 1,
  turnoverLastDay: 7,
  resumeAheadOfWaitlist: true,
  allowedEmailDomains: [],
  programContact: '',
  programUrl: '',
  turnoverSchedule: '0 6 * * *',
  inactivitySchedule: '0 7 * * *',
  yearEndSchedule: '5 0 * * *',
  activitySyncSchedule: '0 5 * * *',
  deliverySchedule: '* * * * *',
});

const MAX_CAPACITY = 100_000;
const MAX_CONTACT_LENGTH = 200;

function wholeNumber(name: keyof Settings, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`, {
      setting: name,
    });
  }
}

/** Throws a clear `invalid-input` error for the first thing wrong with a complete settings object. */
export function validateSettings(settings: Settings): void {
  wholeNumber('capacity', settings.capacity, 0, MAX_CAPACITY);
  if (typeof settings.timeZone !== 'string' || !IANAZone.isValidZone(settings.timeZone)) {
    throw invalidInput(`timeZone must be an IANA time zone such as Europe/Zurich; got ${JSON.stringify(settings.timeZone)}.`, {
      setting: 'timeZone',
    });
  }
  wholeNumber('warnAfterMonths', settings.warnAfterMonths, 1, 12);
  wholeNumber('revokeAfterMonths', settings.revokeAfterMonths, 1, 12);
  if (settings.revokeAfterMonths <= settings.warnAfterMonths) {
    throw invalidInput('revokeAfterMonths must be more than warnAfterMonths.', { setting: 'revokeAfterMonths' });
  }
  wholeNumber('revocationNoticeDays', settings.revocationNoticeDays, 0, 60);
  wholeNumber('turnoverFirstDay', settings.turnoverFirstDay, 1, 28);
  wholeNumber('turnoverLastDay', settings.turnoverLastDay, 1, 28);
  if (settings.turnoverLastDay < settings.turnoverFirstDay) {
    throw invalidInput('turnoverLastDay must not be before turnoverFirstDay.', { setting: 'turnoverLastDay' });
  }
  if (typeof settings.resumeAheadOfWaitlist !== 'boolean') {
    throw invalidInput('resumeAheadOfWaitlist must be true or false.', { setting: 'resumeAheadOfWaitlist' });
  }
  const domains = settings.allowedEmailDomains;
  if (!Array.isArray(domains) || domains.some((d) => typeof d !== 'string' || !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d))) {
    throw invalidInput('allowedEmailDomains must be a list of lower-case domains such as example.org.', {
      setting: 'allowedEmailDomains',
    });
  }
  if (typeof settings.programContact !== 'string' || settings.programContact.length > MAX_CONTACT_LENGTH || /[\r\n]/.test(settings.programContact)) {
    throw invalidInput(`programContact must be one line of at most ${MAX_CONTACT_LENGTH} characters, such as "learning@example.org".`, {
      setting: 'programContact',
    });
  }
  if (typeof settings.programUrl !== 'string' || (settings.programUrl !== '' && !/^https:\/\/[^\s/]+\.[^\s]+$/.test(settings.programUrl))) {
    throw invalidInput('programUrl must be an https address such as https://www.coursera.org/programs/your-program, or empty.', {
      setting: 'programUrl',
    });
  }
  for (const name of JOB_SCHEDULE_SETTINGS) {
    const expression = settings[name];
    try {
      if (typeof expression !== 'string' || expression.trim().split(/\s+/).length !== 5) throw new Error('five fields');
      CronExpressionParser.parse(expression, { tz: settings.timeZone });
    } catch {
      throw invalidInput(`${name} must be a cron expression with five fields, such as "0 6 * * *" (06:00 every day); got ${JSON.stringify(expression)}.`, {
        setting: name,
      });
    }
  }
}

const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

function merge(stored: StoredSettings | null): Settings {
  const settings: Settings = { ...DEFAULT_SETTINGS, allowedEmailDomains: [...DEFAULT_SETTINGS.allowedEmailDomains] };
  if (!stored) return settings;
  for (const name of SETTING_NAMES) {
    if (stored[name] !== undefined && stored[name] !== null) Object.assign(settings, { [name]: stored[name] });
  }
  return settings;
}

async function readStored(models: Models): Promise<StoredSettings | null> {
  return models.Settings.findById('settings').lean<StoredSettings>();
}

export async function loadSettings(models: Models): Promise<Settings> {
  return merge(await readStored(models));
}

const MAX_ATTEMPTS = 8;

/** Changes some settings. The whole result is validated first; a bad value changes nothing. */
export async function updateSettings(
  models: Models,
  patch: Partial<Settings>,
  by: { actor: Actor; reason?: string; at: Date },
): Promise<Settings> {
  const unknown = Object.keys(patch).filter((name) => !SETTING_NAMES.includes(name as keyof Settings));
  if (unknown.length > 0) {
    throw invalidInput(`Unknown setting ${unknown.join(', ')}. Settings are: ${SETTING_NAMES.join(', ')}.`);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const stored = await readStored(models);
    const current = merge(stored);
    const next = { ...current, ...patch };
    validateSettings(next);
    const set: Record<string, unknown> = {};
    for (const name of Object.keys(patch) as (keyof Settings)[]) {
      if (JSON.stringify(current[name]) !== JSON.stringify(next[name])) set[name] = next[name];
    }
    if (Object.keys(set).length === 0) return current;

    const target = settingsTarget(models, (stored ?? (await createStored(models))).version);
    const committed = await commitChange(models, target, {
      at: by.at,
      actor: by.actor,
      action: 'settings',
      ...(by.reason ? { reason: by.reason } : {}),
      changes: { set, unset: [] },
    });
    if (committed) return next;
    await catchUp(models, target);
  }
  throw new DomainError('conflict', 'The settings were being changed by someone else at the same time; try again.');
}

function settingsTarget(models: Models, version: number): VersionedTarget {
  return { subject: SETTINGS_SUBJECT, collection: models.Settings.collection, id: 'settings', version };
}

async function createStored(models: Models): Promise<StoredSettings> {
  try {
    await models.Settings.collection.insertOne({ _id: 'settings', version: 0 } as never);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error; // someone else created it first: read theirs
  }
  const created = await readStored(models);
  if (!created) throw new Error('settings document could not be created');
  return created;
}
