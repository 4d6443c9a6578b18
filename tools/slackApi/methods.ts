// The Web API methods the fake serves: one entry each. A handler gets the call's arguments
// (as they arrived: form fields are strings, JSON bodies keep their types) and the workspace,
// and returns the fields of an `ok: true` answer or throws ApiError for an `ok: false` one.
// Error codes and response fields follow Slack's method reference (docs.slack.dev/reference/methods).
import {
  fileTypeOf,
  tsToMicros,
  type MessageMetadata,
  type SlackConversation,
  type SlackFileObject,
  type SlackMessage,
  type SlackUser,
  type StoredFile,
  type Workspace,
} from './workspace.js';

/** Slack's published tiers, in requests per minute per method per workspace (docs.slack.dev/apis/web-api/rate-limits). */
export const SLACK_TIERS = { tier1: 1, tier2: 20, tier3: 50, tier4: 100 } as const;

export type SlackArgs = Record<string, unknown>;

/** An `ok: false` answer (HTTP 200), with any extra fields Slack adds (`needed`, `provided`, …). */
export class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export interface CallContext {
  args: SlackArgs;
  workspace: Workspace;
  /** Throws missing_scope unless the token was granted `scope`. */
  requireScope(scope: string): void;
}

export interface MethodSpec {
  /** The method's tier limit (requests per minute per workspace); absent for special-tier methods. */
  perMinute?: number;
  /** Also limited per channel, the way chat.postMessage is (see SlackRateLimits.perChannel). */
  perChannel?: boolean;
  handle(context: CallContext): Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Argument readers: the WebClient form-encodes, so booleans, numbers and objects arrive as text.

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const string = text(value)?.trim().toLowerCase();
  return string === 'true' || string === '1';
}

/** A JSON argument: an object as sent in a JSON body, or its JSON text in a form field. */
function json(value: unknown, error: string): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ApiError(error);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------

function publicUser(user: SlackUser): SlackUser {
  return structuredClone(user);
}

function imObject(conversation: SlackConversation, workspace: Workspace): Record<string, unknown> {
  return {
    id: conversation.id,
    created: conversation.created,
    is_im: true,
    is_org_shared: false,
    user: conversation.user,
    last_read: '0000000000.000000',
    latest: null,
    unread_count: 0,
    unread_count_display: 0,
    is_open: true,
    priority: 0,
    context_team_id: workspace.team.id,
  };
}

/** Where a file's bytes are served: `https://files.slack.com/files-pri/T…-F…/[download/]name` at Slack. */
export function filePrivateUrl(file: StoredFile, workspace: Workspace, download: boolean): string {
  return `${workspace.serverUrl}/files-pri/${workspace.team.id}-${file.id}/${download ? 'download/' : ''}${encodeURIComponent(file.name)}`;
}

/** The file object (files.info, files.list, a message's `files`). */
export function fileObject(file: StoredFile, workspace: Workspace): SlackFileObject {
  const kinds = file.channels.map((id) => workspace.conversations.get(id)?.kind);
  const slug = file.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '_');
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.prettyType,
    user: file.user,
    user_team: workspace.team.id,
    editable: file.mode === 'snippet',
    size: file.content.length,
    mode: file.mode,
    is_external: false,
    external_type: '',
    is_public: kinds.includes('channel'),
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: filePrivateUrl(file, workspace, false),
    url_private_download: filePrivateUrl(file, workspace, true),
    permalink: `https://${workspace.team.domain}.slack.com/files/${file.user}/${file.id}/${slug}`,
    channels: file.channels.filter((_, i) => kinds[i] === 'channel'),
    groups: [],
    ims: file.channels.filter((_, i) => kinds[i] === 'im'),
    comments_count: 0,
    ...(file.altTxt !== undefined ? { alt_txt: file.altTxt } : {}),
  };
}

