// Daily when Coursera API credentials are configured: learning activity from the
// enrollment reports, applied like an imported report, and the program's members
// brought in step with who holds a license. Every page is read before anything is
// applied, so a sync that fails part way applies nothing and the next one starts over.
import { applyLatestActivity, type ImportReport } from '../services/activityImport.js';
import { syncProgramMembers, type MembershipReport } from '../services/programMembers.js';
import { jobActor, type JobContext, type RunOptions } from './context.js';

export interface ActivitySyncReport {
  job: 'activity-sync';
  asOf: Date;
  dryRun: boolean;
  activity: ImportReport;
  members?: MembershipReport;
}

const actor = jobActor('activity-sync');

export async function runActivitySync(ctx: JobContext, { dryRun }: RunOptions): Promise<ActivitySyncReport> {
  const { models, clock, licensing, coursera } = ctx;
  if (!coursera) throw new Error('activity sync needs Coursera API credentials (COURSERA_CLIENT_ID and the rest)');
  const now = clock.now();
  const latest = await coursera.latestActivity();
  const activity = await applyLatestActivity(models, licensing, latest, {
    actor,
    report: { rows: latest.size, applied: 0, unchanged: 0, noActivity: 0, notHolding: 0, unmatched: { count: 0, examples: [] }, malformed: { count: 0, examples: [] }, dryRun },
  });
  if (dryRun) return { job: 'activity-sync', asOf: now, dryRun, activity };
  return { job: 'activity-sync', asOf: now, dryRun, activity, members: await syncProgramMembers(models, coursera, now) };
}
