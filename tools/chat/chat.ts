// A terminal conversation with the bot, as one Teams user, through the bot's real HTTP
// endpoint. Lines typed become Teams message activities posted to <bot>/api/messages;
// what the bot sends back to the Bot Connector fake is printed once its turn is over,
// cards as text with numbered buttons. A number (or #number) clicks that button.
import { createInterface } from 'node:readline';
import { startBotConnector, type BotConnector, type ConnectorActivity, type TeamsMember } from '../botConnector/index.js';
import { ADAPTIVE_CARD, renderActivity, renderAdaptiveCard, type CardInput, type ChatButton } from './render.js';
import {
  executeInvoke,
  installationUpdate,
  submitMessage,
  textMessage,
  type ActivityJson,
  type TeamsChatContext,
} from './teamsActivity.js';

export interface ChatUser {
  email: string;
  name?: string;
}

export interface RunChatOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The bot's base URL, e.g. http://127.0.0.1:3978 (activities go to /api/messages). */
  botUrl: string;
  user: ChatUser;
  /** A Bot Connector to use; otherwise one is started here and closed at the end. */
  connector?: BotConnector;
  /** Print a `you> ` prompt (for a terminal); otherwise echo what was read. */
  prompt?: boolean;
  locale?: string;
  timeZone?: string;
  /** Ends the chat as if the input had ended. */
  signal?: AbortSignal;
  /** How long one turn of the bot may take. */
  turnTimeoutMs?: number;
}

/** The bot could not be reached at all. */
export class ChatError extends Error {}

