// The outbox as admins see it: what is waiting, what did not arrive, and sending one again.
import { NOTICE_STATUSES, type Notice } from '../../models/index.js';
import { appendEvent } from '../../services/audit.js';
import { DomainError } from '../../services/errors.js';
import { noticeCounts, retryNotice, TROUBLED_STATUSES, troubledNotices } from '../../services/notifications/outbox.js';
import { formatDateTime } from '../../services/policy.js';
import { loadSettings } from '../../services/settings.js';
import { defineCommand, UsageError } from './command.js';
import { fields, list, note, reply, text } from './reply.js';

const SUMMARY_SHOWN = 5;
const FAILED_SHOWN = 50;

const WHY_IN_TROUBLE: Record<(typeof TROUBLED_STATUSES)[number], string> = {
  failed: 'every attempt failed',
  undeliverable: 'neither Teams nor Slack can reach them',
  uncertain: 'the bot stopped while Teams had it; it most likely arrived',
};

export const notices = defineCommand<{ failedOnly: boolean }>({
  name: 'notices',
  usage: 'notices [failed]',
  summary: 'notices by status and the ones that did not arrive; "failed" lists every one in trouble',
  example: 'notices failed',
  parse(args) {
    const failedOnly = args.optionalChoice(['failed']) !== undefined;
    args.end();
    return { failedOnly };
  },
  async run(ctx, { failedOnly }) {
    const zone = (await loadSettings(ctx.models)).timeZone;
    const counts = await noticeCounts(ctx.models);
    const troubled = await troubledNotices(ctx.models, failedOnly ? FAILED_SHOWN : SUMMARY_SHOWN);
    const emails = new Map(
      (await ctx.models.Person.find({ _id: { $in: troubled.map((n) => n.personId) } }, { email: 1 }).lean()).map((p) => [p._id.toString(), p.email]),
    );
    const line = (n: Notice) => {
      const why = WHY_IN_TROUBLE[n.status as keyof typeof WHY_IN_TROUBLE];
      const when = n.updatedAt ? `, ${formatDateTime(n.updatedAt, zone)}` : '';
      return `\`${n._id}\` ${n.kind} to ${emails.get(n.personId.toString()) ?? 'someone no longer known'}: *${n.status}* (${why}${n.lastError ? `; last error: ${n.lastError}` : ''}${when})`;
    };
    const total = TROUBLED_STATUSES.reduce((sum, status) => sum + counts[status], 0);
    const sections = [fields(NOTICE_STATUSES.map((status) => [status, String(counts[status])] as const))];
    if (troubled.length > 0) {
      sections.push(text(failedOnly ? '*In trouble*' : '*Latest in trouble*'), list(troubled.map(line)));
      if (total > troubled.length) sections.push(note(`${total - troubled.length} more; ${failedOnly ? 'fix these first' : 'see them all with `notices failed`'}.`));
      sections.push(note('Send one again with `retry <id>`.'));
    }
    return reply(failedOnly ? `${total} notices in trouble` : 'Notices', sections, { data: { counts, troubled } });
  },
});

export const retry = defineCommand<{ id: string }>({
  name: 'retry',
  usage: 'retry <notice id>',
  summary: 'send a failed, undeliverable or uncertain notice again (ids are in `notices failed`)',
  example: 'retry invitation:6650c0ffee0000000000abcd:3',
  parse(args) {
    const id = args.word();
    if (!id) throw new UsageError('Which notice? Give its id, as `notices failed` lists it.', 'retry <notice id>');
    args.end();
    return { id };
  },
  async run(ctx, { id }) {
    const now = ctx.clock.now();
    const result = await retryNotice(ctx.models, id, now);
    if (!result) throw new DomainError('not-found', `There is no notice ${id}; \`notices failed\` lists their ids.`);
    if (!result.retried) return reply(`Nothing to do: notice ${id} is ${result.before.status}.`);
    await appendEvent(ctx.models, `notice:${id}`, {
      at: now,
      actor: ctx.actor,
      action: 'notice-retry',
      from: result.before.status,
      to: 'pending',
      changes: { set: { status: 'pending' }, unset: [] },
    });
    await ctx.deliverSoon();
    return reply(`Notice ${id} will be sent again.`, [text(`It was ${result.before.status}${result.before.lastError ? ` (${result.before.lastError})` : ''}.`)], { tone: 'done' });
  },
});
