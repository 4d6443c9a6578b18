// The Coursera for Business (Enterprise) API: a client-credentials token, cached and
// refreshed; program invitations and removals; learning activity from the enrollment
// reports, page by page. 429 waits for Retry-After; 5xx and network failures back off
// exponentially with jitter; a bounded number of attempts, then a CourseraError.
// Only the secret-free parts of a request ever appear in errors.

export interface CourseraConfig {
  clientId: string;
  clientSecret: string;
  orgId: string;
  programId: string;
  /** e.g. https://api.coursera.com/ent */
  apiUrl: string;
  /** e.g. https://api.coursera.com/oauth2/client_credentials/token */
  tokenUrl: string;
}

/** What License Desk needs from Coursera; tests and the simulator can stand in for it. */
export interface CourseraClient {
  inviteLearner(learner: { email: string; fullName?: string }): Promise<void>;
  removeLearner(learner: { email: string }): Promise<void>;
  /** Each learner's latest activity in the program, by email (lower-cased). */
  latestActivity(): Promise<Map<string, Date>>;
}

export class CourseraError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CourseraError';
  }
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 60_000 };
const PAGE_SIZE = 1000;
/** Refresh a token this long before Coursera says it expires. */
const TOKEN_MARGIN_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

interface Page<T> {
  elements?: T[];
  paging?: { next?: number | string; total?: number };
}

interface EnrollmentReport {
  externalId?: string;
  email?: string;
  lastActivity?: number;
  lastActivityAt?: number;
}

export class CourseraApi implements CourseraClient {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly config: CourseraConfig,
    private readonly options: {
      retry?: RetryPolicy;
      sleep?: (ms: number) => Promise<void>;
      now?: () => number;
      fetch?: typeof fetch;
    } = {},
  ) {}

  async inviteLearner({ email, fullName }: { email: string; fullName?: string }): Promise<void> {
    await this.call('POST', this.programPath('/invitations'), { email, fullName: fullName ?? email, externalId: email, sendEmail: true }, [409]);
  }

  async removeLearner({ email }: { email: string }): Promise<void> {
    await this.call('DELETE', this.programPath(`/memberships/${encodeURIComponent(email)}`), undefined, [404]);
  }

  async latestActivity(): Promise<Map<string, Date>> {
    const latest = new Map<string, Date>();
    for await (const report of this.pages<EnrollmentReport>(`${this.orgPath('/enrollmentReports')}?q=byProgramId&programId=${encodeURIComponent(this.config.programId)}`)) {
      const email = (report.email ?? report.externalId ?? '').trim().toLowerCase();
      const millis = report.lastActivityAt ?? report.lastActivity;
      if (!email.includes('@') || typeof millis !== 'number' || !Number.isFinite(millis)) continue;
      const at = new Date(millis);
      const known = latest.get(email);
      if (!known || at > known) latest.set(email, at);
    }
    return latest;
  }

  private orgPath(suffix: string): string {
    return `/api/businesses.v1/${encodeURIComponent(this.config.orgId)}${suffix}`;
  }

  private programPath(suffix: string): string {
    return this.orgPath(`/programs/${encodeURIComponent(this.config.programId)}${suffix}`);
  }

  private async *pages<T>(path: string): AsyncGenerator<T> {
    let start = 0;
    for (;;) {
      const separator = path.includes('?') ? '&' : '?';
      const page = (await this.call('GET', `${path}${separator}start=${start}&limit=${PAGE_SIZE}`)) as Page<T>;
      const elements = page.elements ?? [];
      yield* elements;
      const next = page.paging?.next === undefined ? undefined : Number(page.paging.next);
      if (next === undefined || !Number.isFinite(next) || elements.length === 0 || next <= start) return;
      start = next;
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private sleep(ms: number): Promise<void> {
    return this.options.sleep?.(ms) ?? new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > this.now()) return this.token.value;
    const basic = Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString('base64');
    const response = await this.send(this.config.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'grant_type=client_credentials',
    }, 'token');
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new CourseraError('Coursera answered the token request without a token.');
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 1800;
    this.token = { value: body.access_token, expiresAt: this.now() + lifetime * 1000 };
    return this.token.value;
  }

  /** One API call with its retries; `tolerated` statuses count as done (already invited, already gone). */
  private async call(method: string, path: string, body?: unknown, tolerated: number[] = []): Promise<unknown> {
    let refreshed = false;
    for (;;) {
      const token = await this.accessToken();
      const response = await this.send(`${this.config.apiUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }, `${method} ${path.split('?')[0]}`, [401, ...tolerated]);
      if (response.status === 401 && !refreshed) {
        // The token expired early or was revoked: get a new one, once.
        this.token = undefined;
        refreshed = true;
        continue;
      }
      if (response.status === 401) throw new CourseraError(`Coursera refused the credentials for ${method} ${path.split('?')[0]}.`, 401);
      if (tolerated.includes(response.status)) return undefined;
      const text = await response.text();
      return text ? JSON.parse(text) : undefined;
    }
  }

  /** Sends with retries on 429, 5xx and network failures; returns any other response. */
  private async send(url: string, init: RequestInit, what: string, passThrough: number[] = []): Promise<Response> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const doFetch = this.options.fetch ?? fetch;
    let lastProblem = '';
    for (let attempt = 1; attempt <= retry.attempts; attempt += 1) {
      let wait: number;
      try {
        const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (response.ok || passThrough.includes(response.status)) return response;
        lastProblem = `HTTP ${response.status}`;
        await response.body?.cancel();
        if (response.status === 429) {
          wait = retryAfterMs(response.headers.get('retry-after'), this.now()) ?? backoff(attempt, retry);
        } else if (response.status >= 500) {
          wait = backoff(attempt, retry);
        } else {
          throw new CourseraError(`Coursera answered ${what} with HTTP ${response.status}.`, response.status);
        }
      } catch (error) {
        if (error instanceof CourseraError) throw error;
        lastProblem = (error as Error).name === 'TimeoutError' ? 'no answer in time' : (error as Error).message;
        wait = backoff(attempt, retry);
      }
      if (attempt < retry.attempts) await this.sleep(Math.min(wait, retry.maxDelayMs));
    }
    throw new CourseraError(`Coursera did not complete ${what} after ${retry.attempts} attempts (last: ${lastProblem}).`);
  }
}

/** Exponential backoff with full jitter. */
function backoff(attempt: number, retry: RetryPolicy): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Retry-After as seconds or as an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