const QUIT = /^\/(?:quit|exit|q)$/i;
const CLICK = /^(#)?(\d+)$/;

interface Clickable {
  buttons: ChatButton[];
  /** For each button, the id of the activity whose card holds it. */
  sources: (string | undefined)[];
}

export async function runChat(options: RunChatOptions): Promise<void> {
  const { output } = options;
  const write = (line = '') => void output.write(`${line}\n`);
  const connector = options.connector ?? (await startBotConnector());
  const ownConnector = options.connector === undefined;
  const botUrl = options.botUrl.replace(/\/+$/, '');
  const endpoint = `${botUrl}/api/messages`;
  const member: TeamsMember = connector.addMember({ email: options.user.email, ...(options.user.name ? { name: options.user.name } : {}) });
  const conversationId = connector.personalConversationId(member.id);
  const context: TeamsChatContext = {
    serviceUrl: `${connector.url}/`,
    conversationId,
    member,
    locale: options.locale ?? 'en-US',
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  };

  let printed = connector.activities(conversationId).length;
  let busy = false;
  let latest: Clickable = { buttons: [], sources: [] };
  const showPrompt = () => {
    if (options.prompt) output.write('you> ');
  };

  /** Prints what the bot has sent since last time; a batch with buttons becomes clickable. */
  function flush(): void {
    const fresh = connector.activities(conversationId).slice(printed);
    printed += fresh.length;
    const batch: Clickable = { buttons: [], sources: [] };
    for (const entry of fresh) {
      const before = batch.buttons.length;
      printActivity(entry, batch.buttons);
      for (let i = before; i < batch.buttons.length; i += 1) batch.sources.push(entry.activityId);
    }
    if (batch.buttons.length > 0) latest = batch;
  }

  function printActivity(entry: ConnectorActivity, buttons: ChatButton[]): void {
    const activity = entry.activity ?? {};
    const who = activity.from?.name || 'bot';
    if (entry.operation === 'deleteActivity') return write(`${who} deleted a message.`);
    if (activity.type === 'typing') return;
    if (activity.type !== 'message') return write(`${who} sent a ${activity.type ?? 'typeless'} activity.`);
    const lines = renderActivity(activity, buttons);
    write(`${who}${entry.operation === 'updateActivity' ? ' (updated a message)' : ''}:`);
    for (const line of lines.length ? lines : ['(an empty message)']) write(line ? `  ${line}` : '');
  }

  /** Posts one activity and prints the replies; returns the response body for an invoke. */
  async function turn(activity: ActivityJson): Promise<string | undefined> {
    busy = true;
    let response: Response;
    let body: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
        signal: AbortSignal.timeout(options.turnTimeoutMs ?? 60_000),
      });
      body = await response.text();
    } catch (error) {
      busy = false;
      flush();
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ChatError(`could not reach the bot at ${endpoint} (${cause})`);
    }
    busy = false;
    flush();
    if (response.status === 401 || response.status === 403) {
      write(`The bot refused the activity (${response.status}): it checks Bot Framework tokens, so it runs with MicrosoftAppId set; talk to one running without credentials.`);
    } else if (!response.ok) {
      write(`The bot answered ${response.status}${body ? `: ${body.slice(0, 300)}` : ''}.`);
    }
    return body;
  }

  function printInvokeResponse(body: string | undefined, replyToId: string | undefined): void {
    if (!body) return;
    let parsed: { statusCode?: number; type?: string; value?: unknown } | undefined;
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return write(`invoke response: ${body.slice(0, 300)}`);
    }
    if (parsed?.type === ADAPTIVE_CARD) {
      const buttons: ChatButton[] = [];
      write('card (invoke response):');
      for (const line of renderAdaptiveCard(parsed.value, buttons)) write(line ? `  ${line}` : '');
      if (buttons.length > 0) latest = { buttons, sources: buttons.map(() => replyToId) };
    } else if (parsed?.type === 'application/vnd.microsoft.activity.message') {
      write(`invoke response: ${String(parsed.value)}`);
    } else if (parsed?.type === 'application/vnd.microsoft.error') {
      const error = parsed.value as { message?: string } | undefined;
      write(`invoke response ${parsed.statusCode ?? ''}: ${error?.message ?? JSON.stringify(parsed.value)}`);
    } else {
      write(`invoke response: ${JSON.stringify(parsed)}`);
    }
  }

  const rl = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const result = await lines.next();
    return result.done ? undefined : result.value;
  };
  const onAbort = () => rl.close();
  options.signal?.addEventListener('abort', onAbort);
  const unsubscribe = connector.onActivity((entry) => {
    // Something proactive while the user is typing: show it now.
    if (busy || entry.conversationId !== conversationId) return;
    write();
    flush();
    showPrompt();
  });

  /** Asks for each input on the card; undefined when the input ended. */
  async function fillInputs(inputs: CardInput[]): Promise<Record<string, string> | undefined> {
    const values: Record<string, string> = {};
    for (const input of inputs) {
      const name = input.label || input.placeholder || input.id;
      if (input.choices) {
        input.choices.forEach((choice, index) => write(`  ${index + 1}) ${choice.title}`));
      }
      const hint = input.type === 'Input.Toggle' ? ' (y/n)' : input.isMultiSelect ? ' (numbers, comma-separated)' : '';
      output.write(`${name}${hint}${input.value !== undefined ? ` [${input.value}]` : ''}: `);
      const answer = await next();
      if (answer === undefined) return undefined;
      if (!options.prompt) write(answer);
      values[input.id] = inputValue(input, answer.trim());
    }
    return values;
  }

  async function click(number: number): Promise<void> {
    const button = latest.buttons[number - 1]!;
    const replyToId = latest.sources[number - 1];
    write(`(clicked [${number}] ${button.title})`);
    switch (button.kind) {
      case 'submit':
      case 'execute': {
        const inputs = await fillInputs(button.inputs);
        if (inputs === undefined) return;
        const data = withInputs(button.data, inputs);
        if (button.kind === 'execute') {
          const body = await turn(executeInvoke(context, { data, ...(button.verb !== undefined ? { verb: button.verb } : {}), ...(button.actionId ? { id: button.actionId } : {}) }, replyToId));
          return printInvokeResponse(body, replyToId);
        }
        const { text, value } = submitted(data);
        await turn(submitMessage(context, value, replyToId, text));
        return;
      }
      case 'openUrl':
        return write(`(open ${button.url} in a browser)`);
      case 'showCard':
        for (const line of button.lines) write(line ? `  ${line}` : '');
        return;
      case 'imBack':
        await turn(textMessage(context, button.value));
        return;
      case 'messageBack':
        await turn(submitMessage(context, button.value, replyToId, button.text));
        return;
      case 'unsupported':
        return write(`(${button.type} buttons are not supported here)`);
    }
  }

  try {
    const name = `${member.name} <${member.email}>`;
    write(`Talking to ${botUrl} as ${name} in Teams. Type /quit to leave; a number clicks that button.`);
    await turn(installationUpdate(context));
    for (;;) {
      showPrompt();
      const line = await next();
      if (line === undefined) break;
      const typed = line.trim();
      if (!options.prompt) write(`you> ${typed}`);
      if (!typed) continue;
      if (QUIT.test(typed)) break;
      const clickMatch = CLICK.exec(typed);
      try {
        if (clickMatch) {
          const number = Number(clickMatch[2]);
          if (number >= 1 && number <= latest.buttons.length) {
            await click(number);
            continue;
          }
          if (clickMatch[1]) {
            const count = latest.buttons.length;
            write(count === 0 ? 'There is no card with buttons yet.' : `There is no button ${number}; the latest card has ${count === 1 ? 'only button 1' : `buttons 1–${count}`}.`);
            continue;
          }
        }
        await turn(textMessage(context, typed));
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        write(`Could not reach the bot: ${error.message.replace(/^could not reach the bot at /, '')}`);
      }
    }
  } finally {
    unsubscribe();
    options.signal?.removeEventListener('abort', onAbort);
    rl.close();
    if (ownConnector) await connector.close();
  }
}

