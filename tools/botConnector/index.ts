// A local Bot Framework Connector service: what a bot calls back at `activity.serviceUrl`.
// Real HTTP on loopback, speaking the REST API v3 as botbuilder's ConnectorClient and
// TeamsInfo call it (see README.md here for the routes). It records what the bot sends,
// answers member look-ups from a registry, and can be told to fail: queued faults for the
// next matching requests, rate limits that answer 429 with Retry-After, a required token.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity, ConversationParameters, TeamsChannelAccount } from 'botbuilder';
import type { Clock } from '../../services/clock.js';
import { Arrivals, FaultQueue, nameFromEmail, startLoopbackServer } from '../fakeService/index.js';
import { aadObjectIdFor, LOCAL_TENANT_ID, personalConversationId, teamsUserId } from './teamsIds.js';

export * from './teamsIds.js';

/** The ConnectorClient method each route serves. */
export type ConnectorOperation =
  | 'createConversation'
  | 'sendToConversation'
  | 'replyToActivity'
  | 'updateActivity'
  | 'deleteActivity'
  | 'getConversationMembers'
  | 'getConversationPagedMembers'
  | 'getConversationMember';

/** A Teams member as TeamsInfo.getMember returns it. */
export interface TeamsMember extends TeamsChannelAccount {
  id: string;
  name: string;
  aadObjectId: string;
  email: string;
  userPrincipalName: string;
  tenantId: string;
  userRole: string;
}

/** Only the email is needed; everything else is derived from it (see teamsIds.ts). */
export type TeamsMemberInput = Partial<TeamsMember> & { email: string };

/** One call the bot made that changed a conversation, in the order they arrived. */
export interface ConnectorActivity {
  operation: 'sendToConversation' | 'replyToActivity' | 'updateActivity' | 'deleteActivity';
  conversationId: string;
  activityId: string;
  /** For a reply: the activity replied to (from the URL). */
  replyToId?: string;
  /** The activity as posted (absent for a delete). */
  activity?: Partial<Activity>;
  receivedAt: Date;
  /** Whether the request carried an Authorization header. */
  authorization: boolean;
}

/** Every request, answered or not. */
export interface ConnectorRequest {
  at: Date;
  method: string;
  path: string;
  operation?: ConnectorOperation;
  conversationId?: string;
  /** The status answered, or 'hung' for a request left unanswered on purpose. */
  status: number | 'hung';
  authorization: boolean;
}

/** Which requests a fault applies to; every field given must match. */
export interface RequestMatch {
  operation?: ConnectorOperation | ConnectorOperation[];
  conversationId?: string;
}

export type ConnectorFault =
  /** Answer with this status and the service's error body; 429 and 503 may carry Retry-After. */
  | { status: number; code?: string; message?: string; retryAfterSeconds?: number }
  /** Answer normally, but only after this long. */
  | { delayMs: number }
  /** Never answer: the request stays open until the client gives up (or close()). */
  | { hang: true };

export interface RateLimits {
  /** Requests per second accepted for one conversation. */
  perConversation?: number;
  /** Requests per second accepted in total. */
  global?: number;
}

export interface ConnectorCounters {
  /** Answered with 2xx. */
  accepted: number;
  /** Answered otherwise, or left unanswered by a `hang` fault. */
  rejected: number;
  /** Of the rejected: 429 from the rate limits. */
  rateLimited: number;
  /** Faults applied (including delays). */
  injected: number;
  byConversation: Record<string, { accepted: number; rejected: number }>;
}

export interface BotConnectorOptions {
  port?: number;
  /** Members known from the start. */
  members?: TeamsMemberInput[];
  rateLimits?: RateLimits;
  /** Require `Authorization: Bearer …`: `true` for any token, a string for exactly that one. */
  requireToken?: boolean | string;
  /** Stamps `receivedAt`; rate limits always use real time. */
  clock?: Clock;
}

