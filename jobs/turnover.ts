// Monthly turnover: during the window (days 1–7 by default) free seats go to paused
// learners who are ready, then to the head of the waitlist. Runs daily in the window so
// a day of downtime skips nothing, and does its work once a month: the month's
// TurnoverRun is marked finished at the end. A run that died half way is simply run
// again: those it invited already hold seats and are no longer in line.
import { DomainError } from '../services/errors.js';
import { queueNotices } from '../services/notices.js';
import { isInTurnoverWindow, turnoverWindowOf } from '../services/policy.js';
import { headOfQueue } from '../services/queue.js';
import { freeLeftoverSeats, seatsTaken } from '../services/seats.js';
import { loadSettings } from '../services/settings.js';
import { isDuplicateKeyError, type Person } from '../models/index.js';
import { jobActor, NOTICE_SWEEP_MS, syncMembers, type JobContext, type RunOptions, type RunReport } from './context.js';

export interface TurnoverReport extends RunReport {
  job: 'turnover';
  month: string;
  outcome: 'done' | 'outside-window' | 'already-done';
  capacity: number;
  seatsTaken: number;
  freeSeats: number;
  invited: { email: string; from: Person['state'] }[];
  skipped: { email: string; reason: string }[];
  leftoverSeatsFreed: number[];
  noticesQueued: number;
}

const actor = jobActor('turnover');

export async function runTurnover(ctx: JobContext, { dryRun }: RunOptions): Promise<TurnoverReport> {
  const { models, clock, licensing } = ctx;
  const now = clock.now();
  const settings = await loadSettings(models);
  const { month } = turnoverWindowOf(now, settings);
  const report: TurnoverReport = {
    job: 'turnover',
    asOf: now,
    dryRun,
    month,
    outcome: 'done',
    capacity: settings.capacity,
    seatsTaken: 0,
    freeSeats: 0,
    invited: [],
    skipped: [],
    leftoverSeatsFreed: [],
    noticesQueued: 0,
  };
  if (!isInTurnoverWindow(now, settings)) return { ...report, outcome: 'outside-window' };
  const run = await models.TurnoverRun.findById(month).lean();
  if (run?.finishedAt) return { ...report, outcome: 'already-done' };

  if (!dryRun && !run) {
    try {
      await models.TurnoverRun.collection.insertOne({ _id: month, startedAt: now } as never);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // another instance started this month's run
    }
  }

  report.leftoverSeatsFreed = await freeLeftoverSeats(models, now, { dryRun });
  report.seatsTaken = (await seatsTaken(models)) - (dryRun ? report.leftoverSeatsFreed.length : 0);
  report.freeSeats = Math.max(0, settings.capacity - report.seatsTaken);

  // Walk the line until the free seats are filled. Anyone the licensing service refuses
  // (barred, or no longer in line) is skipped with its reason and stays where they are,
  // so each pass asks for enough people to cover those skipped so far.
  let free = report.freeSeats;
  const seen = new Set<string>();
  while (free > 0) {
    const line = (await headOfQueue(models, settings, free + seen.size)).filter((p) => !seen.has(p._id.toString()));
    if (line.length === 0) break;
    for (const person of line) {
      if (free === 0) break;
      seen.add(person._id.toString());
      if (dryRun) {
        report.invited.push({ email: person.email, from: person.state });
        free -= 1;
        continue;
      }
      try {
        const { changed } = await licensing.invite(person._id, actor);
        if (changed) report.invited.push({ email: person.email, from: person.state });
        free -= 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.code === 'no-seat') free = 0;
        else report.skipped.push({ email: person.email, reason: error.message });
      }
    }
  }

  if (dryRun) return report;
  report.noticesQueued = await queueNotices(models, new Date(now.getTime() - NOTICE_SWEEP_MS));
  Object.assign(report, await syncMembers(ctx, { dryRun }));
  await models.TurnoverRun.updateOne(
    { _id: month },
    {
      $set: {
        finishedAt: now,
        summary: { invited: report.invited.length, skipped: report.skipped, freeSeats: report.freeSeats },
      },
    },
  );
  return report;
}
