// The state behind the Slack Web API fake: one workspace, its people, its conversations
// and the messages the app posted. Ids are derived from emails and names so that they are
// stable from run to run; they look like Slack's (U…, D…, C…) but mean nothing to Slack.
import { createHash } from 'node:crypto';
import type { Clock } from '../../services/clock.js';
import { nameFromEmail } from '../fakeService/index.js';

/** A user as users.lookupByEmail answers it (the fields Slack documents that we fill). */
export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  deleted: boolean;
  is_bot: boolean;
  is_admin: boolean;
  tz: string;
  profile: {
    email?: string;
    real_name: string;
    real_name_normalized: string;
    display_name: string;
    display_name_normalized: string;
    team: string;
  };
}

export interface SlackUserInput {
  email: string;
  /** The handle (`name`); defaults to the email's local part. */
  name?: string;
  /** Defaults to a name made from the email's local part ("alex.doe" → "Alex Doe"). */
  realName?: string;
  id?: string;
  /** A deactivated account: lookups fail with users_not_found, conversations.open with user_disabled. */
  deleted?: boolean;
  /** Another app's bot user: conversations.open and DMs fail with cannot_dm_bot. */
  isBot?: boolean;
}

export interface SlackChannelInput {
  name: string;
  id?: string;
  /** Whether the app's bot is in the channel (default true); otherwise posting answers not_in_channel. */
  isMember?: boolean;
}

/** A conversation the workspace knows: a DM with one user, or a channel. */
export interface SlackConversation {
  id: string;
  kind: 'im' | 'channel';
  /** For a DM: the other person. */
  user?: string;
  /** For a channel. */
  name?: string;
  isMember: boolean;
  /** Unix seconds. */
  created: number;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** One message the app posted, as recorded (and as conversations.history replays it). */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  thread_ts?: string;
  /** The app's bot user. */
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  /** By the fake's clock. */
  postedAt: Date;
}

export interface SlackTeam {
  id: string;
  name: string;
  domain: string;
}

/** The app the token belongs to. */
export interface SlackBot {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

export const LOCAL_TEAM: SlackTeam = { id: 'T0LICDESK1', name: 'License Desk (local)', domain: 'license-desk-local' };
export const LOCAL_SLACK_BOT: SlackBot = { userId: 'U0LICBOT01', botId: 'B0LICBOT01', appId: 'A0LICAPP01', name: 'license_desk' };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Slack-looking id: the prefix and ten characters hashed from `seed`. */
export function slackId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; i < 10; i++) id += ALPHABET[digest[i]! % ALPHABET.length];
  return id;
}

export const slackUserId = (email: string) => slackId('U', email.trim().toLowerCase());
export const dmChannelId = (userId: string) => slackId('D', userId);
export const channelId = (name: string) => slackId('C', name.replace(/^#/, '').toLowerCase());

/** Slack timestamps: seconds and microseconds, "1712345678.000123". */
export function microsToTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/** Parses a Slack timestamp (or plain Unix seconds) to microseconds; undefined when malformed. */
export function tsToMicros(ts: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts.trim());
  if (!match) return undefined;
  return Number(match[1]) * 1e6 + Number((match[2] ?? '').padEnd(6, '0'));
}

export class Workspace {
  readonly users = new Map<string, SlackUser>();
  readonly conversations = new Map<string, SlackConversation>();
  messages: SlackMessage[] = [];
  private lastMicros = 0;

  constructor(
    readonly team: SlackTeam,
    readonly bot: SlackBot,
    private readonly clock: Clock | undefined,
  ) {}

  now(): Date {
    return this.clock ? this.clock.now() : new Date();
  }

  /** Adds a user, or updates the one with that email (keeping its id). */
  addUser(input: SlackUserInput): SlackUser {
    const email = input.email.trim();
    const existing = this.findByEmail(email);
    const realName = input.realName ?? existing?.real_name ?? nameFromEmail(email);
    const name = input.name ?? existing?.name ?? (email.split('@')[0] ?? email).toLowerCase();
    const user: SlackUser = {
      id: input.id ?? existing?.id ?? slackUserId(email),
      team_id: this.team.id,
      name,
      real_name: realName,
      deleted: input.deleted ?? false,
      is_bot: input.isBot ?? false,
      is_admin: false,
      tz: 'Europe/London',
      profile: {
        email,
        real_name: realName,
        real_name_normalized: realName,
        display_name: name,
        display_name_normalized: name,
        team: this.team.id,
      },
    };
    if (existing && existing.id !== user.id) this.users.delete(existing.id);
    this.users.set(user.id, user);
    return structuredClone(user);
  }

  findByEmail(email: string): SlackUser | undefined {
    const wanted = email.trim().toLowerCase();
    return [...this.users.values()].find((user) => user.profile.email?.toLowerCase() === wanted);
  }

  addChannel(input: SlackChannelInput): SlackConversation {
    const name = input.name.replace(/^#/, '');
    const conversation: SlackConversation = {
      id: input.id ?? channelId(name),
      kind: 'channel',
      name,
      isMember: input.isMember ?? true,
      created: Math.floor(this.now().getTime() / 1000),
    };
    this.conversations.set(conversation.id, conversation);
    return { ...conversation };
  }

  /** The DM with a user, opened now if it was not; `opened` says whether it is new. */
  openDm(userId: string): { conversation: SlackConversation; opened: boolean } {
    const id = dmChannelId(userId);
    const known = this.conversations.get(id);
    if (known) return { conversation: known, opened: false };
    const conversation: SlackConversation = { id, kind: 'im', user: userId, isMember: true, created: Math.floor(this.now().getTime() / 1000) };
    this.conversations.set(id, conversation);
    return { conversation, opened: true };
  }

  /** The conversation id a `channel` argument stands for: a user id means the DM with them. */
  channelKey(channel: string): string {
    return this.users.has(channel) ? dmChannelId(channel) : channel;
  }

  /** A fresh message timestamp: the clock's time, made unique and increasing. */
  nextTs(): string {
    const micros = Math.max(this.now().getTime() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    return microsToTs(micros);
  }
}
