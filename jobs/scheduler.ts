// Agenda over the application's own MongoDB connection. Agenda's lock keeps one instance
// from running a job while another does, most of the time; the jobs themselves are
// idempotent, which is what makes two instances at once safe (DESIGN.md).
import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import { loadSettings } from '../services/settings.js';
import type { JobContext } from './context.js';
import { JOBS, jobsFor, runJob, summarize } from './runners.js';

export interface SchedulerOptions {
  collection?: string;
  processEvery?: string | number;
  /** A job that has not finished by then is assumed dead and may be run again. */
  lockLifetimeMs?: number;
  /** On shutdown, how long running jobs get to finish before their locks are released. */
  drainTimeoutMs?: number;
}

export const SCHEDULER_DEFAULTS: Required<SchedulerOptions> = {
  collection: 'agenda_jobs',
  processEvery: '1 minute',
  lockLifetimeMs: 30 * 60 * 1000,
  drainTimeoutMs: 30 * 1000,
};

const IDLE_CHECK_MS = 100;

export interface Scheduler {
  agenda: Agenda;
  stop(): Promise<void>;
}

export async function startScheduler(ctx: JobContext, options: SchedulerOptions = {}): Promise<Scheduler> {
  const config = { ...SCHEDULER_DEFAULTS, ...options };
  const db = ctx.models.connection.db;
  if (!db) throw new Error('the database connection is not open');
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: db as never, collection: config.collection }),
    processEvery: config.processEvery,
    defaultLockLifetime: config.lockLifetimeMs,
    defaultConcurrency: 1,
    // One-off runs (an admin's "run now") leave nothing behind; the recurring entries stay.
    removeOnComplete: true,
  });

  const names = jobsFor(ctx);
  for (const name of names) {
    agenda.define(name, async () => {
      const report = await runJob(name, ctx, { dryRun: false });
      ctx.log.info('job.finished', summarize(report));
      // Learners hear about what a job did to them now, not at the next scheduled delivery.
      if ('noticesQueued' in report && report.noticesQueued > 0 && names.includes('delivery')) await agenda.now('delivery');
    });
  }
  agenda.on('fail', (error: Error, job: { attrs: { name: string } }) => {
    ctx.log.error('job.failed', { job: job.attrs.name, error });
  });
  await agenda.start();

  const settings = await loadSettings(ctx.models);
  for (const name of names) {
    await agenda.every(settings[JOBS[name].schedule], name, undefined, { timezone: settings.timeZone, skipImmediate: true });
  }
  ctx.log.info('scheduler.started', {
    jobs: Object.fromEntries(names.map((name) => [name, settings[JOBS[name].schedule]])),
    timeZone: settings.timeZone,
  });

  return {
    agenda,
    async stop() {
      // drain() re-checks only when a job completes, and Agenda announces completion just
      // before it stops counting the job as running; stopping in between would wait out
      // the whole timeout. So watch the running count as well and end the wait at zero.
      const idle = new AbortController();
      const watch = setInterval(() => {
        agenda.getRunningStats().then(
          (stats) => stats.runningJobs === 0 && idle.abort(),
          () => undefined,
        );
      }, IDLE_CHECK_MS);
      try {
        const drained = await agenda.drain({ timeout: config.drainTimeoutMs, signal: idle.signal });
        // Still running: release the locks so the next start (here or elsewhere) picks them up.
        if (drained.timedOut) await agenda.stop();
      } finally {
        clearInterval(watch);
      }
    },
  };
}
