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

interface FileImport<Report> {
  name: string;
  usage: string;
  summary: string;
  example: string;
  /** What the file is, in titles: `usage.csv`, `the waitlist in old.csv`. */
  what: (fileName: string) => string;
  read(ctx: ConsoleContext, content: Readable, dryRun: boolean): Promise<Report>;
  /** How many records the import would change; none means there is nothing to confirm. */
  changes(report: Report): number;
  nothing: string;
  sections(report: Report): Section[];
}

/** An import of a shared CSV. The preview pins the file it read, so the confirmation reads that same file. */
function fileImportCommand<Report>(spec: FileImport<Report>) {
  const readFile = async (ctx: ConsoleContext, source: string | undefined, dryRun: boolean) => {
    const file = await ctx.openFile(source);
    return { file, report: await spec.read(ctx, file.content, dryRun) };
  };
  return defineCommand<FileInput>({
    name: spec.name,
    usage: spec.usage,
    summary: spec.summary,
    example: spec.example,
    parse: parseFileInput,
    async preview(ctx, { source, preview }) {
      if (preview) return undefined;
      const { file, report } = await readFile(ctx, source, true);
      if (spec.changes(report) === 0) return reply(`Nothing to import from ${file.name}: ${spec.nothing}.`, spec.sections(report), { data: report });
      return reply(`Import ${spec.what(file.name)}?`, spec.sections(report), { tone: 'preview', data: report, confirmText: `${spec.name} ${file.ref}` });
    },
    async run(ctx, { source, preview }) {
      const { file, report } = await readFile(ctx, source, preview);
      return reply(`${preview ? 'Preview of' : 'Imported'} ${spec.what(file.name)}`, spec.sections(report), { tone: preview ? 'preview' : 'done', data: report });
    },
  });
}

export const importReport = fileImportCommand({
  name: 'import',
  usage: 'import [preview] [file link]',
  summary: 'record learning activity from a Coursera membership or usage report (the latest CSV shared in this conversation, or the one linked; asks to confirm)',
  example: 'import',
  what: (fileName) => fileName,
  read: (ctx, content, dryRun) => importActivity(ctx.models, ctx.licensing, content, { actor: ctx.actor, dryRun }),
  changes: (report) => report.applied,
  nothing: 'no license holder has newer activity in it',
  sections: importSections,
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

export const importQueue = fileImportCommand({
  name: 'import-queue',
  usage: 'import-queue [preview] [file link]',
  summary: 'bring over the old waitlist (a CSV with Email, Name, Applied At; order kept by date; importing twice changes nothing; asks to confirm)',
  example: 'import-queue preview',
  what: (fileName) => `the waitlist in ${fileName}`,
  read: (ctx, content, dryRun) => importWaitlist(ctx.models, ctx.licensing, content, { actor: ctx.actor, now: ctx.clock.now(), dryRun }),
  changes: (report) => report.added,
  nothing: 'nobody in it would join the waitlist',
  sections: waitlistSections,
});

export const exportFile = defineCommand<{ kind: ExportKind }>({
  name: 'export',
  usage: `export ${EXPORT_KINDS.join('|')}`,
  summary: 'a CSV of the queue, the license holders or the whole audit log, sent to you',
  example: 'export queue',
  parse(args) {
    const kind = args.choice('kind of export', EXPORT_KINDS);
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
