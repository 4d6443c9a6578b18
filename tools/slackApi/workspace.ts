// The state behind the Slack Web API fake: one workspace, its people and user groups, its
// conversations, the messages in them (what the app posted, and files people shared) and the
// files. Ids are derived from emails, names and counters so that they are stable from run to
// run; they look like Slack's (U…, D…, C…, S…, F…) but mean nothing to Slack.
import { createHash, randomBytes } from 'node:crypto';
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

/** One message, as recorded (and as conversations.history replays it): the app's, or a person sharing a file (addFile). */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  thread_ts?: string;
  /** Ids of the files shared with the message (a file upload). */
  files?: string[];
  /** The app's bot user, or the person who shared a file. */
  user: string;
  /** Set on the app's messages only. */
  bot_id?: string;
  app_id?: string;
  team: string;
  /** By the fake's clock. */
  postedAt: Date;
}

/** A user group (S…), as usergroups.users.list knows it. */
export interface SlackUserGroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
  /** A disabled group answers no_such_subteam unless `include_disabled` is passed. */
  disabled: boolean;
}

export interface SlackUserGroupInput {
  handle: string;
  /** Defaults to the handle. */
  name?: string;
  id?: string;
  users?: string[];
  disabled?: boolean;
}

/** A file someone shared in a conversation (see SlackApi.addFile). */
export interface SlackFileInput {
  /** Who shared it: a user id. */
  user: string;
  /** Where: a C… channel, the user's D… DM with the app, or the user's id for that DM. */
  channel: string;
  /** The file name, with its extension ("licences.csv"); it sets filetype and mimetype unless given. */
  name: string;
  content: string | Buffer;
  title?: string;
  filetype?: string;
  mimetype?: string;
  /** The text of the message that shares it. */
  initialComment?: string;
}

/** A file as the workspace keeps it. */
export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  prettyType: string;
  mode: 'hosted' | 'snippet';
  /** Who uploaded it: a user id, or the app's bot user. */
  user: string;
  /** Unix seconds. */
  created: number;
  createdAt: Date;
  content: Buffer;
  /** Conversations it was shared in (D…/C…), in order. */
  channels: string[];
  initialComment?: string;
  altTxt?: string;
  /** Upload order, for sorting files created in the same second. */
  seq: number;
}

/** A files.getUploadURLExternal ticket: bytes arrive at its upload URL, then files.completeUploadExternal makes the file. */
export interface PendingUpload {
  fileId: string;
  ticket: string;
  filename: string;
  /** The byte count announced. */
  length: number;
  altTxt?: string;
  snippetType?: string;
  /** What reached the upload URL (undefined until something did). */
  content?: Buffer;
}

/** A file object, with the fields Slack documents for files.info (docs.slack.dev/reference/objects/file-object) that the fake fills. */
export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  editable: boolean;
  size: number;
  mode: string;
  is_external: boolean;
  external_type: string;
  is_public: boolean;
  public_url_shared: boolean;
  display_as_bot: boolean;
  username: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  channels: string[];
  groups: string[];
  ims: string[];
  comments_count: number;
  alt_txt?: string;
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
export const userGroupId = (handle: string) => slackId('S', handle.replace(/^@/, '').toLowerCase());

