import { formatDate } from '../../services/policy.js';
import type { SimulationResult } from './simulate.js';

const or = (items: string[]) => (items.length > 0 ? items.join(', ') : '—');

export function formatSimulation(result: SimulationResult): string {
  const { settings } = result;
  const lines = [
    `What-if from ${formatDate(result.from, settings.timeZone)} to ${formatDate(result.until, settings.timeZone)}: ` +
      `${settings.capacity} licenses, ${settings.timeZone}, warning after ${settings.warnAfterMonths} and revocation after ${settings.revokeAfterMonths} idle months`,
  ];
  for (const month of result.months) {
    lines.push('', month.month);
    lines.push(`  invited   ${or(month.invited)}`);
    lines.push(`  warned    ${or(month.warned)}`);
    lines.push(`  revoked   ${or(month.revoked)}`);
    lines.push(`  expired   ${or(month.expired)}`);
    for (const refusal of month.refused) {
      lines.push(`  refused   ${refusal.who} ${refusal.action} on ${formatDate(refusal.at, settings.timeZone)}: ${refusal.reason}`);
    }
    lines.push(`  holders   ${or(month.holders.map((h) => `${h.email} (${h.state})`))}`);
    lines.push(`  queue     ${or(month.queue.map((email, index) => `${index + 1}. ${email}`))}`);
    if (month.onHold.length > 0) lines.push(`  on hold   ${or(month.onHold)}`);
    if (month.paused.length > 0) lines.push(`  paused    ${or(month.paused)}`);
  }
  return lines.join('\n');
}
