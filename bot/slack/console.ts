// The admin console in Slack: `/coursera <command>` and its Confirm/Cancel buttons, through
// Bolt's HTTP receiver mounted on the bot's restify server at /slack/events (the receiver
// reads the raw body itself, so the signature is checked on exactly what Slack signed).
// Slack wants an answer within 3 s: a command that finishes in time answers in the
// acknowledgement; a longer one acknowledges at once and answers through response_url.
import { randomUUID } from 'node:crypto';
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger, type RespondArguments } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type restify from 'restify';
import type { JobContext } from '../../jobs/context.js';
import { appendEvent } from '../../services/audit.js';
import type { Logger } from '../../services/log.js';
import { clip } from '../console/command.js';
import { answer, type Answer } from '../console/commands.js';
import { consoleContext } from '../console/context.js';
import { reply } from '../console/reply.js';
import type { SlackConfig, SlackConsoleConfig } from '../config.js';
import { SlackAdmins } from './admins.js';
import { ConfirmationSigner } from './confirmation.js';
import { CANCEL_ACTION, CONFIRM_ACTION, consoleBlocks, type ConsoleMessage } from './consoleBlocks.js';
import { openSharedFile } from './sharedFiles.js';

export const SLACK_EVENTS_PATH = '/slack/events';
export const SLASH_COMMAND = '/coursera';
/** How long a command may take to answer in the acknowledgement (Slack allows 3 s in all). */
export const ACK_BUDGET_MS = 2000;

export interface SlackConsoleDeps extends Omit<JobContext, 'delivery'> {
  slack: SlackConfig & { console: SlackConsoleConfig };
  /** Starts a delivery run now (the scheduler's), so learners hear of a change at once. */
  deliverSoon?: () => Promise<void>;
  timeoutMs?: number;
}

/** Bolt's own messages, as structured lines; they carry no tokens. */
function boltLogger(log: Logger): BoltLogger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) => log[level]('slack.bolt', { message: messages.map(String).join(' ') });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), setLevel: () => undefined, getLevel: () => LogLevel.INFO, setName: () => undefined };
}

const REFUSED_TEXT = 'Only License Desk admins may use /coursera. If you should be one, ask an admin to add you.';

/** Resolves with the value if it comes within `ms`, else with undefined (the work goes on). */
function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work.then((value) => ({ value })), late]).finally(() => clearTimeout(timer));
}

