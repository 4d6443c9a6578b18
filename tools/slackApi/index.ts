// A local Slack Web API: what the official WebClient (@slack/web-api) calls, on real HTTP on
// loopback. Point a client at it with `new WebClient(fake.token, { slackApiUrl: fake.apiUrl })`.
// It answers the methods in methods.ts the way Slack does (HTTP 200 with `ok: false` for API
// errors, 429 + Retry-After for rate limits), records what the app posted, and can be told to
// fail: queued faults for the next matching calls, and Slack's rate limits (on by default).
// Beside /api/ it serves what Slack serves elsewhere: response_url endpoints (hooks.slack.com),
// upload URLs (files.slack.com/upload) and private file downloads (files.slack.com/files-pri).
// See README.md here for what is faithful and what is simplified.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../services/clock.js';
import { Arrivals, FaultQueue, startLoopbackServer } from '../fakeService/index.js';
import { ApiError, defaultMethodLimits, fileObject, METHODS, type SlackArgs } from './methods.js';
import {
  dmChannelId,
  fileTypeOf,
  LOCAL_SLACK_BOT,
  LOCAL_TEAM,
  Workspace,
  type SlackBot,
  type SlackChannelInput,
  type SlackConversation,
  type SlackFileInput,
  type SlackFileObject,
  type SlackMessage,
  type SlackTeam,
  type SlackUser,
  type SlackUserGroup,
  type SlackUserGroupInput,
  type SlackUserInput,
  type StoredFile,
} from './workspace.js';

export * from './workspace.js';
export { ApiError, METHODS, SLACK_TIERS, fileObject, type MethodSpec, type CallContext } from './methods.js';

/** The token the fake accepts unless told otherwise. */
export const LOCAL_SLACK_TOKEN = 'xoxb-license-desk-local';
/** What the token is granted unless told otherwise: everything the methods here ask for. */
export const DEFAULT_SCOPES = [
  'chat:write',
  'im:write',
  'im:history',
  'channels:history',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'files:read',
  'files:write',
];

/** A response_url may be used this many times, within RESPONSE_URL_LIFETIME_MS of being issued (Slack's documented limits). */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** What a file download without the right token gets: Slack's sign-in page (HTTP 200, text/html), not an error. */
export const SLACK_LOGIN_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>' +
  '<body><h1>Sign in to your workspace</h1><form action="/signin" method="post"><input type="email" name="email"></form></body></html>';

export interface SlackRateLimits {
  /**
   * chat.postMessage per channel, as a token bucket: `perSecond` sustained (Slack: 1) and
   * up to `burst` at once (Slack allows "short bursts"; default 3). `false` turns it off.
   */
  perChannel?: { perSecond?: number; burst?: number } | false;
  /**
   * Requests per minute per method for the workspace, over a sliding minute. Merged over the
   * tiers the methods declare (usergroups.users.list: Tier 2 = 20; users.lookupByEmail,
   * conversations.open, conversations.history, files.list: Tier 3 = 50; files.info,
   * files.getUploadURLExternal, files.completeUploadExternal: Tier 4 = 100; auth.test: 100);
   * `false` takes a method's limit off.
   */
  perMethod?: Record<string, number | false>;
}

/** Which calls a fault applies to; every field given must match. */
export interface SlackCallMatch {
  method?: string | string[];
  /** The `channel` argument, or the DM it stands for when it is a user id. */
  channel?: string;
}

export type SlackFault =
  /** Answer with this HTTP status (500, 503, …) and `body` (default `{ ok: false, error: … }`); 429/503 may carry Retry-After. */
  | { status: number; retryAfterSeconds?: number; body?: string }
  /** Answer HTTP 200 `{ ok: false, error, ...extra }`, as Slack does for API errors. */
  | { error: string; extra?: Record<string, unknown> }
  /** Answer normally, but only after this long. */
  | { delayMs: number }
  /** Never answer: the request stays open until the client gives up (or close()). */
  | { hang: true };

/** One call, answered or not, in arrival order. */
export interface SlackRequest {
  at: Date;
  method: string;
  /** As received, without the token: form fields are strings (the WebClient sends JSON-valued ones as JSON text). */
  args: SlackArgs;
  /** The conversation it concerns: the `channel` argument, or the DM a user id stands for. */
  channel?: string;
  /** Where the token came from. */
  auth: 'bearer' | 'body' | 'none';
  /** HTTP status answered, or 'hung'. */
  status: number | 'hung';
  ok?: boolean;
  /** The `error` answered, for `ok: false`. */
  error?: string;
}

