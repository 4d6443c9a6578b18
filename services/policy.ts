// The licensing policy as pure functions of "now", the settings and the org time zone.
// Calendar months are counted in the org time zone: one month after 31 January is the
// last day of February at the same time of day.
import { DateTime } from 'luxon';
import type { PersonState } from '../models/index.js';
import type { Settings } from './settings.js';

export const SEAT_HOLDER_STATES = ['invited', 'active', 'warned'] as const satisfies readonly PersonState[];
export const QUEUED_STATES = ['waiting', 'paused_ready'] as const satisfies readonly PersonState[];

export function isSeatHolder(state: PersonState): boolean {
  return (SEAT_HOLDER_STATES as readonly PersonState[]).includes(state);
}

function inZone(at: Date, timeZone: string): DateTime {
  return DateTime.fromJSDate(at, { zone: timeZone });
}

export function addCalendarMonths(at: Date, months: number, timeZone: string): Date {
  return inZone(at, timeZone).plus({ months }).toJSDate();
}

/** The last instant of the calendar year `at` falls in: when a license granted then ends. */
export function endOfLicenseYear(at: Date, timeZone: string): Date {
  return inZone(at, timeZone).endOf('year').toJSDate();
}

/** 1 January 00:00 of the year after `at`: when a revoked learner may apply again. */
export function startOfNextYear(at: Date, timeZone: string): Date {
  return inZone(at, timeZone).startOf('year').plus({ years: 1 }).toJSDate();
}

/** `YYYY-MM` of the month `at` falls in, in the org time zone. */
export function monthKey(at: Date, timeZone: string): string {
  return inZone(at, timeZone).toFormat('yyyy-MM');
}

export interface TurnoverWindow {
  month: string;
  opensAt: Date;
  closesAt: Date;
}

/** The turnover window of the month that `at` falls in (days firstDay..lastDay). */
export function turnoverWindowOf(at: Date, settings: Settings): TurnoverWindow {
  const month = inZone(at, settings.timeZone).startOf('month');
  return {
    month: month.toFormat('yyyy-MM'),
    opensAt: month.plus({ days: settings.turnoverFirstDay - 1 }).toJSDate(),
    closesAt: month.plus({ days: settings.turnoverLastDay }).toJSDate(),
  };
}

export function isInTurnoverWindow(at: Date, settings: Settings): boolean {
  const { opensAt, closesAt } = turnoverWindowOf(at, settings);
  return at >= opensAt && at < closesAt;
}

/** The instant idleness is counted from: the last learning activity, or the invitation when none yet. */
export function activityBase(person: { lastActivityAt?: Date; invitedAt?: Date }): Date | undefined {
  return person.lastActivityAt ?? person.invitedAt;
}

export interface InactivityDeadlines {
  warnAt: Date;
  revokeAt: Date;
}

export function inactivityDeadlines(base: Date, settings: Settings): InactivityDeadlines {
  return {
    warnAt: addCalendarMonths(base, settings.warnAfterMonths, settings.timeZone),
    revokeAt: addCalendarMonths(base, settings.revokeAfterMonths, settings.timeZone),
  };
}

/**
 * When a warned learner may be revoked: two months after the base, but never sooner
 * than the notice period after the warning itself (a warning sent late still gives
 * the learner time to act).
 */
export function revocationDueAt(base: Date, warnedAt: Date, settings: Settings): Date {
  const { revokeAt } = inactivityDeadlines(base, settings);
  const noticeEnds = DateTime.fromJSDate(warnedAt).plus({ days: settings.revocationNoticeDays }).toJSDate();
  return revokeAt > noticeEnds ? revokeAt : noticeEnds;
}

export interface EstimateInput {
  /** 1-based place among the people the next turnovers will pick. */
  position: number;
  now: Date;
  settings: Settings;
  /** Seats free right now. */
  freeSeats: number;
  /** Seats handed back in an average recent month (releases, pauses, revocations). */
  freedPerMonth: number;
  /** Whether this month's turnover has already run. */
  turnoverDoneThisMonth: boolean;
}

export interface Estimate {
  /** The month whose turnover should reach this place, `YYYY-MM`. */
  month: string;
  opensAt: Date;
  closesAt: Date;
}

const ESTIMATE_HORIZON_MONTHS = 24;

/**
 * When a license should reach a place in the queue: walk the coming turnovers, adding
 * the seats free now, the seats recent months suggest will be handed back each month,
 * and every seat in January (all licenses end with the year). Undefined when that is
 * beyond two years.
 */
export function estimateInvitation(input: EstimateInput): Estimate | undefined {
  const { position, now, settings } = input;
  const current = turnoverWindowOf(now, settings);
  const startsThisMonth = !input.turnoverDoneThisMonth && now < current.closesAt;
  let month = inZone(now, settings.timeZone).startOf('month');
  if (!startsThisMonth) month = month.plus({ months: 1 });

  // Seats handed out by the turnovers so far; everyone ahead takes one before this place does.
  let handedOut = 0;
  for (let step = 0; step < ESTIMATE_HORIZON_MONTHS; step += 1) {
    if (month.month === 1) handedOut += settings.capacity;
    else if (step === 0) handedOut += input.freeSeats + (startsThisMonth ? 0 : input.freedPerMonth);
    else handedOut += input.freedPerMonth;
    if (handedOut >= position) {
      const window = turnoverWindowOf(month.toJSDate(), settings);
      return { month: window.month, opensAt: window.opensAt, closesAt: window.closesAt };
    }
    month = month.plus({ months: 1 });
  }
  return undefined;
}

/** For messages: a number of months in words, e.g. "one month", "2 months". */
export function monthsText(count: number): string {
  return count === 1 ? 'one month' : `${count} months`;
}

/** For messages: a date in the org time zone, e.g. "1 January 2027". */
export function formatDate(at: Date, timeZone: string): string {
  return inZone(at, timeZone).toFormat('d LLLL yyyy');
}

/**
 * A time written by a person: ISO 8601, with or without a time of day and an offset.
 * Without an offset it is org time; a date alone is the start of that day. Undefined
 * when it does not parse.
 */
export function parseOrgTime(raw: string, timeZone: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) return undefined;
  const parsed = DateTime.fromISO(raw.trim().replace(' ', 'T'), { zone: timeZone });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/** For messages: a date and time in the org time zone, e.g. "1 February 2027 06:00". */
export function formatDateTime(at: Date, timeZone: string): string {
  return inZone(at, timeZone).toFormat('d LLLL yyyy HH:mm');
}
