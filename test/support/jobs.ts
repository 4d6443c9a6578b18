import type { JobContext } from '../../jobs/context.js';
import type { Models } from '../../models/index.js';
import type { ManualClock } from '../../services/clock.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';

/** A job context on the given models and clock, logging nowhere. */
export function jobContext(models: Models, clock: ManualClock): JobContext {
  return { models, clock, licensing: new Licensing(models, clock), log: createLogger('error', () => undefined) };
}
