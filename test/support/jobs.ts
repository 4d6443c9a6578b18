import type { JobContext } from '../../jobs/context.js';
import type { SchedulerOptions } from '../../jobs/scheduler.js';
import type { Models } from '../../models/index.js';
import type { ManualClock } from '../../services/clock.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';

/** A job context on the given models and clock, logging nowhere. */
export function jobContext(models: Models, clock: ManualClock): JobContext {
  return { models, clock, licensing: new Licensing(models, clock), log: createLogger('error', () => undefined) };
}

/**
 * Schedulers in tests poll often, and keep a short lock lifetime: Agenda's liveness check
 * for each job run sleeps half of it and would otherwise keep the test process alive.
 */
export const TEST_SCHEDULER: SchedulerOptions = { processEvery: 10, lockLifetimeMs: 5000 };
