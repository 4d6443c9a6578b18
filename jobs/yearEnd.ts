// Licenses last the calendar year they were granted in. Runs daily (so 1 January is never
// missed) and ends every license whose year is over; the waitlist is untouched, and bars
// end by themselves on 1 January.
import { queueNotices } from '../services/notices.js';
import { SEAT_HOLDER_STATES } from '../services/policy.js';
import type { Person } from '../models/index.js';
import { jobActor, NOTICE_SWEEP_MS, syncMembers, type JobContext, type RunOptions, type RunReport } from './context.js';

export interface YearEndReport extends RunReport {
  job: 'year-end';
  expired: { email: string; licenseEndsAt: Date }[];
  noticesQueued: number;
}

const actor = jobActor('year-end');

export async function runYearEnd(ctx: JobContext, { dryRun }: RunOptions): Promise<YearEndReport> {
  const { models, clock, licensing } = ctx;
  const now = clock.now();
  const report: YearEndReport = { job: 'year-end', asOf: now, dryRun, expired: [], noticesQueued: 0 };

  const ended = await models.Person.find({ state: { $in: [...SEAT_HOLDER_STATES] }, licenseEndsAt: { $lt: now } })
    .sort({ email: 1 })
    .lean<Person[]>();
  for (const person of ended) {
    if (dryRun || (await licensing.expireLicense(person._id, actor)).changed) {
      report.expired.push({ email: person.email, licenseEndsAt: person.licenseEndsAt! });
    }
  }

  if (!dryRun) report.noticesQueued = await queueNotices(models, new Date(now.getTime() - NOTICE_SWEEP_MS));
  return { ...report, ...(await syncMembers(ctx, { dryRun })) };
}
