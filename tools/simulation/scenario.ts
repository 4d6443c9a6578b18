// The what-if scenario file: settings, a period, and what staff do when. Times are org
// time unless they carry an offset; a date alone is the start of that day (before the
// day's jobs run). See the README for an example.
import { DateTime } from 'luxon';
import { invalidInput } from '../../services/errors.js';
import { normaliseEmail } from '../../services/people.js';
import { parseOrgTime } from '../../services/policy.js';
import { DEFAULT_SETTINGS, validateSettings, type Settings } from '../../services/settings.js';

export const STAFF_ACTIONS = ['apply', 'activity', 'pause', 'ready', 'release', 'withdraw'] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

export interface ScenarioEvent {
  at: Date;
  action: StaffAction;
  who: string;
}

export interface Scenario {
  settings: Partial<Settings>;
  from: Date;
  until: Date;
  events: ScenarioEvent[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_EVENTS = 100_000;

function time(value: unknown, where: string, timeZone: string): Date {
  const at = typeof value === 'string' ? parseOrgTime(value, timeZone) : undefined;
  if (!at) throw invalidInput(`${where} must be a date such as "2027-01-31" or "2027-01-31T09:30"; got ${JSON.stringify(value)}.`);
  return at;
}

function repeatDays(value: unknown, where: string): number {
  const match = typeof value === 'string' ? /^(\d+) (day|days|week|weeks)$/.exec(value.trim()) : null;
  const count = match ? Number(match[1]) * (match[2]!.startsWith('week') ? 7 : 1) : 0;
  if (!match || count < 1 || count > 366) throw invalidInput(`${where} must be like "7 days" or "2 weeks"; got ${JSON.stringify(value)}.`);
  return count;
}

/** Checks a parsed scenario file and expands repeating events. Throws `invalid-input` naming the field. */
export function parseScenario(raw: unknown): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidInput('A scenario is a JSON object.');
  const input = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(input).filter((key) => !['settings', 'from', 'until', 'events', 'description'].includes(key));
  if (unknownKeys.length > 0) throw invalidInput(`Unknown scenario field ${unknownKeys.join(', ')}; the fields are settings, from, until, events.`);

  const settings = (input.settings ?? {}) as Partial<Settings>;
  if (typeof settings !== 'object' || Array.isArray(settings)) throw invalidInput('settings must be an object.');
  const unknownSettings = Object.keys(settings).filter((key) => !(key in DEFAULT_SETTINGS));
  if (unknownSettings.length > 0) throw invalidInput(`Unknown setting ${unknownSettings.join(', ')}.`);
  const effective = { ...DEFAULT_SETTINGS, ...settings };
  validateSettings(effective);
  const zone = effective.timeZone;

  if (!Array.isArray(input.events) || input.events.length === 0) throw invalidInput('events must be a list with at least one event.');
  const events: ScenarioEvent[] = [];
  input.events.forEach((entry: unknown, index) => {
    const where = `events[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw invalidInput(`${where} must be an object.`);
    const event = entry as Record<string, unknown>;
    const actions = STAFF_ACTIONS.filter((action) => action in event);
    if (actions.length !== 1) throw invalidInput(`${where} needs exactly one of ${STAFF_ACTIONS.join(', ')}, naming who.`);
    const action = actions[0]!;
    const named = event[action];
    const people = (Array.isArray(named) ? named : [named]).map((who, n) => {
      try {
        return normaliseEmail(who);
      } catch {
        throw invalidInput(`${where}.${action}${Array.isArray(named) ? `[${n}]` : ''} must be an email address; got ${JSON.stringify(who)}.`);
      }
    });
    const at = time(event.at, `${where}.at`, zone);
    const every = event.every === undefined ? undefined : repeatDays(event.every, `${where}.every`);
    const until = every === undefined ? at : time(event.until, `${where}.until`, zone);
    if (until < at) throw invalidInput(`${where}.until is before ${where}.at.`);
    // Repeats step in calendar days of the org time zone, so 09:00 stays 09:00 across a clock change.
    const first = DateTime.fromJSDate(at, { zone });
    for (let step = 0, when = at; when <= until; step += 1, when = first.plus({ days: step * (every ?? 1) }).toJSDate()) {
      for (const who of people) events.push({ at: when, action, who });
      if (events.length > MAX_EVENTS) throw invalidInput(`A scenario may hold at most ${MAX_EVENTS} events once repeats are expanded.`);
      if (every === undefined) break;
    }
  });
  events.sort((a, b) => a.at.getTime() - b.at.getTime()); // stable: same-instant events keep file order

  const from = input.from === undefined ? events[0]!.at : time(input.from, 'from', zone);
  const until = input.until === undefined ? new Date(from.getTime() + 365 * DAY_MS) : time(input.until, 'until', zone);
  if (until <= from) throw invalidInput('until must be after from.');
  if (until.getTime() - from.getTime() > 5 * 366 * DAY_MS) throw invalidInput('A scenario may cover at most five years.');
  return { settings, from, until, events: events.filter((event) => event.at >= from && event.at <= until) };
}
