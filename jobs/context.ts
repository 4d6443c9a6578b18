import type { Actor, Models } from '../models/index.js';
import { syncProgramMembers, type MembershipReport } from '../services/programMembers.js';
import type { Clock } from '../services/clock.js';
import type { CourseraClient } from '../services/coursera.js';
import type { Licensing } from '../services/licensing.js';
import type { Logger } from '../services/log.js';
import type { NoticeChannel } from '../services/notifications/channels.js';
import type { DeliveryOptions } from '../services/notifications/worker.js';

/** What every job needs. The clock says "now": the system clock, or a date given with --as-of. */
export interface JobContext {
  models: Models;
  clock: Clock;
  licensing: Licensing;
  log: Logger;
  /** Present when Coursera API credentials are configured; otherwise activity comes from imported reports. */
  coursera?: CourseraClient;
  /** Where notices go (Teams, then Slack), when the process can send them. */
  channels?: readonly NoticeChannel[];
  delivery?: DeliveryOptions;
}

export interface RunOptions {
  /** Work out and report what would happen, and write nothing. */
  dryRun: boolean;
}

/** What every job's report says besides its own findings. */
export interface RunReport {
  asOf: Date;
  dryRun: boolean;
  /** The Coursera program brought in step, when Coursera is connected (not in dry runs). */
  members?: MembershipReport;
}

export const jobActor = (job: string): Actor => ({ kind: 'system', id: job });

/** Notices are swept from this far back, so a run that died before sweeping is covered by the next. */
export const NOTICE_SWEEP_MS = 8 * 24 * 60 * 60 * 1000;

/**
 * After a job changed who holds a license: bring the Coursera program in step, when
 * Coursera is connected and this is not a dry run.
 */
export async function syncMembers(ctx: JobContext, { dryRun }: RunOptions): Promise<{ members?: MembershipReport }> {
  if (!ctx.coursera || dryRun) return {};
  return { members: await syncProgramMembers(ctx.models, ctx.coursera, ctx.clock.now()) };
}