/** The message as Slack shows it to the app, metadata only when asked for. */
export function messageObject(message: SlackMessage, workspace: Workspace, withMetadata: boolean): Record<string, unknown> {
  const files = (message.files ?? []).map((id) => workspace.files.get(id)).filter((file) => file !== undefined);
  return {
    type: 'message',
    user: message.user,
    ...(message.bot_id !== undefined ? { bot_id: message.bot_id, app_id: message.app_id } : {}),
    text: message.text,
    ts: message.ts,
    team: message.team,
    ...(message.bot_id !== undefined
      ? { bot_profile: { id: message.bot_id, app_id: message.app_id, name: workspace.bot.name, deleted: false, team_id: message.team } }
      : {}),
    ...(message.files ? { files: files.map((file) => fileObject(file, workspace)), upload: true, display_as_bot: false } : {}),
    ...(message.blocks ? { blocks: structuredClone(message.blocks) } : {}),
    ...(message.attachments ? { attachments: structuredClone(message.attachments) } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(withMetadata && message.metadata ? { metadata: structuredClone(message.metadata) } : {}),
  };
}

/** Where chat.postMessage's `channel` leads: a DM id, a channel id, or a user id (Slack opens the DM). */
function conversationForPost(channel: string, workspace: Workspace): SlackConversation {
  const user = workspace.users.get(channel);
  if (user) {
    if (user.is_bot) throw new ApiError('cannot_dm_bot');
    // Slack accepts posts to a deactivated user's DM (slackapi/python-slack-sdk#1156).
    return workspace.openDm(user.id).conversation;
  }
  return conversationForRead(channel, workspace);
}

function conversationForRead(channel: string, workspace: Workspace): SlackConversation {
  const conversation = workspace.conversations.get(channel);
  if (!conversation) throw new ApiError('channel_not_found');
  if (!conversation.isMember) throw new ApiError('not_in_channel');
  return conversation;
}

function metadataOf(value: unknown): MessageMetadata | undefined {
  const metadata = json(value, 'invalid_metadata_format');
  if (metadata === undefined) return undefined;
  if (!isObject(metadata) || typeof metadata.event_type !== 'string' || !isObject(metadata.event_payload)) {
    throw new ApiError('invalid_metadata_format');
  }
  return { event_type: metadata.event_type, event_payload: structuredClone(metadata.event_payload) };
}

const encodeCursor = (micros: number) => Buffer.from(`next_ts:${micros}`).toString('base64');

function decodeCursor(cursor: string): number {
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) throw new ApiError('invalid_cursor');
  return Number(match[1]);
}

const MAX_TEXT = 40_000;

/** `invalid_arguments` the way Slack words a schema failure (in response_metadata.messages). */
const invalidArguments = (message: string) => new ApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });

/** files.list `types`, as documented; anything else answers unknown_type. */
const FILE_LIST_TYPES: Record<string, (file: StoredFile) => boolean> = {
  all: () => true,
  spaces: (file) => file.filetype === 'space' || file.filetype === 'post',
  snippets: (file) => file.mode === 'snippet',
  images: (file) => file.mimetype.startsWith('image/'),
  gdocs: (file) => ['gdoc', 'gsheet', 'gpres', 'gdraw'].includes(file.filetype),
  zips: (file) => file.filetype === 'zip',
  pdfs: (file) => file.filetype === 'pdf',
};

/** Snippets are limited to 1 MB (files.getUploadURLExternal: snippet_too_large). */
const MAX_SNIPPET = 1024 * 1024;

