// Drains the outbox: every due notice to its learner, once. Scheduled every minute and
// started straight after any job that queued notices.
import { DomainError } from '../services/errors.js';
import { dueNotices } from '../services/notifications/outbox.js';
import { deliverNotices, type DeliveryReport } from '../services/notifications/worker.js';
import type { JobContext, RunOptions, RunReport } from './context.js';

export interface DeliveryJobReport extends RunReport, Partial<DeliveryReport> {
  job: 'delivery';
  /** In a dry run: the notices due now. */
  due?: number;
}

export async function runDelivery(ctx: JobContext, { dryRun }: RunOptions): Promise<DeliveryJobReport> {
  const asOf = ctx.clock.now();
  if (dryRun) return { job: 'delivery', asOf, dryRun, due: (await dueNotices(ctx.models, asOf, Number.MAX_SAFE_INTEGER)).length };
  if (!ctx.channels) {
    // With no way to reach anyone, every notice would be marked undeliverable.
    throw new DomainError('wrong-state', 'Notices are delivered by the running bot (npm start), which is connected to Teams and Slack; preview them here with --dry-run.');
  }
  const report = await deliverNotices({ models: ctx.models, clock: ctx.clock, log: ctx.log, channels: ctx.channels }, ctx.delivery);
  return { job: 'delivery', asOf, dryRun, ...report };
}
