// Daily when Coursera API credentials are configured: learning activity from the
// enrollment reports, applied like an imported report, and the program's members
// brought in step with who holds a license. Every page is read before anything is
// applied, so a sync that fails part way applies nothing and the next one starts over.
import { applyLatestActivity, emptyReport, type ImportReport } from '../services/activityImport.js';
import { jobActor, syncMembers, type JobContext, type RunOptions, type RunReport } from './context.js';

export interface ActivitySyncReport extends RunReport {
  job: 'activity-sync';
  activity: ImportReport;
}

const actor = jobActor('activity-sync');

export async function runActivitySync(ctx: JobContext, { dryRun }: RunOptions): Promise<ActivitySyncReport> {
  const { models, clock, licensing, coursera } = ctx;
  if (!coursera) throw new Error('activity sync needs Coursera API credentials (COURSERA_CLIENT_ID and the rest)');
  const now = clock.now();
  const latest = await coursera.latestActivity();
  const activity = await applyLatestActivity(models, licensing, latest, {
    actor,
    report: { ...emptyReport(dryRun), rows: latest.size },
  });
  return { job: 'activity-sync', asOf: now, dryRun, activity, ...(await syncMembers(ctx, { dryRun })) };
}