export type ActivityListener = (entry: ConnectorActivity) => void;

export interface BotConnector {
  /** Base URL, no trailing slash: use it (or it plus '/') as `serviceUrl`. */
  url: string;
  /** Registers a member (and their personal conversation with the bot); returns it whole. */
  addMember(member: TeamsMemberInput): TeamsMember;
  members(): TeamsMember[];
  /** The personal conversation id of a member, the one createConversation answers for them. */
  personalConversationId(memberId: string): string;
  /** What the bot sent, in order; for one conversation when given. */
  activities(conversationId?: string): ConnectorActivity[];
  /** Resolves once the conversation has at least `count` activities; rejects after `timeoutMs`. */
  waitForActivities(conversationId: string, count: number, timeoutMs?: number): Promise<ConnectorActivity[]>;
  /** Called for every recorded activity; returns a function that unsubscribes. */
  onActivity(listener: ActivityListener): () => void;
  requests(): ConnectorRequest[];
  /** Applies `fault` to the next `times` (default 1) requests that match. */
  injectFault(fault: ConnectorFault, options?: { times?: number; match?: RequestMatch }): void;
  clearFaults(): void;
  setRateLimits(limits: RateLimits | undefined): void;
  counters(): ConnectorCounters;
  /** Forgets activities, requests, counters and faults; keeps members. */
  reset(): void;
  close(): Promise<void>;
}

/** Default error codes and messages, from Microsoft's table of Teams bot API status codes. */
const SERVICE_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'BadArgument', message: 'Invalid request payload.' },
  401: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
  403: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' },
  404: { code: 'ConversationNotFound', message: 'Conversation not found.' },
  412: { code: 'PreconditionFailed', message: 'Precondition failed, please try again.' },
  413: { code: 'MessageSizeTooBig', message: 'Message size too large.' },
  429: { code: 'Throttled', message: 'Too many requests.' },
  500: { code: 'ServiceError', message: 'Internal server error.' },
  502: { code: 'ServiceError', message: 'Service dependency issue.' },
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function failure(status: number, code?: string, message?: string, retryAfterSeconds?: number): HttpFailure {
  const known = SERVICE_ERRORS[status];
  return new HttpFailure(status, code ?? known?.code ?? 'ServiceError', message ?? known?.message ?? `HTTP ${status}`, retryAfterSeconds);
}

interface Route {
  operation: ConnectorOperation;
  conversationId?: string;
  activityId?: string;
  memberId?: string;
}

/** Maps a request to the ConnectorClient operation it serves; ids arrive URL-encoded. */
function route(method: string, pathname: string): Route | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
  if (segments[0] !== 'v3' || segments[1] !== 'conversations') return undefined;
  const [, , conversationId, collection, id, extra] = segments;
  if (conversationId === undefined) return method === 'POST' ? { operation: 'createConversation' } : undefined;
  if (extra !== undefined) return undefined;
  if (collection === 'activities') {
    if (id === undefined) return method === 'POST' ? { operation: 'sendToConversation', conversationId } : undefined;
    if (id === 'history') return undefined;
    const byMethod: Record<string, ConnectorOperation> = { POST: 'replyToActivity', PUT: 'updateActivity', DELETE: 'deleteActivity' };
    const operation = byMethod[method];
    return operation ? { operation, conversationId, activityId: id } : undefined;
  }
  if (method !== 'GET') return undefined;
  if (collection === 'members') {
    return id === undefined ? { operation: 'getConversationMembers', conversationId } : { operation: 'getConversationMember', conversationId, memberId: id };
  }
  if (collection === 'pagedmembers' && id === undefined) return { operation: 'getConversationPagedMembers', conversationId };
  return undefined;
}