export interface SlackTally {
  /** Answered `ok: true`. */
  accepted: number;
  /** Answered `ok: false` (HTTP 200), an injected HTTP error, or left hanging. */
  failed: number;
  /** Answered 429 by the rate limits. */
  rateLimited: number;
}

export interface SlackCounters extends SlackTally {
  /** Faults applied (including delays). */
  injected: number;
  byMethod: Record<string, SlackTally>;
  byChannel: Record<string, SlackTally>;
}

/** One accepted POST to a response_url, in arrival order. */
export interface SlackResponsePost {
  url: string;
  /** The JSON body, parsed. */
  body: unknown;
  /** By the fake's clock. */
  at: Date;
}

/** A file in the workspace: uploaded by the app (filesUploadV2) or shared by a person (addFile). */
export interface SlackFileRecord {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  content: Buffer;
  /** The first conversation it was shared in (D…/C…), if any. */
  channel?: string;
  channels: string[];
  initialComment?: string;
  /** The user id that uploaded it: the app's bot user (`bot.userId`) for its own uploads. */
  uploadedBy: string;
  createdAt: Date;
}

export interface SlackFileFilter {
  /** A D…/C… id, or a user id for their DM with the app. */
  channel?: string;
  uploadedBy?: string;
}

export interface SlackApiOptions {
  port?: number;
  /** The bot token accepted (default LOCAL_SLACK_TOKEN); any other answers invalid_auth. */
  token?: string;
  /** Scopes granted to the token (default DEFAULT_SCOPES). */
  scopes?: string[];
  team?: SlackTeam;
  bot?: SlackBot;
  users?: SlackUserInput[];
  channels?: SlackChannelInput[];
  /** Slack's limits by default; `false` for none. */
  rateLimits?: SlackRateLimits | false;
  /** Stamps message ts and `postedAt`; rate limits always use real time. */
  clock?: Clock;
}

export interface SlackApi {
  /** Base URL, no trailing slash. */
  url: string;
  /** `url + '/api/'`: the WebClient's `slackApiUrl`. */
  apiUrl: string;
  token: string;
  team: SlackTeam;
  bot: SlackBot;
  /** Adds a user, or updates the one with that email (e.g. `{ email, deleted: true }` deactivates). */
  addUser(input: SlackUserInput): SlackUser;
  users(): SlackUser[];
  /** Adds a channel (C…) the app can post in. */
  addChannel(input: SlackChannelInput): SlackConversation;
  /** The stable DM channel id (D…) for a user, the one conversations.open answers; it exists once opened (or posted to by user id). */
  dmChannelId(userId: string): string;
  /** Adds a user group (S… id from the handle), or updates the one with that handle. */
  addUserGroup(input: SlackUserGroupInput): SlackUserGroup;
  /** Replaces a group's members; throws for an unknown group. */
  setUserGroupUsers(id: string, userIds: string[]): SlackUserGroup;
  userGroups(): SlackUserGroup[];
  /**
   * A fresh response_url on this server, shaped like Slack's
   * `https://hooks.slack.com/commands/T…/<n>/<secret>` (`actions` for interactive components).
   */
  responseUrl(kind?: 'commands' | 'actions'): string;
  /** Accepted POSTs to response URLs, oldest first; for one URL when given. */
  responses(url?: string): SlackResponsePost[];
  /** Resolves once `count` POSTs were accepted (at `url` when given); rejects after `timeoutMs` (default 5000). */
  waitForResponses(count: number, url?: string, timeoutMs?: number): Promise<SlackResponsePost[]>;
  /**
   * A person shares a file: records their message with `files: [file]` in the conversation
   * (opening the DM if `channel` is theirs) and answers the file object as files.info would.
   */
  addFile(input: SlackFileInput): SlackFileObject;
  /** Files in the workspace, oldest first: the app's uploads and people's files. */
  files(filter?: SlackFileFilter): SlackFileRecord[];
  /** Messages, oldest first (the app's, and people's file shares from addFile); for one conversation (a D/C id, or a user id for their DM) when given. */
  messages(channel?: string): SlackMessage[];
  /** Resolves once the conversation has at least `count` messages; rejects after `timeoutMs`. */
  waitForMessages(channel: string, count: number, timeoutMs?: number): Promise<SlackMessage[]>;
  requests(): SlackRequest[];
  /** Applies `fault` to the next `times` (default 1) calls that match. */
  injectFault(fault: SlackFault, options?: { times?: number; match?: SlackCallMatch }): void;
  clearFaults(): void;
  /** Replaces the limits (merged over Slack's defaults) and forgets past calls; `false` turns them off. */
  setRateLimits(limits: SlackRateLimits | false): void;
  counters(): SlackCounters;
  /** Forgets messages, files, uploads, response URLs and their posts, requests, counters, faults and rate-limit state; keeps users, user groups and channels. */
  reset(): void;
  close(): Promise<void>;
}

