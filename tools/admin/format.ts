// Job and import reports as short plain text for a terminal.
import type { JobReport } from '../../jobs/runners.js';
import type { ImportReport } from '../../services/activityImport.js';
import { formatDateTime } from '../../services/policy.js';

const list = (items: string[]) => (items.length > 0 ? items.join(', ') : 'nobody');

export function formatJobReport(report: JobReport, timeZone: string): string {
  const header = `${report.job} as of ${formatDateTime(report.asOf, timeZone)}${report.dryRun ? ' (dry run: nothing was changed)' : ''}`;
  const lines = [header];
  switch (report.job) {
    case 'turnover':
      if (report.outcome === 'outside-window') lines.push(`  ${report.month}: outside the turnover window; nothing to do.`);
      else if (report.outcome === 'already-done') lines.push(`  ${report.month}: this month's turnover has already run.`);
      else {
        lines.push(`  ${report.month}: ${report.freeSeats} of ${report.capacity} seats free (${report.seatsTaken} taken)`);
        lines.push(`  ${report.dryRun ? 'would invite' : 'invited'}: ${list(report.invited.map((i) => (i.from === 'paused_ready' ? `${i.email} (back from a pause)` : i.email)))}`);
        for (const skip of report.skipped) lines.push(`  skipped ${skip.email}: ${skip.reason}`);
        if (report.leftoverSeatsFreed.length > 0) lines.push(`  freed seats left behind by an interrupted run: ${report.leftoverSeatsFreed.join(', ')}`);
      }
      break;
    case 'inactivity':
      lines.push(`  ${report.dryRun ? 'would warn' : 'warned'}: ${list(report.warned.map((w) => w.email))}`);
      lines.push(`  ${report.dryRun ? 'would revoke' : 'revoked'}: ${list(report.revoked.map((r) => r.email))}`);
      break;
    case 'year-end':
      lines.push(`  ${report.dryRun ? 'would end' : 'ended'}: ${list(report.expired.map((e) => e.email))}`);
      break;
    case 'delivery':
      if (report.dryRun) lines.push(`  notices due: ${report.due ?? 0}`);
      else {
        lines.push(`  sent: ${report.sent ?? 0}; to be retried later: ${report.retrying ?? 0}`);
        for (const [label, ids] of [['failed', report.failed], ['undeliverable', report.undeliverable], ['uncertain', report.uncertain]] as const) {
          if (ids?.length) lines.push(`  ${label}: ${ids.join(', ')}`);
        }
      }
      break;
    case 'activity-sync':
      lines.push(formatImportReport(report.activity).replace(/^/gm, '  '));
      break;
  }
  if ('noticesQueued' in report && report.noticesQueued > 0) lines.push(`  notices queued: ${report.noticesQueued}`);
  if (report.members) {
    const { invited, removed, failed } = report.members;
    lines.push(`  Coursera program: added ${list(invited)}; removed ${list(removed)}`);
    for (const failure of failed) lines.push(`  Coursera failed for ${failure.email}: ${failure.reason} (tried again next run)`);
  }
  return lines.join('\n');
}

export function formatImportReport(report: ImportReport): string {
  const lines = [
    `${report.rows} rows read${report.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    `  activity ${report.dryRun ? 'that would be ' : ''}recorded for ${report.applied} license holders; ${report.unchanged} had nothing newer`,
    `  rows without activity yet: ${report.noActivity}; people without a license: ${report.notHolding}`,
    `  addresses nobody here has: ${report.unmatched.count}${report.unmatched.count > 0 ? ` (e.g. ${report.unmatched.examples.slice(0, 5).join(', ')})` : ''}`,
    `  rows that could not be used: ${report.malformed.count}`,
  ];
  for (const { line, reason } of report.malformed.examples) lines.push(`    line ${line}: ${reason}`);
  return lines.join('\n');
}
