// Every request the bot makes to the Bot Connector goes out through this client: it waits
// for room under Teams' published rate limits (per conversation, and per app per tenant),
// says when it is about to leave, tells the limiter when the answer came (a late answer may
// mean a late arrival), and gives up on an answer that does not come. Given to the adapter
// as its `httpClient`, so replies, roster lookups, notices and the SDK's own retries are all counted.
import { toHttpHeadersLike, type CompatResponse, type RequestPolicy, type WebResourceLike } from '@azure/core-http-compat';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RateLimit, RateLimiter, RateWindow } from '../../services/notifications/rateLimit.js';

/**
 * Set around a send whose caller must know when it goes on the wire (a notice, marked
 * "sending" only then): called after the rate-limit wait, before each request leaves.
 */
export const beforeDispatch = new AsyncLocalStorage<() => Promise<void>>();

/** learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit */
export const TEAMS_RATE_LIMITS: { perConversation: readonly RateWindow[]; perApp: readonly RateWindow[] } = {
  perConversation: [
    { count: 7, perMs: 1_000 },
    { count: 8, perMs: 2_000 },
    { count: 60, perMs: 30_000 },
    { count: 1_800, perMs: 3_600_000 },
  ],
  perApp: [{ count: 50, perMs: 1_000 }],
};

export interface ConnectorHttpOptions {
  limiter: RateLimiter;
  limits?: typeof TEAMS_RATE_LIMITS;
  /** How long to wait for an answer before giving the request up as timed out. */
  timeoutMs?: number;
}

const CONVERSATION_PATH = /\/v3\/conversations\/([^/?]+)/;

function limitsFor(url: string, limits: typeof TEAMS_RATE_LIMITS): RateLimit[] {
  const conversation = CONVERSATION_PATH.exec(new URL(url).pathname)?.[1];
  return [
    { key: 'teams', windows: limits.perApp },
    ...(conversation ? [{ key: `teams:${decodeURIComponent(conversation)}`, windows: limits.perConversation }] : []),
  ];
}

/** A network failure, with the `code` the SDK's retry policy looks for (ETIMEDOUT, ECONNRESET...). */
function networkError(error: unknown, timeoutMs: number): Error {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return Object.assign(new Error(`no answer from the Bot Connector within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
  }
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`could not reach the Bot Connector: ${typeof code === 'string' ? code : message}`), {
    code: typeof code === 'string' ? code : 'ECONNRESET',
  });
}

export function connectorHttpClient(options: ConnectorHttpOptions): RequestPolicy {
  const limits = options.limits ?? TEAMS_RATE_LIMITS;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async sendRequest(request: WebResourceLike): Promise<CompatResponse> {
      const dispatching = beforeDispatch.getStore();
      const slot = limitsFor(request.url, limits);
      const start = await (dispatching ? options.limiter.acquireThen(slot, dispatching) : options.limiter.acquire(slot));
      let response: Response;
      let bodyAsText: string;
      try {
        try {
          response = await fetch(request.url, {
            method: request.method,
            headers: request.headers.rawHeaders(),
            ...(typeof request.body === 'string' ? { body: request.body } : {}),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } finally {
          // By now the Bot Connector has counted it, however late it got there.
          options.limiter.answered(start);
        }
        bodyAsText = await response.text();
      } catch (error) {
        throw networkError(error, timeoutMs);
      }
      return {
        request,
        status: response.status,
        headers: toHttpHeadersLike(createHttpHeaders(Object.fromEntries(response.headers))),
        bodyAsText,
      };
    },
  };
}