interface ResolvedLimits {
  perChannel?: { perSecond: number; burst: number };
  perMethod: Record<string, number>;
}

function resolveLimits(limits: SlackRateLimits | false | undefined): ResolvedLimits | undefined {
  if (limits === false) return undefined;
  const perChannel = limits?.perChannel === false ? undefined : { perSecond: 1, burst: 3, ...(limits?.perChannel ?? {}) };
  const perMethod = defaultMethodLimits();
  for (const [method, limit] of Object.entries(limits?.perMethod ?? {})) {
    if (limit === false) delete perMethod[method];
    else perMethod[method] = limit;
  }
  return { ...(perChannel ? { perChannel } : {}), perMethod };
}

const MINUTE = 60_000;

/** Sliding-minute windows per method and token buckets per channel; real time. */
class RateLimiter {
  private windows = new Map<string, number[]>();
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly limits: ResolvedLimits | undefined) {}

  /** Seconds to wait, or undefined when the call fits (and is then counted). */
  take(method: string, channel: string | undefined): number | undefined {
    if (!this.limits) return undefined;
    const now = Date.now();
    const waits: number[] = [];

    const perMinute = this.limits.perMethod[method];
    const window = (this.windows.get(method) ?? []).filter((at) => now - at < MINUTE);
    this.windows.set(method, window);
    if (perMinute !== undefined && window.length >= perMinute) {
      const frees = window[window.length - perMinute]! + MINUTE;
      waits.push(Math.max(1, Math.ceil((frees - now) / 1000)));
    }

    const perChannel = METHODS[method]?.perChannel && channel !== undefined ? this.limits.perChannel : undefined;
    let bucket: { tokens: number; at: number } | undefined;
    if (perChannel) {
      const previous = this.buckets.get(channel!) ?? { tokens: perChannel.burst, at: now };
      bucket = { tokens: Math.min(perChannel.burst, previous.tokens + ((now - previous.at) / 1000) * perChannel.perSecond), at: now };
      this.buckets.set(channel!, bucket);
      if (bucket.tokens < 1) waits.push(Math.max(1, Math.ceil((1 - bucket.tokens) / perChannel.perSecond)));
    }

    if (waits.length) return Math.max(...waits);
    window.push(now);
    if (bucket) bucket.tokens -= 1;
    return undefined;
  }
}

function matches(match: SlackCallMatch | undefined, method: string, channel: string | undefined, rawChannel: string | undefined): boolean {
  if (!match) return true;
  if (match.channel !== undefined && match.channel !== channel && match.channel !== rawChannel) return false;
  if (match.method !== undefined) {
    const methods = Array.isArray(match.method) ? match.method : [match.method];
    if (!methods.includes(method)) return false;
  }
  return true;
}

/** Arguments from the query string and the body (form-encoded or JSON), and where the token was. */
async function readArgs(req: IncomingMessage, url: URL): Promise<{ args: SlackArgs; bodyToken?: string }> {
  const raw = (await readBody(req)).toString('utf8');
  const args: SlackArgs = Object.fromEntries(url.searchParams);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (raw.trim()) {
    if (type.startsWith('application/json')) {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError('invalid_json');
      // Slack ignores a token in a JSON body: it must come in the Authorization header.
      const { token: _ignored, ...rest } = parsed as SlackArgs;
      Object.assign(args, rest);
    } else {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
    }
  }
  const bodyToken = typeof args.token === 'string' && !type.startsWith('application/json') ? args.token : undefined;
  delete args.token;
  return { args, ...(bodyToken ? { bodyToken } : {}) };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The bytes POSTed to an upload URL: the first file part of a multipart/form-data body (what
 * the WebClient sends: a `FormData` with the Buffer as a Blob), or else the raw body.
 */
async function uploadedBytes(raw: Buffer, contentType: string): Promise<Buffer | undefined> {
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const [, value] of form) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return undefined;
}

