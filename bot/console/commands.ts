// The admin console's commands and how a typed line becomes an answer. Both front doors
// (bot/slack/console.ts, tools/admin) hand the line here and render what comes back.
import { DomainError } from '../../services/errors.js';
import { Args, clip, defineCommand, UsageError, type CommandDefinition, type ConsoleContext } from './command.js';
import { exportFile, importQueue, importReport } from './files.js';
import { activitySync, delivery, inactivity, turnover, yearEnd } from './jobs.js';
import { notices, retry } from './notices.js';
import { apply, invite, pause, ready, release, restore, revoke, who } from './people.js';
import { capacity, queue, settings, stats } from './pool.js';
import { list, note, reply, text, type Reply } from './reply.js';

/** Longer lines are refused unread: no command needs more. */
export const MAX_COMMAND_LENGTH = 1000;

const help = defineCommand<{ topic?: string }>({
  name: 'help',
  usage: 'help [command]',
  summary: 'this list, or one command in detail',
  example: 'help invite',
  parse(args) {
    const topic = args.word();
    args.end();
    return topic ? { topic: topic.toLowerCase() } : {};
  },
  async run(_ctx, { topic }) {
    if (topic !== undefined) {
      const command = findCommand(topic);
      if (!command) throw new UsageError(`There is no command "${clip(topic, 30)}".`);
      return reply(command.usage, [text(capitalised(command.summary)), note(`Example: \`${command.example}\``)]);
    }
    return reply('License Desk admin commands', [
      list(COMMANDS.map((command) => `\`${command.usage}\`: ${command.summary}`)),
      note('Commands that change licenses, capacity or settings show what they will do and wait for you to confirm.'),
    ]);
  },
});

const COMMANDS: readonly CommandDefinition[] = [
  help,
  stats,
  queue,
  who,
  apply,
  invite,
  revoke,
  restore,
  pause,
  ready,
  release,
  capacity,
  turnover,
  inactivity,
  yearEnd,
  activitySync,
  delivery,
  importReport,
  importQueue,
  exportFile,
  notices,
  retry,
  settings,
];

const ALIASES: Readonly<Record<string, string>> = { 'year-end': 'yearend' };

/** The commands in the order `help` lists them. */
export function commandList(): readonly CommandDefinition[] {
  return COMMANDS;
}

function findCommand(name: string): CommandDefinition | undefined {
  const wanted = ALIASES[name] ?? name;
  return COMMANDS.find((command) => command.name === wanted);
}

const capitalised = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

/** What a line asks for, understood; throws UsageError when it cannot be. */
export interface Invocation {
  command: CommandDefinition;
  input: unknown;
  /** The line as typed (trimmed): what a confirmation runs again. */
  text: string;
}

export function parseInvocation(line: string): Invocation {
  if (line.length > MAX_COMMAND_LENGTH) {
    throw new UsageError(`That is ${line.length.toLocaleString('en')} characters; a command is at most ${MAX_COMMAND_LENGTH.toLocaleString('en')}. Try \`help\`.`);
  }
  const text = line.trim();
  // A bare `/coursera` asks what there is.
  const first = text.split(/\s+/, 1)[0] || 'help';
  const command = findCommand(first.toLowerCase());
  if (!command) throw new UsageError(`There is no command "${clip(first, 30)}". Try \`help\` for the list.`);
  const args = new Args(command.usage, text.slice(first.length));
  return { command, input: command.parse(args), text };
}

export interface Answer {
  reply: Reply;
  /** Present when the reply is a preview: the line to run once the admin confirms. */
  confirm?: string;
  /** Why nothing was done: the line was not understood, or the request was refused. */
  problem?: 'usage' | 'refused';
}

/** A refusal the admin can act on: what was wrong and, for a badly written line, how to write it. */
export function refusal(error: DomainError | UsageError): Reply {
  const usage = error instanceof UsageError && error.usage ? [note(`Usage: \`${error.usage}\``)] : [];
  return reply(error.message, usage, { tone: 'refused' });
}

/**
 * Runs a line: previews a change that needs confirming (unless `confirmed`), or does it.
 * Refusals come back as replies; anything else is a fault for the front door to report.
 */
export async function answer(ctx: ConsoleContext, line: string, { confirmed }: { confirmed: boolean }): Promise<Answer> {
  try {
    const { command, input, text } = parseInvocation(line);
    if (!confirmed && command.preview) {
      const preview = await command.preview(ctx, input);
      if (preview) return preview.tone === 'preview' ? { reply: preview, confirm: preview.confirmText ?? text } : { reply: preview };
    }
    return { reply: await command.run(ctx, input) };
  } catch (error) {
    if (error instanceof UsageError) return { reply: refusal(error), problem: 'usage' };
    if (error instanceof DomainError) return { reply: refusal(error), problem: 'refused' };
    throw error;
  }
}
