// A local stand-in for the Coursera for Business API, on loopback: client-credentials
// tokens that expire, program invitations and memberships, enrollment reports in pages,
// and faults on request (429 with Retry-After, 500, an early token expiry).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CourseraConfig } from '../../services/coursera.js';

export interface Fault {
  /** Which requests: matched against "METHOD /path". */
  match: RegExp;
  status: 429 | 500 | 401;
  retryAfter?: string;
  /** How many matching requests fail before they succeed again. */
  times: number;
}

export class CourseraFake {
  readonly credentials = { clientId: 'desk-client', clientSecret: 's3cret-value' };
  readonly orgId = 'org-1';
  readonly programId = 'prog-1';
  /** Seconds a new token lives. */
  tokenLifetime = 1800;
  pageSize = 2;
  members = new Map<string, { email: string; fullName: string }>();
  /** email → activity timestamps (ms), one per course. */
  activity = new Map<string, number[]>();
  faults: Fault[] = [];
  requests: string[] = [];
  tokensIssued = 0;
  private tokens = new Map<string, number>();
  private server: Server | undefined;
  private url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ready) => this.server!.listen(0, '127.0.0.1', ready));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((closed) => this.server?.close(() => closed()));
  }

  config(): CourseraConfig {
    return {
      ...this.credentials,
      orgId: this.orgId,
      programId: this.programId,
      apiUrl: `${this.url}/ent`,
      tokenUrl: `${this.url}/oauth2/client_credentials/token`,
    };
  }

  /** Makes every token issued so far stop working, as if they had expired. */
  expireTokens(): void {
    this.tokens.clear();
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const line = `${req.method} ${url.pathname}`;
    this.requests.push(`${line}${url.search}`);
    let raw = '';
    for await (const chunk of req) raw += chunk;

    const fault = this.faults.find((f) => f.times > 0 && f.match.test(line));
    if (fault) {
      fault.times -= 1;
      return this.send(res, fault.status, { errorCode: 'INJECTED' }, fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {});
    }

    if (line === 'POST /oauth2/client_credentials/token') {
      const expected = `Basic ${Buffer.from(`${this.credentials.clientId}:${this.credentials.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected || raw !== 'grant_type=client_credentials') return this.send(res, 401, { error: 'invalid_client' });
      this.tokensIssued += 1;
      const token = `token-${this.tokensIssued}`;
      this.tokens.set(token, Date.now() + this.tokenLifetime * 1000);
      return this.send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: this.tokenLifetime });
    }

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = bearer ? this.tokens.get(bearer) : undefined;
    if (!expiresAt || expiresAt < Date.now()) return this.send(res, 401, { errorCode: 'UNAUTHORIZED' });

    const program = `/ent/api/businesses.v1/${this.orgId}/programs/${this.programId}`;
    if (line === `POST ${program}/invitations`) {
      const { email, fullName } = JSON.parse(raw) as { email: string; fullName: string };
      if (this.members.has(email)) return this.send(res, 409, { errorCode: 'ALREADY_INVITED' });
      this.members.set(email, { email, fullName });
      return this.send(res, 201, { email });
    }
    const membership = new RegExp(`^DELETE ${program}/memberships/(.+)$`).exec(line);
    if (membership) {
      const email = decodeURIComponent(membership[1]!);
      if (!this.members.delete(email)) return this.send(res, 404, { errorCode: 'NOT_FOUND' });
      return this.send(res, 204);
    }
    if (line === `GET /ent/api/businesses.v1/${this.orgId}/enrollmentReports`) {
      const rows = [...this.activity.entries()].flatMap(([email, times]) =>
        times.map((lastActivity, n) => ({ externalId: email, email, contentId: `course-${n}`, programId: this.programId, lastActivity })),
      );
      const start = Number(url.searchParams.get('start') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), this.pageSize);
      const elements = rows.slice(start, start + limit);
      const next = start + limit < rows.length ? start + limit : undefined;
      return this.send(res, 200, { elements, paging: { total: rows.length, ...(next === undefined ? {} : { next }) } });
    }
    return this.send(res, 404, { errorCode: 'NO_SUCH_ROUTE' });
  }
}