function matches(match: RequestMatch | undefined, found: Route): boolean {
  if (!match) return true;
  if (match.conversationId !== undefined && match.conversationId !== found.conversationId) return false;
  if (match.operation !== undefined) {
    const operations = Array.isArray(match.operation) ? match.operation : [match.operation];
    if (!operations.includes(found.operation)) return false;
  }
  return true;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw failure(400, 'BadArgument', 'The request body is not valid JSON.');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function completeMember(input: TeamsMemberInput): TeamsMember {
  const email = input.email.trim();
  return {
    ...input,
    id: input.id ?? teamsUserId(email),
    name: input.name ?? nameFromEmail(email),
    aadObjectId: input.aadObjectId ?? aadObjectIdFor(email),
    email,
    userPrincipalName: input.userPrincipalName ?? email,
    tenantId: input.tenantId ?? LOCAL_TENANT_ID,
    userRole: input.userRole ?? 'user',
  };
}

const PAGE_SIZE = 200;

export async function startBotConnector(options: BotConnectorOptions = {}): Promise<BotConnector> {
  const now = () => (options.clock ? options.clock.now() : new Date());
  const members = new Map<string, TeamsMember>();
  /** Conversation id → member ids, for conversations the registry knows. */
  const rosters = new Map<string, string[]>();
  let recorded: ConnectorActivity[] = [];
  let requestLog: ConnectorRequest[] = [];
  const faults = new FaultQueue<ConnectorFault, RequestMatch>();
  let rateLimits = options.rateLimits;
  let accepted: { at: number; conversationId?: string }[] = [];
  let counters: ConnectorCounters = { accepted: 0, rejected: 0, rateLimited: 0, injected: 0, byConversation: {} };
  const arrivals = new Arrivals<ConnectorActivity>();
  // Teams activity ids are epoch milliseconds; a counter keeps them unique.
  const firstActivity = Date.now();
  let nextActivity = 0;
  const activityId = () => String(firstActivity + nextActivity++);

  function addMember(input: TeamsMemberInput): TeamsMember {
    const member = completeMember(input);
    members.set(member.id, member);
    rosters.set(personalConversationId(member.id), [member.id]);
    return member;
  }
  for (const member of options.members ?? []) addMember(member);

  function findMember(key: string): TeamsMember | undefined {
    const wanted = key.toLowerCase();
    // Teams looks a member up by user id, Entra object id or user principal name.
    return (
      members.get(key) ??
      [...members.values()].find(
        (m) => m.aadObjectId.toLowerCase() === wanted || m.userPrincipalName.toLowerCase() === wanted || m.email.toLowerCase() === wanted,
      )
    );
  }

  function membersOf(conversationId: string): TeamsMember[] {
    const roster = rosters.get(conversationId);
    // A conversation the registry does not know counts as one that everybody is in.
    if (!roster) return [...members.values()];
    return roster.map((id) => members.get(id)).filter((m): m is TeamsMember => m !== undefined);
  }

  function record(entry: ConnectorActivity): void {
    recorded.push(entry);
    arrivals.announce(entry);
  }

  function count(conversationId: string | undefined, ok: boolean): void {
    if (ok) counters.accepted += 1;
    else counters.rejected += 1;
    if (conversationId === undefined) return;
    const entry = (counters.byConversation[conversationId] ??= { accepted: 0, rejected: 0 });
    if (ok) entry.accepted += 1;
    else entry.rejected += 1;
  }

  /** Seconds until a request would fit, or undefined when it fits now. */
  function throttle(conversationId: string | undefined): number | undefined {
    if (!rateLimits) return undefined;
    const at = Date.now();
    accepted = accepted.filter((entry) => at - entry.at < 1000);
    const waits: number[] = [];
    const check = (limit: number | undefined, window: typeof accepted) => {
      if (limit === undefined || window.length < limit) return;
      const oldest = window[window.length - limit]!;
      waits.push(Math.max(1, Math.ceil((oldest.at + 1000 - at) / 1000)));
    };
    check(rateLimits.global, accepted);
    if (conversationId !== undefined) check(rateLimits.perConversation, accepted.filter((entry) => entry.conversationId === conversationId));
    return waits.length ? Math.max(...waits) : undefined;
  }

  function takeFault(found: Route): ConnectorFault | undefined {
    const fault = faults.take((match) => matches(match, found));
    if (fault) counters.injected += 1;
    return fault;
  }

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (!options.requireToken) return true;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return false;
    return options.requireToken === true || match[1] === options.requireToken;
  }

  async function serve(req: IncomingMessage, found: Route): Promise<{ status: number; body?: unknown }> {
    const { operation, conversationId } = found;
    const authorization = req.headers.authorization !== undefined;
    switch (operation) {
      case 'sendToConversation':
      case 'replyToActivity': {
        const activity = await readJson(req);
        if (!isObject(activity)) throw failure(400, 'BadArgument', 'The activity is missing.');
        const id = activityId();
        record({
          operation,
          conversationId: conversationId!,
          activityId: id,
          ...(found.activityId !== undefined ? { replyToId: found.activityId } : {}),
          activity: { ...activity, id } as Partial<Activity>,
          receivedAt: now(),
          authorization,
        });
        return { status: 201, body: { id } };
      }
      case 'updateActivity':
      case 'deleteActivity': {
        const known = recorded.some((entry) => entry.conversationId === conversationId && entry.activityId === found.activityId);
        const body = operation === 'updateActivity' ? await readJson(req) : undefined;
        if (!known) throw failure(404, 'ActivityNotFoundInConversation', 'Conversation not found.');
        if (operation === 'updateActivity' && !isObject(body)) throw failure(400, 'BadArgument', 'The activity is missing.');
        record({
          operation,
          conversationId: conversationId!,
          activityId: found.activityId!,
          ...(isObject(body) ? { activity: { ...body, id: found.activityId } as Partial<Activity> } : {}),
          receivedAt: now(),
          authorization,
        });
        return operation === 'updateActivity' ? { status: 200, body: { id: found.activityId } } : { status: 200 };
      }
      case 'getConversationMember': {
        const member = findMember(found.memberId!);
        if (!member || !membersOf(conversationId!).includes(member)) {
          throw failure(404, 'MemberNotFoundInConversation', 'The member could not be found in the conversation.');
        }
        return { status: 200, body: member };
      }
      case 'getConversationMembers':
        // The deprecated list carries the Entra id as `objectId` (TeamsInfo copies it over).
        return { status: 200, body: membersOf(conversationId!).map((m) => ({ ...m, objectId: m.aadObjectId })) };
      case 'getConversationPagedMembers': {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const size = Math.min(Math.max(Number(url.searchParams.get('pageSize')) || PAGE_SIZE, 1), 500);
        const start = Number(url.searchParams.get('continuationToken') ?? 0) || 0;
        const all = membersOf(conversationId!);
        const page = all.slice(start, start + size);
        return { status: 200, body: { members: page, ...(start + size < all.length ? { continuationToken: String(start + size) } : {}) } };
      }
      case 'createConversation': {
        const parameters = (await readJson(req)) as ConversationParameters | undefined;
        if (!isObject(parameters) || !Array.isArray(parameters.members) || parameters.members.length === 0) {
          throw failure(400, 'BadArgument', 'Conversation parameters must name at least one member.');
        }
        const invited = parameters.members.map((m) => (typeof m?.id === 'string' ? findMember(m.id) : undefined));
        if (invited.some((m) => m === undefined)) {
          // Teams refuses to open a chat with someone who has not got the app.
          throw failure(403, 'ForbiddenOperationException', "Bot isn't installed in user's personal scope");
        }
        const people = invited as TeamsMember[];
        let id: string;
        if (!parameters.isGroup && people.length === 1) {
          id = personalConversationId(people[0]!.id);
        } else {
          id = `19:${randomUUID().replaceAll('-', '')}@thread.v2`;
          rosters.set(id, people.map((m) => m.id));
        }
        const body: Record<string, string> = { id };
        if (isObject(parameters.activity)) {
          const first = activityId();
          record({
            operation: 'sendToConversation',
            conversationId: id,
            activityId: first,
            activity: { ...(parameters.activity as object), id: first } as Partial<Activity>,
            receivedAt: now(),
            authorization,
          });
          body.activityId = first;
        }
        return { status: 201, body };
      }
    }
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const found = route(method, path);
    const authorization = req.headers.authorization !== undefined;
    const log: ConnectorRequest = { at: now(), method, path, status: 0, authorization };
    requestLog.push(log);
    const answer = (status: number, body?: unknown, headers?: Record<string, string>) => {
      log.status = status;
      count(found?.conversationId, status >= 200 && status < 300);
      send(res, status, body, headers);
    };
    const fail = (error: HttpFailure) => {
      const headers: Record<string, string> = error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {};
      const body = error.status === 503 || error.status === 504 ? undefined : { error: { code: error.code, message: error.message } };
      answer(error.status, body, headers);
    };

    if (!found) {
      req.resume();
      return fail(failure(404, 'NotFound', `No route for ${method} ${path}.`));
    }
    log.operation = found.operation;
    if (found.conversationId !== undefined) log.conversationId = found.conversationId;
    if (!authorized(req)) {
      req.resume();
      return fail(failure(401));
    }

    const fault = takeFault(found);
    if (fault && 'hang' in fault) {
      log.status = 'hung';
      count(found.conversationId, false);
      req.resume();
      server.hang(res);
      return;
    }
    if (fault && 'status' in fault) {
      req.resume();
      return fail(failure(fault.status, fault.code, fault.message, fault.retryAfterSeconds));
    }
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));

    const wait = throttle(found.conversationId);
    if (wait !== undefined) {
      req.resume();
      counters.rateLimited += 1;
      return fail(failure(429, undefined, undefined, wait));
    }
    try {
      const result = await serve(req, found);
      accepted.push({ at: Date.now(), ...(found.conversationId !== undefined ? { conversationId: found.conversationId } : {}) });
      answer(result.status, result.body);
    } catch (error) {
      if (error instanceof HttpFailure) return fail(error);
      fail(failure(500, 'ServiceError', (error as Error).message));
    }
  }

  const server = await startLoopbackServer(
    handle,
    (res) => send(res, 500, { error: { code: 'ServiceError', message: 'Internal server error.' } }),
    options.port,
  );
  const { url } = server;

  const activities = (conversationId?: string) =>
    conversationId === undefined ? [...recorded] : recorded.filter((entry) => entry.conversationId === conversationId);

  return {
    url,
    addMember,
    members: () => [...members.values()],
    personalConversationId,
    activities,
    waitForActivities(conversationId, wanted, timeoutMs = 5000) {
      return arrivals.waitFor(() => activities(conversationId), wanted, timeoutMs, (found) => {
        const seen = found.map((entry) => `${entry.operation} ${entry.activity?.type ?? ''}`.trim()).join(', ');
        return (
          `Bot Connector: expected ${wanted} activities in conversation ${conversationId} within ${timeoutMs} ms, got ${found.length}` +
          (seen ? ` (${seen})` : '') +
          '.'
        );
      });
    },
    onActivity: (listener) => arrivals.subscribe(listener),
    requests: () => requestLog.map((entry) => ({ ...entry })),
    injectFault: (fault, options) => faults.add(fault, options),
    clearFaults: () => faults.clear(),
    setRateLimits(limits) {
      rateLimits = limits;
      accepted = [];
    },
    counters: () => structuredClone(counters),
    reset() {
      recorded = [];
      requestLog = [];
      faults.clear();
      accepted = [];
      counters = { accepted: 0, rejected: 0, rateLimited: 0, injected: 0, byConversation: {} };
    },
    async close() {
      arrivals.clear();
      await server.close();
    },
  };
}
