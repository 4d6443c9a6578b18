// The jobs by name, with the setting that says when each runs. The scheduler, the admin
// CLI, the Slack console and the what-if simulator all run jobs through this table.
import type { Settings } from '../services/settings.js';
import { runActivitySync, type ActivitySyncReport } from './activitySync.js';
import type { JobContext, RunOptions } from './context.js';
import { runDelivery, type DeliveryJobReport } from './delivery.js';
import { runInactivity, type InactivityReport } from './inactivity.js';
import { runTurnover, type TurnoverReport } from './turnover.js';
import { runYearEnd, type YearEndReport } from './yearEnd.js';

export type JobReport = TurnoverReport | InactivityReport | YearEndReport | ActivitySyncReport | DeliveryJobReport;

export interface JobDefinition {
  run: (ctx: JobContext, options: RunOptions) => Promise<JobReport>;
  schedule: keyof Settings;
  /** Runs only where Coursera API credentials are configured. */
  needsCoursera?: true;
  /** Runs only where the process can reach learners (the bot, not the admin CLI). */
  needsChannels?: true;
}

export const JOBS = {
  turnover: { run: runTurnover, schedule: 'turnoverSchedule' },
  inactivity: { run: runInactivity, schedule: 'inactivitySchedule' },
  'year-end': { run: runYearEnd, schedule: 'yearEndSchedule' },
  'activity-sync': { run: runActivitySync, schedule: 'activitySyncSchedule', needsCoursera: true },
  delivery: { run: runDelivery, schedule: 'deliverySchedule', needsChannels: true },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** The jobs that can run with this context (activity sync only with Coursera credentials, delivery only with channels). */
export function jobsFor(ctx: Pick<JobContext, 'coursera' | 'channels'>): JobName[] {
  return JOB_NAMES.filter((name) => {
    const job: JobDefinition = JOBS[name];
    return (!job.needsCoursera || ctx.coursera !== undefined) && (!job.needsChannels || ctx.channels !== undefined);
  });
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

export function runJob(name: JobName, ctx: JobContext, options: RunOptions): Promise<JobReport> {
  return JOBS[name].run(ctx, options);
}

/** A one-line account of a report, for logs. */
export function summarize(report: JobReport): Record<string, unknown> {
  switch (report.job) {
    case 'turnover':
      return { job: report.job, outcome: report.outcome, month: report.month, invited: report.invited.length, skipped: report.skipped.length };
    case 'inactivity':
      return { job: report.job, warned: report.warned.length, revoked: report.revoked.length };
    case 'year-end':
      return { job: report.job, expired: report.expired.length };
    case 'delivery':
      return {
        job: report.job,
        due: report.due,
        sent: report.sent,
        retrying: report.retrying,
        failed: report.failed?.length,
        undeliverable: report.undeliverable?.length,
        uncertain: report.uncertain?.length,
      };
    case 'activity-sync':
      return {
        job: report.job,
        applied: report.activity.applied,
        unmatched: report.activity.unmatched.count,
        invited: report.members?.invited.length,
        removed: report.members?.removed.length,
        failed: report.members?.failed.length,
      };
  }
}