export function mountSlackConsole(server: restify.Server, deps: SlackConsoleDeps): App {
  const { slack, models, clock, log } = deps;
  const logger = boltLogger(log);
  const receiver = new HTTPReceiver({ signingSecret: slack.console.signingSecret, endpoints: SLACK_EVENTS_PATH, logger });
  const clientOptions = { slackApiUrl: slack.apiUrl, retryConfig: { retries: 2 }, logLevel: LogLevel.ERROR, ...(deps.timeoutMs ? { timeout: deps.timeoutMs } : {}) };
  const app = new App({
    // Given a token, Bolt would call auth.test at once and keep a failure (Slack unreachable
    // at start) for good; the console needs only the token, so it is handed over as is.
    authorize: async () => ({ botToken: slack.botToken }),
    receiver,
    logger,
    clientOptions,
  });
  const web = new WebClient(slack.botToken, clientOptions);
  const admins = new SlackAdmins(slack.console, web, clock, log);
  const signer = new ConfirmationSigner(slack.console.signingSecret);

  const contextFor = (user: string, channelId: string) =>
    consoleContext(
      {
        models,
        clock,
        licensing: deps.licensing,
        log,
        actor: { kind: 'admin', id: `slack:${user}` },
        ...(deps.coursera ? { coursera: deps.coursera } : {}),
        ...(deps.channels ? { channels: deps.channels } : {}),
        openFile: (source) => openSharedFile(web, slack.botToken, source, channelId),
      },
      deps.deliverSoon,
    );

  /** Someone who may not use the console tried to: refused, and written in the audit log. */
  async function refuse(user: string, attempted: string, why: string): Promise<void> {
    log.warn('slack.console_refused', { user, why });
    await appendEvent(models, `slack-user:${user}`, {
      at: clock.now(),
      actor: { kind: 'person', id: `slack:${user}` },
      action: 'console-refused',
      reason: `${why}: ${clip(attempted, 200)}`,
      changes: { set: {}, unset: [] },
    });
  }

  /** Sends an export to the admin in a direct message; the reply then says where it went. */
  async function withFileSent(user: string, result: Answer): Promise<Answer> {
    const file = result.reply.file;
    if (!file) return result;
    const dm = await web.conversations.open({ users: user });
    await web.filesUploadV2({ channel_id: dm.channel!.id!, file: Buffer.from(file.content, 'utf8'), filename: file.name, title: file.title });
    return { reply: { ...result.reply, title: `${result.reply.title}. Sent to you in a direct message.` } };
  }

  /** The answer to a line, ready for Slack; a fault is logged and reported without its details. */
  async function messageFor(user: string, channelId: string, line: string, confirmed: boolean): Promise<ConsoleMessage> {
    let result: Answer;
    try {
      result = await withFileSent(user, await answer(contextFor(user, channelId), line, { confirmed }));
    } catch (error) {
      const incident = randomUUID().slice(0, 8);
      log.error('slack.console_failed', { incident, user, command: line.split(/\s+/, 1)[0], error });
      result = { reply: reply(`Something went wrong on our side (incident ${incident}, in the bot's log). Check with \`stats\` or \`who\` before trying again.`, [], { tone: 'refused' }) };
    }
    return consoleBlocks(result.reply, result.confirm === undefined ? undefined : signer.sign(result.confirm, user, clock.now()));
  }

  const ephemeral = (message: ConsoleMessage): RespondArguments => ({ response_type: 'ephemeral', ...message });

  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    const user = command.user_id;
    if (!(await admins.isAdmin(user))) {
      await refuse(user, `${SLASH_COMMAND} ${command.text}`, 'not an admin');
      await ack({ response_type: 'ephemeral', text: REFUSED_TEXT });
      return;
    }
    const work = messageFor(user, command.channel_id, command.text, false);
    const quick = await within(work, ACK_BUDGET_MS);
    if (quick) {
      await ack(ephemeral(quick.value));
      return;
    }
    await ack({ response_type: 'ephemeral', text: 'Working on it; the answer will follow here.' });
    await respond({ ...ephemeral(await work), replace_original: true });
  });

  app.action(CONFIRM_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const user = body.user.id;
    const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
    const checked = signer.check(value, user, clock.now());
    if (!checked.ok) {
      const says = {
        forged: 'This button was not made by License Desk; nothing was changed.',
        'someone-else': 'This confirmation belongs to the admin who ran the command; nothing was changed.',
        expired: 'This confirmation has expired; run the command again to see what it would do now.',
      }[checked.why];
      if (checked.why !== 'expired') await refuse(user, checked.confirmation?.line ?? '(unreadable button)', `confirmation ${checked.why}`);
      await respond({ response_type: 'ephemeral', replace_original: checked.why === 'expired', text: says });
      return;
    }
    if (!(await admins.isAdmin(user))) {
      await refuse(user, checked.confirmation.line, 'no longer an admin');
      await respond({ response_type: 'ephemeral', replace_original: true, text: REFUSED_TEXT });
      return;
    }
    const channelId = body.channel?.id ?? '';
    await respond({ ...ephemeral(await messageFor(user, channelId, checked.confirmation.line, true)), replace_original: true });
  });

  app.action(CANCEL_ACTION, async ({ ack, respond }) => {
    await ack();
    await respond({ response_type: 'ephemeral', replace_original: true, text: 'Cancelled: nothing was changed.' });
  });

  app.error(async (error) => {
    log.error('slack.console_error', { error });
  });

  server.post(SLACK_EVENTS_PATH, async (req: restify.Request, res: restify.Response) => {
    // The receiver answers; restify only routes to it and must not end the chain before it has.
    const answered = new Promise((resolve) => res.once('close', resolve));
    receiver.requestListener(req, res);
    await answered;
  });
  return app;
}
