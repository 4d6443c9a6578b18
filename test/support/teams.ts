// The Teams endpoint end to end: the real app (restify, CloudAdapter, dialogs, MongoDB
// state) on loopback, Teams-shaped activities posted to /api/messages, and replies
// captured by the Bot Connector fake the activities name as their serviceUrl.
import { startApp, type RunningApp } from '../../bot/app.js';
import { readConfig, type Config } from '../../bot/config.js';
import type { Models } from '../../models/index.js';
import type { Clock } from '../../services/clock.js';
import { createLogger } from '../../services/log.js';
import { startBotConnector, type BotConnector, type ConnectorActivity, type TeamsMember } from '../../tools/botConnector/index.js';
import {
  executeInvoke,
  installationUpdate,
  submitMessage,
  textMessage,
  type ActivityJson,
  type TeamsChatContext,
} from '../../tools/chat/teamsActivity.js';

export interface Posted {
  status: number;
  body: unknown;
  /** What the bot sent to the conversation during this request. */
  replies: ConnectorActivity[];
  /** The Adaptive Cards among the replies. */
  cards: Record<string, unknown>[];
}

export interface TeamsUser {
  member: TeamsMember;
  chat: TeamsChatContext;
  say(text: string): Promise<Posted>;
  /** Clicks an Action.Submit whose data is `value` (as Teams sends it: value, no text). */
  click(value: unknown): Promise<Posted>;
  /** Clicks the button titled `title` on the latest card that has one. */
  clickButton(title: string): Promise<Posted>;
  execute(data: unknown): Promise<Posted>;
  install(): Promise<Posted>;
  post(activity: ActivityJson): Promise<Posted>;
}

export interface TeamsHarness {
  app: RunningApp;
  connector: BotConnector;
  user(email: string, name?: string): TeamsUser;
  /** Stops the app and starts a new one on the same database and connector. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const quietLog = createLogger('error', process.env.TEST_LOG ? (line) => process.stderr.write(`${line}\n`) : () => undefined);

export function cardsIn(activities: ConnectorActivity[]): Record<string, unknown>[] {
  return activities.flatMap((entry) =>
    (entry.activity?.attachments ?? [])
      .filter((attachment) => attachment.contentType === 'application/vnd.microsoft.card.adaptive')
      .map((attachment) => attachment.content as Record<string, unknown>),
  );
}

/** Every text in a card, joined: for assertions that read like the card does. */
export function cardText(card: Record<string, unknown>): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (typeof value === 'string' && ['text', 'title', 'value'].includes(key)) texts.push(value);
        else walk(value);
      }
    }
  };
  walk(card);
  return texts.join('\n');
}

interface Button {
  title: string;
  data: unknown;
}

function buttonsOf(card: Record<string, unknown>): Button[] {
  const found: Button[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'Action.Submit' && typeof element.title === 'string') found.push({ title: element.title, data: element.data });
      Object.values(element).forEach(walk);
    }
  };
  walk(card);
  return found;
}

export async function startTeamsHarness(
  models: Models,
  options: { clock?: Clock; config?: Partial<Config> } = {},
): Promise<TeamsHarness> {
  const connector = await startBotConnector();
  const config: Config = { ...readConfig({}), port: 0, ...options.config };
  const launch = () => startApp(config, { models, scheduler: false, log: quietLog, ...(options.clock ? { clock: options.clock } : {}) });
  let app = await launch();

  const harness: TeamsHarness = {
    get app() {
      return app;
    },
    connector,
    user(email, name) {
      const member = connector.addMember({ email, ...(name ? { name } : {}) });
      const chat: TeamsChatContext = {
        serviceUrl: `${connector.url}/`,
        conversationId: connector.personalConversationId(member.id),
        member,
        locale: 'en-US',
        timeZone: 'UTC',
      };
      const post = async (activity: ActivityJson): Promise<Posted> => {
        const before = connector.activities(chat.conversationId).length;
        const response = await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
        });
        const text = await response.text();
        const replies = connector.activities(chat.conversationId).slice(before);
        return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, replies, cards: cardsIn(replies) };
      };
      const user: TeamsUser = {
        member,
        chat,
        post,
        say: (text) => post(textMessage(chat, text)),
        click: (value) => post(submitMessage(chat, value, undefined)),
        execute: (data) => post(executeInvoke(chat, { verb: 'submit', data }, undefined)),
        install: () => post(installationUpdate(chat)),
        async clickButton(title) {
          const cards = cardsIn(connector.activities(chat.conversationId)).reverse();
          for (const card of cards) {
            const button = buttonsOf(card).find((candidate) => candidate.title === title);
            if (button) return post(submitMessage(chat, button.data, undefined));
          }
          throw new Error(`no card in the conversation has a button "${title}"`);
        },
      };
      return user;
    },
    async restart() {
      await app.stop();
      app = await launch();
    },
    async stop() {
      await app.stop();
      await connector.close();
    },
  };
  return harness;
}
