// The shape of an admin command, shared by its two front doors: the Slack console
// (/coursera …) and the terminal (npm run admin -- …). A command parses the words typed
// after its name, and either answers (reads) or, when it changes people's licenses,
// capacity or settings, first shows what it would do and runs only once confirmed.
import type { Readable } from 'node:stream';
import type { Actor, Models } from '../../models/index.js';
import type { Clock } from '../../services/clock.js';
import type { CourseraClient } from '../../services/coursera.js';
import type { Licensing } from '../../services/licensing.js';
import type { Logger } from '../../services/log.js';
import type { NoticeChannel } from '../../services/notifications/channels.js';
import type { Reply } from './reply.js';

/** A CSV an admin pointed a command at. */
export interface SharedFile {
  name: string;
  /** How to point at this same file again (a Slack file id, a path). */
  ref: string;
  content: Readable;
}

export interface ConsoleContext {
  models: Models;
  clock: Clock;
  licensing: Licensing;
  log: Logger;
  /** The admin running the command, as the audit log records them. */
  actor: Actor;
  coursera?: CourseraClient;
  channels?: readonly NoticeChannel[];
  /**
   * Opens the CSV a command should read: in Slack a file shared in the conversation (or
   * its link), in the terminal a path. `source` is what the admin typed, if anything.
   */
  openFile(source: string | undefined): Promise<SharedFile>;
  /** Changes learners must hear about were recorded: queue their notices and deliver them soon. */
  noticesWaiting(): Promise<void>;
  /** Notices are already in the outbox (a job queued them, one was put back): deliver them soon. */
  deliverSoon(): Promise<void>;
}

/** The command line was not understood; the message says how to write it. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandDefinition<Input = unknown> {
  name: string;
  /** e.g. `invite <email> <reason>` */
  usage: string;
  summary: string;
  example: string;
  /** The words after the command's name, understood; throws UsageError. */
  parse(args: Args): Input;
  /**
   * For a command that changes things: what it would do, shown with the confirmation
   * buttons. Absent, or answering undefined for this input (e.g. `capacity` alone), means
   * nothing changes and `run` answers straight away.
   */
  preview?(ctx: ConsoleContext, input: Input): Promise<Reply | undefined>;
  run(ctx: ConsoleContext, input: Input): Promise<Reply>;
}

/** Keeps each definition's input type while the table holds them side by side. */
export const defineCommand = <Input>(definition: CommandDefinition<Input>): CommandDefinition => definition as CommandDefinition;

const EMAIL = /^[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+$/;

/** The words after a command's name, taken one at a time. */
export class Args {
  private readonly words: string[];

  constructor(
    private readonly usage: string,
    text: string,
  ) {
    this.words = text.split(/\s+/).filter(Boolean).map(unwrapSlackLink);
  }

  get remaining(): number {
    return this.words.length;
  }

  private fail(message: string): never {
    throw new UsageError(message, this.usage);
  }

  /** The next word, if there is one, without taking it. */
  peek(): string | undefined {
    return this.words[0];
  }

  email(): string {
    const word = this.words.shift();
    if (word === undefined) this.fail('Which person? Give their email address.');
    if (!EMAIL.test(word)) this.fail(`"${clip(word)}" is not an email address.`);
    return word.toLowerCase();
  }

  /** A whole number from `min` to `max`, if one was given. */
  optionalNumber(label: string, min: number, max: number): number | undefined {
    const word = this.words.shift();
    if (word === undefined) return undefined;
    const value = Number(word);
    if (!/^\d+$/.test(word) || value < min || value > max) {
      this.fail(`${label} must be a whole number from ${min} to ${max}; got "${clip(word)}".`);
    }
    return value;
  }

  /** Takes the next word when it is one of `choices`. */
  optionalChoice<T extends string>(choices: readonly T[]): T | undefined {
    const word = this.words[0]?.toLowerCase();
    if (word === undefined || !choices.includes(word as T)) return undefined;
    this.words.shift();
    return word as T;
  }

  choice<T extends string>(label: string, choices: readonly T[]): T {
    const taken = this.optionalChoice(choices);
    if (taken === undefined) {
      const word = this.words[0];
      this.fail(`${word === undefined ? `Say which ${label}` : `"${clip(word)}" is not a ${label}`}: ${choices.join(', ')}.`);
    }
    return taken;
  }

  word(): string | undefined {
    return this.words.shift();
  }

  /** Everything left, as one line of text (a reason, a name). */
  rest(): string {
    return this.words.splice(0).join(' ');
  }

  /** A reason is required: it goes in the audit log. */
  reason(): string {
    const why = this.rest();
    if (!why) this.fail('Give a reason after the email address; it goes in the audit log.');
    return why;
  }

  end(): void {
    if (this.words.length > 0) this.fail(`Unexpected "${clip(this.words.join(' '))}".`);
  }
}

/** Slack may send `<mailto:a@b.org|a@b.org>` or `<https://…|label>` for what was typed. */
function unwrapSlackLink(word: string): string {
  const link = /^<(?:mailto:)?([^|>]+)(?:\|([^>]*))?>$/.exec(word);
  if (!link) return word;
  return link[1]!.startsWith('http') ? link[1]! : (link[2] ?? link[1]!);
}

/** Echoes of what was typed stay short. */
export function clip(value: string, max = 60): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
