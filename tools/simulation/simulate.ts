// Replays a scenario on a scratch database with a virtual clock: the real licensing
// service for what staff do, and the real job code at the times their schedules fire.
import { CronExpressionParser } from 'cron-parser';
import type { JobContext } from '../../jobs/context.js';
import { JOBS, jobsFor, runJob, type JobName, type JobReport } from '../../jobs/runners.js';
import type { Actor, Models, Person } from '../../models/index.js';
import { ManualClock } from '../../services/clock.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';
import { findPersonByEmail } from '../../services/people.js';
import { monthKey, SEAT_HOLDER_STATES } from '../../services/policy.js';
import { headOfQueue } from '../../services/queue.js';
import { loadSettings, updateSettings, type Settings } from '../../services/settings.js';
import type { Scenario, ScenarioEvent } from './scenario.js';

export type TimelineItem = { at: Date; job: JobName } | { at: Date; event: ScenarioEvent };

export interface MonthReport {
  month: string;
  invited: string[];
  warned: string[];
  revoked: string[];
  expired: string[];
  refused: { at: Date; who: string; action: string; reason: string }[];
  /** At the end of the month. */
  holders: { email: string; state: Person['state'] }[];
  /** At the end of the month, in the order the next turnover would invite. */
  queue: string[];
  onHold: string[];
  paused: string[];
}

export interface SimulationResult {
  from: Date;
  until: Date;
  settings: Settings;
  months: MonthReport[];
}

const SIMULATOR: Actor = { kind: 'admin', id: 'simulator' };

/** Every job run and staff event in time order; at the same instant, jobs run first. */
export function buildTimeline(scenario: Scenario, settings: Settings): TimelineItem[] {
  const items: TimelineItem[] = [];
  // No Coursera in a what-if: activity comes from the scenario's events.
  for (const job of jobsFor({})) {
    const schedule = CronExpressionParser.parse(settings[JOBS[job].schedule], {
      tz: settings.timeZone,
      currentDate: new Date(scenario.from.getTime() - 1),
      endDate: scenario.until,
    });
    while (schedule.hasNext()) items.push({ at: schedule.next().toDate(), job });
  }
  items.push(...scenario.events.map((event) => ({ at: event.at, event })));
  return items.sort((a, b) => a.at.getTime() - b.at.getTime() || Number('event' in a) - Number('event' in b));
}

/** Carries out one staff event the way the bot would; a refusal is returned, not thrown. */
export async function performEvent(licensing: Licensing, models: Models, event: ScenarioEvent): Promise<string | undefined> {
  const as: Actor = { kind: 'person', id: event.who };
  try {
    if (event.action === 'apply') {
      await licensing.apply({ email: event.who }, as);
      return undefined;
    }
    const person = await findPersonByEmail(models, event.who);
    if (!person) return 'not known here yet (never applied)';
    if (event.action === 'activity') await licensing.recordActivity(person._id, event.at, as);
    else await licensing[event.action](person._id, as);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.message;
    throw error;
  }
}

/** Where everyone stands: holders, the queue in order, and who is on hold or paused. */
export async function standings(models: Models, settings: Settings): Promise<Pick<MonthReport, 'holders' | 'queue' | 'onHold' | 'paused'>> {
  const [holders, queue, onHold, paused] = await Promise.all([
    models.Person.find({ state: { $in: [...SEAT_HOLDER_STATES] } }).sort({ email: 1 }).lean<Person[]>(),
    headOfQueue(models, settings, Number.MAX_SAFE_INTEGER),
    models.Person.find({ state: 'on_hold' }).sort({ ticket: 1 }).lean<Person[]>(),
    models.Person.find({ state: 'paused' }).sort({ email: 1 }).lean<Person[]>(),
  ]);
  return {
    holders: holders.map((person) => ({ email: person.email, state: person.state })),
    queue: queue.map((person) => person.email),
    onHold: onHold.map((person) => person.email),
    paused: paused.map((person) => person.email),
  };
}

export function emptyMonth(month: string): MonthReport {
  return { month, invited: [], warned: [], revoked: [], expired: [], refused: [], holders: [], queue: [], onHold: [], paused: [] };
}

function record(month: MonthReport, report: JobReport): void {
  if (report.job === 'turnover') month.invited.push(...report.invited.map((i) => i.email));
  if (report.job === 'inactivity') {
    month.warned.push(...report.warned.map((w) => w.email));
    month.revoked.push(...report.revoked.map((r) => r.email));
  }
  if (report.job === 'year-end') month.expired.push(...report.expired.map((e) => e.email));
}

/** Runs the scenario on `models`, which should be an empty scratch database. */
export async function simulate(models: Models, scenario: Scenario): Promise<SimulationResult> {
  const clock = new ManualClock(scenario.from);
  await updateSettings(models, scenario.settings, { actor: SIMULATOR, at: clock.now(), reason: 'scenario' });
  const settings = await loadSettings(models);
  const licensing = new Licensing(models, clock);
  const ctx: JobContext = { models, clock, licensing, log: createLogger('error', () => undefined) };

  const months: MonthReport[] = [];
  let current = emptyMonth(monthKey(scenario.from, settings.timeZone));
  const closeMonth = async () => months.push({ ...current, ...(await standings(models, settings)) });

  for (const item of buildTimeline(scenario, settings)) {
    const month = monthKey(item.at, settings.timeZone);
    if (month !== current.month) {
      await closeMonth();
      current = emptyMonth(month);
    }
    clock.set(item.at);
    if ('job' in item) {
      record(current, await runJob(item.job, ctx, { dryRun: false }));
    } else {
      const refusal = await performEvent(licensing, models, item.event);
      if (refusal) current.refused.push({ at: item.at, who: item.event.who, action: item.event.action, reason: refusal });
    }
  }
  await closeMonth();
  return { from: scenario.from, until: scenario.until, settings, months };
}