function fileRecord(file: StoredFile): SlackFileRecord {
  return {
    id: file.id,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    size: file.content.length,
    content: Buffer.from(file.content),
    ...(file.channels[0] !== undefined ? { channel: file.channels[0] } : {}),
    channels: [...file.channels],
    ...(file.initialComment !== undefined ? { initialComment: file.initialComment } : {}),
    uploadedBy: file.user,
    createdAt: new Date(file.createdAt),
  };
}

const emptyTally = (): SlackTally => ({ accepted: 0, failed: 0, rateLimited: 0 });
const emptyCounters = (): SlackCounters => ({ ...emptyTally(), injected: 0, byMethod: {}, byChannel: {} });

export async function startSlackApi(options: SlackApiOptions = {}): Promise<SlackApi> {
  const token = options.token ?? LOCAL_SLACK_TOKEN;
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const workspace = new Workspace(options.team ?? LOCAL_TEAM, options.bot ?? LOCAL_SLACK_BOT, options.clock);
  for (const user of options.users ?? []) workspace.addUser(user);
  for (const channel of options.channels ?? []) workspace.addChannel(channel);

  let limiter = new RateLimiter(resolveLimits(options.rateLimits));
  let requestLog: SlackRequest[] = [];
  const faults = new FaultQueue<SlackFault, SlackCallMatch>();
  let counters = emptyCounters();
  const arrivals = new Arrivals();
  /** Response URLs issued, by path. */
  let responseUrls = new Map<string, { url: string; issued: Date; uses: number }>();
  let responseLog: SlackResponsePost[] = [];
  let responseUrlCount = 0;

  function tally(method: string, channel: string | undefined, outcome: keyof SlackTally): void {
    counters[outcome] += 1;
    (counters.byMethod[method] ??= emptyTally())[outcome] += 1;
    if (channel !== undefined) (counters.byChannel[channel] ??= emptyTally())[outcome] += 1;
  }

  function takeFault(method: string, channel: string | undefined, rawChannel: string | undefined): SlackFault | undefined {
    const fault = faults.take((match) => matches(match, method, channel, rawChannel));
    if (fault) counters.injected += 1;
    return fault;
  }

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body);
  }

  function sendText(res: ServerResponse, status: number, body: string | Buffer, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  }

  /** A POST to a response_url: JSON in, `ok` out; at most 5 uses within 30 minutes. */
  async function handleResponseUrl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST') return sendText(res, 405, 'method_not_allowed');
    const entry = responseUrls.get(path);
    if (!entry) return sendText(res, 404, 'invalid_token');
    if (workspace.now().getTime() - entry.issued.getTime() > RESPONSE_URL_LIFETIME_MS) return sendText(res, 404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_MAX_USES) return sendText(res, 404, 'used_url');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendText(res, 400, 'invalid_payload');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendText(res, 400, 'invalid_payload');
    entry.uses += 1;
    responseLog.push({ url: entry.url, body, at: workspace.now() });
    sendText(res, 200, 'ok');
    arrivals.announce();
  }

  /** The bytes of a files.getUploadURLExternal upload: `OK - <bytes>`, as Slack answers. */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, ticket: string): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST') return sendText(res, 405, 'method_not_allowed');
    const upload = workspace.uploadByTicket(ticket);
    if (!upload) return sendText(res, 404, 'file_not_found');
    let bytes: Buffer | undefined;
    try {
      bytes = await uploadedBytes(raw, req.headers['content-type'] ?? '');
    } catch {
      bytes = undefined;
    }
    if (bytes === undefined) return sendText(res, 400, 'invalid_form_data');
    upload.content = bytes;
    sendText(res, 200, `OK - ${bytes.length}`);
  }

  /** url_private(_download): the bytes for the bot token (with files:read); Slack's sign-in page for anyone else. */
  function handleDownload(req: IncomingMessage, res: ServerResponse, fileId: string, download: boolean): void {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method_not_allowed');
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== token || !scopes.includes('files:read')) return sendText(res, 200, SLACK_LOGIN_PAGE, 'text/html; charset=utf-8');
    const file = workspace.files.get(fileId);
    if (!file || !workspace.fileVisibleToApp(file)) return sendText(res, 404, SLACK_LOGIN_PAGE, 'text/html; charset=utf-8');
    const disposition: Record<string, string> = download ? { 'content-disposition': `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"` } : {};
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': String(file.content.length), ...disposition });
      return void res.end();
    }
    sendText(res, 200, file.content, file.mimetype, disposition);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (/^\/(commands|actions)\//.test(url.pathname)) return handleResponseUrl(req, res, url.pathname);
    const upload = /^\/upload\/v1\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (upload) return handleUpload(req, res, upload[1]!);
    const download = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\/(download\/)?[^/]+$/.exec(url.pathname);
    if (download) return handleDownload(req, res, download[1]!, download[2] !== undefined);
    const route = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!route) {
      req.resume();
      return send(res, 404, JSON.stringify({ ok: false, error: 'not_found' }));
    }
    const method = route[1]!;
    const log: SlackRequest = { at: workspace.now(), method, args: {}, auth: 'none', status: 0 };
    requestLog.push(log);

    let args: SlackArgs;
    let bodyToken: string | undefined;
    try {
      ({ args, bodyToken } = await readArgs(req, url));
    } catch (error) {
      const json = (req.headers['content-type'] ?? '').startsWith('application/json');
      const code = error instanceof ApiError ? error.error : json ? 'invalid_json' : 'invalid_form_data';
      Object.assign(log, { status: 200, ok: false, error: code });
      tally(method, undefined, 'failed');
      return send(res, 200, JSON.stringify({ ok: false, error: code }));
    }
    log.args = args;
    const rawChannel = typeof args.channel === 'string' ? args.channel : undefined;
    const channel = rawChannel !== undefined ? workspace.channelKey(rawChannel) : undefined;
    if (channel !== undefined) log.channel = channel;

    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    log.auth = bearer ? 'bearer' : bodyToken ? 'body' : 'none';
    const presented = bearer ?? bodyToken;

    const answer = (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      log.status = 200;
      log.ok = body.ok === true;
      if (typeof body.error === 'string') log.error = body.error;
      tally(method, channel, log.ok ? 'accepted' : 'failed');
      send(res, 200, JSON.stringify(body), { 'x-oauth-scopes': scopes.join(','), ...headers });
    };
    const apiError = (error: ApiError) => answer({ ok: false, error: error.error, ...error.extra });

    const fault = takeFault(method, channel, rawChannel);
    if (fault && 'hang' in fault) {
      log.status = 'hung';
      tally(method, channel, 'failed');
      server.hang(res);
      return;
    }
    if (fault && 'status' in fault) {
      log.status = fault.status;
      log.ok = false;
      const error = fault.status === 429 ? 'ratelimited' : fault.status === 503 ? 'service_unavailable' : 'internal_error';
      log.error = error;
      tally(method, channel, 'failed');
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      return send(res, fault.status, fault.body ?? JSON.stringify({ ok: false, error }), headers);
    }
    if (fault && 'error' in fault) return apiError(new ApiError(fault.error, fault.extra));
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));

    if (!presented) return apiError(new ApiError('not_authed'));
    if (presented !== token) return apiError(new ApiError('invalid_auth'));
    const spec = METHODS[method];
    if (!spec) return apiError(new ApiError('unknown_method', { req_method: method }));

    const wait = limiter.take(method, channel);
    if (wait !== undefined) {
      log.status = 429;
      log.ok = false;
      log.error = 'ratelimited';
      tally(method, channel, 'rateLimited');
      return send(res, 429, JSON.stringify({ ok: false, error: 'ratelimited' }), { 'retry-after': String(wait) });
    }

    try {
      const before = workspace.messages.length;
      const result = spec.handle({
        args,
        workspace,
        requireScope(scope) {
          if (!scopes.includes(scope)) throw new ApiError('missing_scope', { needed: scope, provided: scopes.join(',') });
        },
      });
      answer({ ok: true, ...result });
      if (workspace.messages.length !== before) arrivals.announce();
    } catch (error) {
      if (error instanceof ApiError) return apiError(error);
      answer({ ok: false, error: 'internal_error' });
    }
  }

  const server = await startLoopbackServer(handle, (res) => send(res, 500, JSON.stringify({ ok: false, error: 'internal_error' })), options.port);
  const { url } = server;
  workspace.serverUrl = url;

  const messages = (channel?: string) => {
    const list = channel === undefined ? workspace.messages : workspace.messages.filter((m) => m.channel === workspace.channelKey(channel));
    return list.map((message) => structuredClone(message));
  };

  const responses = (only?: string) => responseLog.filter((post) => only === undefined || post.url === only).map((post) => structuredClone(post));

  function addFile(input: SlackFileInput): SlackFileObject {
    const user = workspace.users.get(input.user);
    if (!user) throw new Error(`Slack API fake: addFile: no user ${input.user}; add them with addUser first.`);
    const key = workspace.channelKey(input.channel);
    let conversation = workspace.conversations.get(key);
    if (!conversation && key === dmChannelId(user.id)) conversation = workspace.openDm(user.id).conversation;
    if (!conversation) throw new Error(`Slack API fake: addFile: no conversation ${input.channel} (add a channel, or use the user's own DM).`);
    if (conversation.kind === 'im' && conversation.user !== user.id) {
      throw new Error(`Slack API fake: addFile: ${input.channel} is another user's DM with the app.`);
    }
    const type = fileTypeOf(input.name);
    const file = workspace.storeFile({
      name: input.name,
      title: input.title ?? input.name,
      filetype: input.filetype ?? type.filetype,
      mimetype: input.mimetype ?? type.mimetype,
      prettyType: input.filetype && input.filetype !== type.filetype ? input.filetype.toUpperCase() : type.prettyType,
      mode: 'hosted',
      user: user.id,
      content: Buffer.from(input.content),
      ...(input.initialComment !== undefined ? { initialComment: input.initialComment } : {}),
    });
    file.channels.push(conversation.id);
    workspace.messages.push({
      channel: conversation.id,
      ts: workspace.nextTs(),
      text: input.initialComment ?? '',
      files: [file.id],
      user: user.id,
      team: workspace.team.id,
      postedAt: workspace.now(),
    });
    arrivals.announce();
    return fileObject(file, workspace);
  }

  return {
    url,
    apiUrl: `${url}/api/`,
    token,
    team: { ...workspace.team },
    bot: { ...workspace.bot },
    addUser: (input) => workspace.addUser(input),
    users: () => [...workspace.users.values()].map((user) => structuredClone(user)),
    addChannel: (input) => workspace.addChannel(input),
    dmChannelId,
    addUserGroup: (input) => workspace.addUserGroup(input),
    setUserGroupUsers: (id, userIds) => workspace.setUserGroupUsers(id, userIds),
    userGroups: () => [...workspace.userGroups.values()].map((group) => structuredClone(group)),
    responseUrl(kind = 'commands') {
      responseUrlCount += 1;
      const path = `/${kind}/${workspace.team.id}/${1_000_000_000_000 + responseUrlCount}/${randomBytes(18).toString('base64url')}`;
      const issued = `${url}${path}`;
      responseUrls.set(path, { url: issued, issued: workspace.now(), uses: 0 });
      return issued;
    },
    responses,
    waitForResponses: (count, only, timeoutMs = 5000) =>
      arrivals.waitFor(
        () => responses(only),
        count,
        timeoutMs,
        (found) => `Slack API: expected ${count} POSTs to ${only ?? 'response URLs'} within ${timeoutMs} ms, got ${found.length}.`,
      ),
    addFile,
    files: (filter = {}) => {
      const channel = filter.channel !== undefined ? workspace.channelKey(filter.channel) : undefined;
      return [...workspace.files.values()]
        .filter((file) => channel === undefined || file.channels.includes(channel))
        .filter((file) => filter.uploadedBy === undefined || file.user === filter.uploadedBy)
        .sort((a, b) => a.seq - b.seq)
        .map(fileRecord);
    },
    messages,
    waitForMessages: (channel, count, timeoutMs = 5000) =>
      arrivals.waitFor(
        () => messages(channel),
        count,
        timeoutMs,
        (found) => `Slack API: expected ${count} messages in ${channel} within ${timeoutMs} ms, got ${found.length}.`,
      ),
    requests: () => requestLog.map((entry) => structuredClone(entry)),
    injectFault: (fault, options) => faults.add(fault, options),
    clearFaults: () => faults.clear(),
    setRateLimits(limits) {
      limiter = new RateLimiter(resolveLimits(limits));
    },
    counters: () => structuredClone(counters),
    reset() {
      workspace.messages = [];
      workspace.files = new Map();
      workspace.uploads = new Map();
      responseUrls = new Map();
      responseLog = [];
      requestLog = [];
      faults.clear();
      counters = emptyCounters();
      limiter = new RateLimiter(limiter.limits);
    },
    async close() {
      arrivals.clear();
      await server.close();
    },
  };
}