/** What Slack says about a file from its name: filetype, mimetype, pretty_type. Unknown extensions are `binary`. */
const FILE_TYPES: Record<string, { filetype: string; mimetype: string; prettyType: string }> = {
  csv: { filetype: 'csv', mimetype: 'text/csv', prettyType: 'CSV' },
  tsv: { filetype: 'tsv', mimetype: 'text/tab-separated-values', prettyType: 'TSV' },
  txt: { filetype: 'text', mimetype: 'text/plain', prettyType: 'Plain Text' },
  json: { filetype: 'json', mimetype: 'application/json', prettyType: 'JSON' },
  md: { filetype: 'markdown', mimetype: 'text/plain', prettyType: 'Markdown (raw)' },
  pdf: { filetype: 'pdf', mimetype: 'application/pdf', prettyType: 'PDF' },
  zip: { filetype: 'zip', mimetype: 'application/zip', prettyType: 'Zip' },
  png: { filetype: 'png', mimetype: 'image/png', prettyType: 'PNG' },
  jpg: { filetype: 'jpg', mimetype: 'image/jpeg', prettyType: 'JPEG' },
  jpeg: { filetype: 'jpg', mimetype: 'image/jpeg', prettyType: 'JPEG' },
  gif: { filetype: 'gif', mimetype: 'image/gif', prettyType: 'GIF' },
  xlsx: { filetype: 'xlsx', mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', prettyType: 'Excel Spreadsheet' },
};

export function fileTypeOf(name: string): { filetype: string; mimetype: string; prettyType: string } {
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return (extension && FILE_TYPES[extension]) || { filetype: 'binary', mimetype: 'application/octet-stream', prettyType: 'Binary' };
}

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
  readonly userGroups = new Map<string, SlackUserGroup>();
  readonly conversations = new Map<string, SlackConversation>();
  messages: SlackMessage[] = [];
  /** Files by id. */
  files = new Map<string, StoredFile>();
  /** files.getUploadURLExternal tickets not yet completed, by file id. */
  uploads = new Map<string, PendingUpload>();
  /** The fake's own base URL (upload and download URLs point there); set once it listens. */
  serverUrl = '';
  private lastMicros = 0;
  private fileCount = 0;
  private storedCount = 0;

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

  /** Adds a user group, or updates the one with that handle (keeping its id). */
  addUserGroup(input: SlackUserGroupInput): SlackUserGroup {
    const handle = input.handle.replace(/^@/, '');
    const existing = [...this.userGroups.values()].find((group) => group.handle === handle);
    const group: SlackUserGroup = {
      id: input.id ?? existing?.id ?? userGroupId(handle),
      handle,
      name: input.name ?? existing?.name ?? handle,
      users: [...(input.users ?? existing?.users ?? [])],
      disabled: input.disabled ?? false,
    };
    if (existing && existing.id !== group.id) this.userGroups.delete(existing.id);
    this.userGroups.set(group.id, group);
    return structuredClone(group);
  }

  setUserGroupUsers(id: string, userIds: string[]): SlackUserGroup {
    const group = this.userGroups.get(id);
    if (!group) throw new Error(`Slack API fake: no user group ${id}; add it with addUserGroup first.`);
    group.users = [...userIds];
    return structuredClone(group);
  }

  /** A fresh file id (F…), never reused, not even after a reset. */
  nextFileId(): string {
    this.fileCount += 1;
    return slackId('F', `${this.team.id}:file:${this.fileCount}`);
  }

  /** Starts an upload: the file id and the opaque ticket of its upload URL. */
  startUpload(input: Omit<PendingUpload, 'fileId' | 'ticket' | 'content'>): PendingUpload {
    const upload: PendingUpload = { ...input, fileId: this.nextFileId(), ticket: randomBytes(18).toString('base64url') };
    this.uploads.set(upload.fileId, upload);
    return upload;
  }

  uploadByTicket(ticket: string): PendingUpload | undefined {
    return [...this.uploads.values()].find((upload) => upload.ticket === ticket);
  }

  /** Keeps a file (not yet shared anywhere). */
  storeFile(input: Omit<StoredFile, 'created' | 'createdAt' | 'seq' | 'channels' | 'id'> & { id?: string }): StoredFile {
    const createdAt = this.now();
    const file: StoredFile = {
      ...input,
      id: input.id ?? this.nextFileId(),
      created: Math.floor(createdAt.getTime() / 1000),
      createdAt,
      channels: [],
      seq: ++this.storedCount,
    };
    this.files.set(file.id, file);
    return file;
  }

  /** Whether the app's token can see a file: it uploaded it, or it is in a conversation where the app is. */
  fileVisibleToApp(file: StoredFile): boolean {
    return file.user === this.bot.userId || file.channels.some((channel) => this.conversations.get(channel)?.isMember);
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
