// Commands that read or write CSV files: activity reports and the old waitlist coming in,
// the queue, the licenses and the audit log going out.
import { importActivity } from '../../services/activityImport.js';
import { exportCsv, EXPORT_KINDS, type ExportKind } from '../../services/exports.js';
import { importWaitlist, type WaitlistImportReport } from '../../services/waitlistImport.js';
import type { Readable } from 'node:stream';
import { defineCommand, type Args, type ConsoleContext } from './command.js';
import { importSections } from './jobs.js';
import { list, reply, text, type Reply, type Section } from './reply.js';

interface FileInput {
  /** What the admin pointed at (a file's link or id, a path); absent: the latest CSV shared here. */
  source?: string;
  preview: boolean;
}

function parseFileInput(args: Args): FileInput {
  const preview = args.optionalChoice(['preview', '--dry-run']) !== undefined;
  const source = args.word();
  args.end();
  return { preview, ...(source ? { source } : {}) };
}

/** The preview names the file it read, and the confirmation reads that same file. */
async function readShared<T>(ctx: ConsoleContext, source: string | undefined, work: (content: Readable) => Promise<T>) {
  const file = await ctx.openFile(source);
  return { file, result: await work(file.content) };
}

const confirmAs = (command: string, ref: string) => `${command} ${ref}`;

export const importReport = defineCommand<FileInput>({
  name: 'import',
  usage: 'import [preview] [file link]',
  summary: 'record learning activity from a Coursera membership or usage report (the latest CSV shared in this conversation, or the one linked; asks to confirm)',
  example: 'import',
  parse: parseFileInput,
  async preview(ctx, { source, preview }) {
    if (preview) return undefined;
    const { file, result } = await readShared(ctx, source, (content) => importActivity(ctx.models, ctx.licensing, content, { actor: ctx.actor, dryRun: true }));
    if (result.applied === 0) return reply(`Nothing to import from ${file.name}: no license holder has newer activity in it.`, importSections(result), { data: result });
    return reply(`Import ${file.name}?`, importSections(result), { tone: 'preview', data: result, confirmText: confirmAs('import', file.ref) });
  },
  async run(ctx, { source, preview }) {
    const { file, result } = await readShared(ctx, source, (content) => importActivity(ctx.models, ctx.licensing, content, { actor: ctx.actor, dryRun: preview }));
    return reply(`${preview ? 'Preview of' : 'Imported'} ${file.name}`, importSections(result), { tone: preview ? 'preview' : 'done', data: result });
  },
});

function waitlistSections(report: WaitlistImportReport): Section[] {
  const sections = [
    text(`${report.rows} rows read. *${report.added}* ${report.dryRun ? 'would join' : 'joined'} the waitlist in the order they applied; ${report.alreadyKnown} were already known here and left as they are.`),
  ];
  if (report.refused.count > 0) {
    sections.push(text(`Refused: ${report.refused.count}`), list(report.refused.examples.map(({ email, reason }) => `${email}: ${reason}`)));
  }
  if (report.malformed.count > 0) {
    sections.push(text(`Rows that could not be used: ${report.malformed.count}`), list(report.malformed.examples.map(({ line, reason }) => `line ${line}: ${reason}`)));
  }
  return sections;
}

export const importQueue = defineCommand<FileInput>({
  name: 'import-queue',
  usage: 'import-queue [preview] [file link]',
  summary: 'bring over the old waitlist (a CSV with Email, Name, Applied At; order kept by date; importing twice changes nothing; asks to confirm)',
  example: 'import-queue preview',
  parse: parseFileInput,
  async preview(ctx, { source, preview }) {
    if (preview) return undefined;
    const { file, result } = await readShared(ctx, source, (content) => importWaitlist(ctx.models, ctx.licensing, content, { actor: ctx.actor, now: ctx.clock.now(), dryRun: true }));
    if (result.added === 0) return reply(`Nothing to import from ${file.name}: nobody in it would join the waitlist.`, waitlistSections(result), { data: result });
    return reply(`Import the waitlist in ${file.name}?`, waitlistSections(result), { tone: 'preview', data: result, confirmText: confirmAs('import-queue', file.ref) });
  },
  async run(ctx, { source, preview }) {
    const { file, result } = await readShared(ctx, source, (content) => importWaitlist(ctx.models, ctx.licensing, content, { actor: ctx.actor, now: ctx.clock.now(), dryRun: preview }));
    return reply(`${preview ? 'Preview of' : 'Imported'} the waitlist in ${file.name}`, waitlistSections(result), { tone: preview ? 'preview' : 'done', data: result });
  },
});

export const exportFile = defineCommand<{ kind: ExportKind }>({
  name: 'export',
  usage: `export ${EXPORT_KINDS.join('|')}`,
  summary: 'a CSV of the queue, the license holders or the whole audit log, sent to you',
  example: 'export queue',
  parse(args) {
    const kind = args.choice('export', EXPORT_KINDS);
    args.end();
    return { kind };
  },
  async run(ctx, { kind }): Promise<Reply> {
    const file = await exportCsv(ctx.models, kind, ctx.clock.now());
    return reply(`${file.name}: ${file.rows} rows`, [], {
      tone: 'done',
      file: { name: file.name, title: `License Desk ${kind} export`, content: file.content },
      data: { name: file.name, rows: file.rows },
    });
  },
});