export const METHODS: Record<string, MethodSpec> = {
  'auth.test': {
    // "Special": "hundreds of requests per minute"; modelled as Tier 4.
    perMinute: SLACK_TIERS.tier4,
    handle: ({ workspace }) => ({
      url: `https://${workspace.team.domain}.slack.com/`,
      team: workspace.team.name,
      user: workspace.bot.name,
      team_id: workspace.team.id,
      user_id: workspace.bot.userId,
      bot_id: workspace.bot.botId,
      is_enterprise_install: false,
    }),
  },

  'users.lookupByEmail': {
    perMinute: SLACK_TIERS.tier3,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('users:read.email');
      const email = text(args.email)?.trim();
      if (!email) throw new ApiError('invalid_arguments');
      const user = workspace.findByEmail(email);
      // Deactivated accounts are not found (documented on the method).
      if (!user || user.deleted) throw new ApiError('users_not_found');
      return { user: publicUser(user) };
    },
  },

  'conversations.open': {
    perMinute: SLACK_TIERS.tier3,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('im:write');
      const returnIm = flag(args.return_im);
      const channel = text(args.channel);
      if (channel) {
        const known = workspace.conversations.get(channel);
        if (!known || known.kind !== 'im') throw new ApiError('channel_not_found');
        return { no_op: true, already_open: true, channel: returnIm ? imObject(known, workspace) : { id: known.id } };
      }
      const ids = (text(args.users) ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      if (ids.length === 0) throw new ApiError('users_list_not_supplied');
      // Multi-person DMs are not modelled.
      if (ids.length > 1) throw new ApiError('invalid_arguments');
      const user = workspace.users.get(ids[0]!);
      if (!user) throw new ApiError('user_not_found');
      if (user.deleted) throw new ApiError('user_disabled');
      if (user.is_bot) throw new ApiError('cannot_dm_bot');
      if (flag(args.prevent_creation) && !workspace.conversations.has(workspace.channelKey(user.id))) {
        return { no_op: true };
      }
      const { conversation, opened } = workspace.openDm(user.id);
      const channelObject = returnIm ? imObject(conversation, workspace) : { id: conversation.id };
      return opened ? { channel: channelObject } : { no_op: true, already_open: true, channel: channelObject };
    },
  },

  'chat.postMessage': {
    // Special tier: about one message per second per channel, short bursts allowed.
    perChannel: true,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('chat:write');
      const channel = text(args.channel);
      if (!channel) throw new ApiError('channel_not_found');
      const conversation = conversationForPost(channel, workspace);
      const blocks = json(args.blocks, 'invalid_blocks');
      if (blocks !== undefined && !Array.isArray(blocks)) throw new ApiError('invalid_blocks');
      const attachments = json(args.attachments, 'invalid_attachments');
      if (attachments !== undefined && !Array.isArray(attachments)) throw new ApiError('invalid_attachments');
      const body = text(args.text) ?? '';
      if (!body && !blocks?.length && !attachments?.length) throw new ApiError('no_text');
      if (body.length > MAX_TEXT) throw new ApiError('msg_too_long');
      const metadata = metadataOf(args.metadata);
      const threadTs = text(args.thread_ts);
      const message: SlackMessage = {
        channel: conversation.id,
        ts: workspace.nextTs(),
        text: body,
        ...(blocks ? { blocks: blocks as unknown[] } : {}),
        ...(attachments ? { attachments: attachments as unknown[] } : {}),
        ...(metadata ? { metadata } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        user: workspace.bot.userId,
        bot_id: workspace.bot.botId,
        app_id: workspace.bot.appId,
        team: workspace.team.id,
        postedAt: workspace.now(),
      };
      workspace.messages.push(message);
      return { channel: conversation.id, ts: message.ts, message: messageObject(message, workspace, true) };
    },
  },

  'conversations.history': {
    // Tier 3 for internal and Marketplace apps; commercially distributed non-Marketplace apps
    // get 1 request per minute and at most 15 messages (not modelled).
    perMinute: SLACK_TIERS.tier3,
    handle: ({ args, workspace, requireScope }) => {
      const channel = text(args.channel);
      if (!channel) throw new ApiError('channel_not_found');
      const conversation = conversationForRead(channel, workspace);
      requireScope(conversation.kind === 'im' ? 'im:history' : 'channels:history');
      const limitArg = Number(text(args.limit) ?? 100);
      const limit = Math.min(Math.max(Number.isFinite(limitArg) && limitArg > 0 ? Math.floor(limitArg) : 100, 1), 999);
      const inclusive = flag(args.inclusive);
      const oldestArg = text(args.oldest);
      const latestArg = text(args.latest);
      const oldest = oldestArg ? tsToMicros(oldestArg) : 0;
      if (oldest === undefined) throw new ApiError('invalid_ts_oldest');
      const latest = latestArg ? tsToMicros(latestArg) : Number.POSITIVE_INFINITY;
      if (latest === undefined) throw new ApiError('invalid_ts_latest');
      const cursorArg = text(args.cursor);
      const from = cursorArg ? decodeCursor(cursorArg) : Number.POSITIVE_INFINITY;

      const inRange = workspace.messages
        .filter((message) => message.channel === conversation.id)
        // Thread replies stay out of history (conversations.replies has them).
        .filter((message) => message.thread_ts === undefined || message.thread_ts === message.ts)
        .map((message) => ({ message, at: tsToMicros(message.ts)! }))
        .filter(({ at }) => (inclusive ? at >= oldest && at <= latest : at > oldest && at < latest))
        .filter(({ at }) => at <= from)
        .sort((a, b) => b.at - a.at);
      const page = inRange.slice(0, limit);
      const next = inRange[limit];
      const withMetadata = flag(args.include_all_metadata);
      return {
        messages: page.map(({ message }) => messageObject(message, workspace, withMetadata)),
        has_more: next !== undefined,
        pin_count: 0,
        ...(latestArg ? { latest: latestArg } : {}),
        ...(next ? { response_metadata: { next_cursor: encodeCursor(next.at) } } : {}),
      };
    },
  },

  'usergroups.users.list': {
    perMinute: SLACK_TIERS.tier2,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('usergroups:read');
      const id = text(args.usergroup)?.trim();
      if (!id) throw invalidArguments('missing required field: usergroup');
      const group = workspace.userGroups.get(id);
      if (!group || (group.disabled && !flag(args.include_disabled))) throw new ApiError('no_such_subteam');
      return { users: [...group.users] };
    },
  },

  'files.getUploadURLExternal': {
    perMinute: SLACK_TIERS.tier4,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('files:write');
      const filename = text(args.filename)?.trim();
      if (!filename) throw invalidArguments('missing required field: filename');
      const lengthArg = text(args.length)?.trim();
      if (!lengthArg) throw invalidArguments('missing required field: length');
      const length = Number(lengthArg);
      if (!Number.isInteger(length) || length < 0) throw invalidArguments('length must be an integer');
      // Documented: "Typically only occurs when the length provided is 0."
      if (length === 0) throw new ApiError('missing_argument');
      // Slack documents `alt_txt`; the WebClient (8.2) sends `alt_text`. Both are taken.
      const altTxt = text(args.alt_txt) ?? text(args.alt_text);
      if (altTxt !== undefined && altTxt.length > 1000) throw new ApiError('alt_txt_too_large');
      const snippetType = text(args.snippet_type)?.trim() || undefined;
      if (snippetType && length > MAX_SNIPPET) throw new ApiError('snippet_too_large');
      const upload = workspace.startUpload({
        filename,
        length,
        ...(altTxt !== undefined ? { altTxt } : {}),
        ...(snippetType ? { snippetType } : {}),
      });
      return { upload_url: `${workspace.serverUrl}/upload/v1/${upload.ticket}`, file_id: upload.fileId };
    },
  },

  'files.completeUploadExternal': {
    perMinute: SLACK_TIERS.tier4,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('files:write');
      const list = json(args.files, 'invalid_arguments');
      if (!Array.isArray(list) || list.length === 0) throw invalidArguments('missing required field: files');
      const entries = list.map((entry: unknown) => {
        if (!isObject(entry) || typeof entry.id !== 'string') throw invalidArguments('files must be an array of { id, title? }');
        return { id: entry.id, title: typeof entry.title === 'string' && entry.title ? entry.title : undefined };
      });

      // Where to share: `channel_id` (what the WebClient sends), or the newer `channels` (comma list).
      const channelId = text(args.channel_id)?.trim();
      const targets = channelId
        ? [channelId]
        : (text(args.channels) ?? '')
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean);
      const conversations = targets.map((target) => {
        // A user id is refused, not taken for their DM (slackapi/bolt-js#2115).
        if (!/^[CGDZ][A-Z0-9]{8,}$/.test(target)) {
          throw invalidArguments('input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]');
        }
        return conversationForRead(target, workspace);
      });
      const threadTs = text(args.thread_ts)?.trim() || undefined;
      if (threadTs && conversations.length === 0) throw invalidArguments('thread_ts needs channel_id');
      const initialComment = text(args.initial_comment);
      if (initialComment !== undefined && initialComment.length > MAX_TEXT) throw new ApiError('msg_too_long');
      const blocks = initialComment ? undefined : json(args.blocks, 'invalid_blocks');
      if (blocks !== undefined && !Array.isArray(blocks)) throw new ApiError('invalid_blocks');

      // Check every file before changing anything.
      const uploads = entries.map(({ id, title }) => {
        const upload = workspace.uploads.get(id);
        // Unknown, already completed, or nothing was sent to its upload URL.
        if (!upload || upload.content === undefined) throw new ApiError('file_not_found');
        // Not documented: the fake's choice for bytes that do not add up to the announced length.
        if (upload.content.length !== upload.length) throw new ApiError('file_update_failed');
        return { upload, title };
      });

      const files = uploads.map(({ upload, title }) => {
        workspace.uploads.delete(upload.fileId);
        const type = fileTypeOf(upload.filename);
        return workspace.storeFile({
          id: upload.fileId,
          name: upload.filename,
          title: title ?? upload.filename,
          ...(upload.snippetType
            ? { filetype: upload.snippetType, mimetype: 'text/plain', prettyType: upload.snippetType, mode: 'snippet' as const }
            : { ...type, mode: 'hosted' as const }),
          user: workspace.bot.userId,
          content: upload.content!,
          ...(initialComment ? { initialComment } : {}),
          ...(upload.altTxt !== undefined ? { altTxt: upload.altTxt } : {}),
        });
      });
      for (const conversation of conversations) {
        for (const file of files) file.channels.push(conversation.id);
        workspace.messages.push({
          channel: conversation.id,
          ts: workspace.nextTs(),
          text: initialComment ?? '',
          ...(blocks ? { blocks: blocks as unknown[] } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          files: files.map((file) => file.id),
          user: workspace.bot.userId,
          bot_id: workspace.bot.botId,
          app_id: workspace.bot.appId,
          team: workspace.team.id,
          postedAt: workspace.now(),
        });
      }
      return { files: files.map((file) => fileObject(file, workspace)) };
    },
  },

  'files.info': {
    perMinute: SLACK_TIERS.tier4,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('files:read');
      const id = text(args.file)?.trim();
      if (!id) throw new ApiError('file_not_found');
      const file = workspace.files.get(id);
      if (!file || !workspace.fileVisibleToApp(file)) throw new ApiError('file_not_found');
      return { file: fileObject(file, workspace) };
    },
  },

  'files.list': {
    perMinute: SLACK_TIERS.tier3,
    handle: ({ args, workspace, requireScope }) => {
      requireScope('files:read');
      const channelArg = text(args.channel)?.trim();
      const channel = channelArg ? workspace.channelKey(channelArg) : undefined;
      const user = text(args.user)?.trim();
      if (user && !workspace.users.has(user) && user !== workspace.bot.userId) throw new ApiError('user_not_found');
      const types = (text(args.types)?.trim() || 'all').split(',').map((type) => type.trim());
      const tests = types.map((type) => FILE_LIST_TYPES[type]);
      if (tests.some((test) => test === undefined)) throw new ApiError('unknown_type');
      const tsFromArg = text(args.ts_from)?.trim();
      const tsToArg = text(args.ts_to)?.trim();
      const tsFrom = tsFromArg ? Number(tsFromArg) : 0;
      const tsTo = tsToArg ? Number(tsToArg) : Number.POSITIVE_INFINITY;
      const countArg = Number(text(args.count) ?? 100);
      const count = Math.min(Math.max(Number.isFinite(countArg) && countArg > 0 ? Math.floor(countArg) : 100, 1), 1000);
      const pageArg = Number(text(args.page) ?? 1);
      const page = Number.isFinite(pageArg) && pageArg >= 1 ? Math.floor(pageArg) : 1;

      const matching = [...workspace.files.values()]
        .filter((file) => workspace.fileVisibleToApp(file))
        .filter((file) => channel === undefined || file.channels.includes(channel))
        .filter((file) => !user || file.user === user)
        .filter((file) => tests.some((test) => test!(file)))
        .filter((file) => file.created >= tsFrom && file.created <= tsTo)
        .sort((a, b) => b.created - a.created || b.seq - a.seq);
      return {
        files: matching.slice((page - 1) * count, page * count).map((file) => fileObject(file, workspace)),
        paging: { count, total: matching.length, page, pages: Math.ceil(matching.length / count) },
      };
    },
  },
};

/** Tier limits by method, as METHODS declares them. */
export function defaultMethodLimits(): Record<string, number> {
  return Object.fromEntries(
    Object.entries(METHODS)
      .filter(([, spec]) => spec.perMinute !== undefined)
      .map(([name, spec]) => [name, spec.perMinute!]),
  );
}