/** What an input's typed answer means: a choice by number, a toggle by y/n. */
function inputValue(input: CardInput, answer: string): string {
  if (answer === '') return input.value ?? '';
  if (input.type === 'Input.Toggle') {
    const on = /^(?:y|yes|true|on|1)$/i.test(answer);
    return on ? (input.valueOn ?? 'true') : (input.valueOff ?? 'false');
  }
  if (input.choices) {
    const pick = (part: string) => {
      const index = Number(part);
      if (Number.isInteger(index) && index >= 1 && index <= input.choices!.length) return input.choices![index - 1]!.value;
      const found = input.choices!.find((choice) => choice.value === part || choice.title.toLowerCase() === part.toLowerCase());
      return found ? found.value : part;
    };
    return input.isMultiSelect ? answer.split(',').map((part) => pick(part.trim())).join(',') : pick(answer);
  }
  return answer;
}

/** Adaptive Cards merge input values into object data; data that is not an object stays as it is. */
function withInputs(data: unknown, inputs: Record<string, string>): unknown {
  if (data === undefined || data === null) return Object.keys(inputs).length ? inputs : undefined;
  if (typeof data === 'object' && !Array.isArray(data)) return { ...(data as object), ...inputs };
  return data;
}

/** How Teams turns Action.Submit data into a message: `msteams` imBack/messageBack, else `value`. */
function submitted(data: unknown): { text?: string; value?: unknown } {
  if (typeof data === 'string') return { text: data };
  if (typeof data !== 'object' || data === null) return { value: data };
  const msteams = (data as { msteams?: { type?: string; text?: string; value?: unknown; displayText?: string } }).msteams;
  if (msteams?.type === 'imBack' && typeof msteams.value === 'string') return { text: msteams.value };
  if (msteams?.type === 'messageBack') {
    return { ...(msteams.text !== undefined ? { text: msteams.text } : {}), ...(msteams.value !== undefined ? { value: msteams.value } : {}) };
  }
  return { value: data };
}
