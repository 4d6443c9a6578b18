// Daily: a warning one calendar month into idleness, revocation two months in (once
// warned, and never sooner than the notice period after the warning). The licensing
// service re-checks every case, so a second instance running at once changes nothing.
import { queueNotices } from '../services/notices.js';
import { activityBase, inactivityDeadlines, revocationDueAt, SEAT_HOLDER_STATES } from '../services/policy.js';
import { loadSettings } from '../services/settings.js';
import type { Person } from '../models/index.js';
import { jobActor, NOTICE_SWEEP_MS, syncMembers, type JobContext, type RunOptions, type RunReport } from './context.js';

export interface InactivityReport extends RunReport {
  job: 'inactivity';
  warned: { email: string; idleSince: Date }[];
  revoked: { email: string; idleSince: Date }[];
  noticesQueued: number;
}

const actor = jobActor('inactivity');

export async function runInactivity(ctx: JobContext, { dryRun }: RunOptions): Promise<InactivityReport> {
  const { models, clock, licensing } = ctx;
  const now = clock.now();
  const settings = await loadSettings(models);
  const report: InactivityReport = { job: 'inactivity', asOf: now, dryRun, warned: [], revoked: [], noticesQueued: 0 };

  const holders = await models.Person.find({ state: { $in: [...SEAT_HOLDER_STATES] } }).sort({ email: 1 }).lean<Person[]>();
  for (const person of holders) {
    const idleSince = activityBase(person);
    if (!idleSince) continue;
    if (person.state === 'warned') {
      if (!person.warnedAt || now < revocationDueAt(idleSince, person.warnedAt, settings)) continue;
      if (dryRun || (await licensing.revokeForInactivity(person._id, actor)).changed) {
        report.revoked.push({ email: person.email, idleSince });
      }
    } else if (now >= inactivityDeadlines(idleSince, settings).warnAt) {
      if (dryRun || (await licensing.warnForInactivity(person._id, actor)).changed) {
        report.warned.push({ email: person.email, idleSince });
      }
    }
  }

  if (!dryRun) report.noticesQueued = await queueNotices(models, new Date(now.getTime() - NOTICE_SWEEP_MS));
  return { ...report, ...(await syncMembers(ctx, { dryRun })) };
}
