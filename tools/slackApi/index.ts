// A local Slack Web API: what the official WebClient (@slack/web-api) calls, on real HTTP on
// loopback. Point a client at it with `new WebClient(fake.token, { slackApiUrl: fake.apiUrl })`.
// It answers the methods in methods.ts the way Slack does (HTTP 200 with `ok: false` for API
// errors, 429 + Retry-After for rate limits), records what the app posted, and can be told to
// fail: queued faults for the next matching calls, and Slack's rate limits (on by default).
// See README.md here for what is faithful and what is simplified.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../services/clock.js';
import { Arrivals, FaultQueue, startLoopbackServer } from '../fakeService/index.js';
import { ApiError, defaultMethodLimits, METHODS, type SlackArgs } from './methods.js';
import {
  dmChannelId,
  LOCAL_SLACK_BOT,
  LOCAL_TEAM,
  Workspace,
  type SlackBot,
  type SlackChannelInput,
  type SlackConversation,
  type SlackMessage,
  type SlackTeam,
  type SlackUser,
  type SlackUserInput,
} from './workspace.js';

export * from './workspace.js';
export { ApiError, METHODS, SLACK_TIERS, type MethodSpec, type CallContext } from './methods.js';

/** The token the fake accepts unless told otherwise. */
export const LOCAL_SLACK_TOKEN = 'xoxb-license-desk-local';
/** What the token is granted unless told otherwise: everything the methods here ask for. */
export const DEFAULT_SCOPES = ['chat:write', 'im:write', 'im:history', 'channels:history', 'users:read', 'users:read.email'];

export interface SlackRateLimits {
  /**
   * chat.postMessage per channel, as a token bucket: `perSecond` sustained (Slack: 1) and
   * up to `burst` at once (Slack allows "short bursts"; default 3). `false` turns it off.
   */
  perChannel?: { perSecond?: number; burst?: number } | false;
  /**
   * Requests per minute per method for the workspace, over a sliding minute. Merged over the
   * tiers the methods declare (users.lookupByEmail, conversations.open, conversations.history:
   * Tier 3 = 50; auth.test: 100); `false` takes a method's limit off.
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
  /** Messages the app posted, oldest first; for one conversation (a D/C id, or a user id for their DM) when given. */
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
  /** Forgets messages, requests, counters, faults and rate-limit state; keeps users and channels. */
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
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
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

  const messages = (channel?: string) => {
    const list = channel === undefined ? workspace.messages : workspace.messages.filter((m) => m.channel === workspace.channelKey(channel));
    return list.map((message) => structuredClone(message));
  };

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
