// Running the jobs by hand: `turnover preview` shows what the job would do now; `turnover`
// shows the same and runs it once confirmed. The jobs are idempotent, so a repeated
// confirmation or a scheduled run alongside changes nothing twice.
import { JOBS, runJob, type JobDefinition, type JobName, type JobReport } from '../../jobs/runners.js';
import type { ImportReport } from '../../services/activityImport.js';
import { DomainError } from '../../services/errors.js';
import { formatDateTime } from '../../services/policy.js';
import { loadSettings } from '../../services/settings.js';
import { defineCommand, type ConsoleContext, type CommandDefinition } from './command.js';
import { list, reply, text, type Reply, type Section } from './reply.js';

const names = (people: { email: string }[]) => (people.length > 0 ? people.map((p) => p.email).join(', ') : 'nobody');

/** A job's report, readable at a glance. */
export function jobReply(report: JobReport, timeZone: string): Reply {
  const would = report.dryRun;
  const sections: Section[] = [];
  switch (report.job) {
    case 'turnover':
      if (report.outcome === 'outside-window') sections.push(text(`${report.month}: outside the turnover window; nothing to do.`));
      else if (report.outcome === 'already-done') sections.push(text(`${report.month}: this month's turnover has already run.`));
      else {
        sections.push(text(`${report.month}: ${report.freeSeats} of ${report.capacity} licenses free (${report.seatsTaken} held).`));
        const invited = report.invited.map((i) => (i.from === 'paused_ready' ? `${i.email} (back from a pause)` : i.email));
        sections.push(text(`*${would ? 'Would invite' : 'Invited'}* (${invited.length}): ${invited.length > 0 ? invited.join(', ') : 'nobody'}`));
        if (report.skipped.length > 0) sections.push(list(report.skipped.map((skip) => `skipped ${skip.email}: ${skip.reason}`)));
        if (report.leftoverSeatsFreed.length > 0) sections.push(text(`Freed seats left behind by an interrupted run: ${report.leftoverSeatsFreed.join(', ')}`));
      }
      break;
    case 'inactivity':
      sections.push(text(`*${would ? 'Would warn' : 'Warned'}* (${report.warned.length}): ${names(report.warned)}`));
      sections.push(text(`*${would ? 'Would revoke' : 'Revoked'}* (${report.revoked.length}): ${names(report.revoked)}`));
      break;
    case 'year-end':
      sections.push(text(`*${would ? 'Would end' : 'Ended'}* (${report.expired.length}): ${names(report.expired)}`));
      break;
    case 'delivery':
      if (would) sections.push(text(`Notices due: ${report.due ?? 0}`));
      else {
        sections.push(text(`Sent: ${report.sent ?? 0}; to be tried again later: ${report.retrying ?? 0}`));
        for (const [label, ids] of [['Failed', report.failed], ['Undeliverable', report.undeliverable], ['Uncertain', report.uncertain]] as const) {
          if (ids?.length) sections.push(text(`${label}: ${ids.join(', ')}`));
        }
      }
      break;
    case 'activity-sync':
      sections.push(...importSections(report.activity));
      break;
  }
  if ('noticesQueued' in report && report.noticesQueued > 0) sections.push(text(`Notices queued: ${report.noticesQueued}`));
  if (report.members) {
    const { invited, removed, failed } = report.members;
    sections.push(text(`Coursera program: added ${invited.join(', ') || 'nobody'}; removed ${removed.join(', ') || 'nobody'}`));
    for (const failure of failed) sections.push(text(`Coursera failed for ${failure.email}: ${failure.reason} (tried again next run)`));
  }
  const title = `${report.job} as of ${formatDateTime(report.asOf, timeZone)}${would ? ' (preview: nothing was changed)' : ''}`;
  return reply(title, sections, { tone: would ? 'preview' : 'done', data: report });
}

/** Whether running the job for real would change anything (activity sync: always, it also syncs the Coursera program). */
function hasWork(report: JobReport): boolean {
  switch (report.job) {
    case 'turnover':
      return report.outcome === 'done' && (report.invited.length > 0 || report.leftoverSeatsFreed.length > 0);
    case 'inactivity':
      return report.warned.length + report.revoked.length > 0;
    case 'year-end':
      return report.expired.length > 0;
    case 'activity-sync':
    case 'delivery':
      return true;
  }
}

/** An activity import's counts (a report file, or the Coursera API's). */
export function importSections(report: ImportReport): Section[] {
  const sections = [
    text(`${report.rows} rows read. Activity ${report.dryRun ? 'would be ' : ''}recorded for *${report.applied}* license holders; ${report.unchanged} had nothing newer.`),
    text(`Rows without activity yet: ${report.noActivity}; people without a license: ${report.notHolding}; addresses nobody here has: ${report.unmatched.count}${report.unmatched.count > 0 ? ` (e.g. ${report.unmatched.examples.slice(0, 5).join(', ')})` : ''}; rows that could not be used: ${report.malformed.count}.`),
  ];
  if (report.malformed.examples.length > 0) sections.push(list(report.malformed.examples.slice(0, 10).map(({ line, reason }) => `line ${line}: ${reason}`)));
  return sections;
}

function jobCommand(name: JobName, command: string, summary: string): CommandDefinition {
  const job: JobDefinition = JOBS[name];
  const check = (ctx: ConsoleContext) => {
    if (job.needsCoursera && !ctx.coursera) throw new DomainError('wrong-state', `${command} needs the Coursera API settings (COURSERA_*).`);
  };
  const run = async (ctx: ConsoleContext, dryRun: boolean) => {
    check(ctx);
    const report = await runJob(name, ctx, { dryRun });
    if (!dryRun && 'noticesQueued' in report && report.noticesQueued > 0) await ctx.deliverSoon();
    return jobReply(report, (await loadSettings(ctx.models)).timeZone);
  };
  // Delivering notices changes no one's license: it runs without asking.
  const changesLicenses = !job.needsChannels;
  /** The preview: a dry run, with nothing to confirm when it found nothing to do. */
  const preview = async (ctx: ConsoleContext) => {
    const shown = await run(ctx, true);
    return hasWork(shown.data as JobReport) ? shown : { ...shown, tone: 'info' as const, title: `Nothing to do: ${shown.title}` };
  };
  return defineCommand<{ preview: boolean }>({
    name: command,
    usage: `${command} [preview]`,
    summary: `${summary}${changesLicenses ? ' (asks to confirm)' : ''}; "preview" only shows what it would do`,
    example: `${command} preview`,
    parse(args) {
      const preview = args.optionalChoice(['preview', '--dry-run']) !== undefined;
      args.end();
      return { preview };
    },
    ...(changesLicenses ? { preview: async (ctx: ConsoleContext, input: { preview: boolean }) => (input.preview ? undefined : preview(ctx)) } : {}),
    run: (ctx, { preview }) => run(ctx, preview),
  });
}

export const turnover = jobCommand('turnover', 'turnover', 'hand freed licenses to the head of the queue');
export const inactivity = jobCommand('inactivity', 'inactivity', 'warn and revoke idle license holders');
export const yearEnd = jobCommand('year-end', 'yearend', 'end the licenses of a past year');
export const activitySync = jobCommand('activity-sync', 'activity-sync', 'read learning activity from the Coursera API');
export const delivery = jobCommand('delivery', 'delivery', 'send the notices due now');
