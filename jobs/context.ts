import type { Actor, Models } from '../models/index.js';
import type { Clock } from '../services/clock.js';
import type { Licensing } from '../services/licensing.js';
import type { Logger } from '../services/log.js';

/** What every job needs. The clock says "now": the system clock, or a date given with --as-of. */
export interface JobContext {
  models: Models;
  clock: Clock;
  licensing: Licensing;
  log: Logger;
}

export interface RunOptions {
  /** Work out and report what would happen, and write nothing. */
  dryRun: boolean;
}

export const jobActor = (job: string): Actor => ({ kind: 'system', id: job });

/** Notices are swept from this far back, so a run that died before sweeping is covered by the next. */
export const NOTICE_SWEEP_MS = 8 * 24 * 60 * 60 * 1000;
