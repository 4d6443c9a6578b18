// What the local fakes of far-edge services (tools/botConnector, tools/slackApi) share:
// made-up names, the loopback HTTP server with requests that may be left hanging on purpose, faults
// queued for the next matching requests, and waiting for what the code under test sends.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A readable name for a fake user: "alex.doe@example.org" → "Alex Doe". */
export function nameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}

/** Faults queued for the next requests that match, each for a number of times. */
export class FaultQueue<Fault, Match> {
  private entries: { fault: Fault; remaining: number; match?: Match }[] = [];

  add(fault: Fault, { times = 1, match }: { times?: number; match?: Match } = {}): void {
    if (!Number.isInteger(times) || times < 1) throw new Error('injectFault: times must be a positive integer');
    this.entries.push({ fault, remaining: times, ...(match !== undefined ? { match } : {}) });
  }

  /** The first fault whose match fits this request (`fits`), counted down; undefined when none. */
  take(fits: (match: Match | undefined) => boolean): Fault | undefined {
    const index = this.entries.findIndex((entry) => entry.remaining > 0 && fits(entry.match));
    if (index < 0) return undefined;
    const entry = this.entries[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.entries.splice(index, 1);
    return entry.fault;
  }

  clear(): void {
    this.entries = [];
  }
}

/** Things the fake recorded, announced to listeners as they arrive. */
export class Arrivals<Entry = void> {
  private readonly listeners = new Set<(entry: Entry) => void>();

  announce(entry: Entry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  /** Calls `listener` for every arrival; returns a function that unsubscribes. */
  subscribe(listener: (entry: Entry) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves with `read()` once it holds `count` items; rejects with `timeoutMessage` after `timeoutMs`. */
  waitFor<T>(read: () => T[], count: number, timeoutMs: number, timeoutMessage: (found: T[]) => string): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = read();
        if (found.length < count) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(found);
      };
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(timeoutMessage(read())));
      }, timeoutMs);
      const unsubscribe = this.subscribe(check);
      check();
    });
  }

  clear(): void {
    this.listeners.clear();
  }
}

export interface LoopbackServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Leaves a request unanswered until the client gives up or the server closes. */
  hang(res: ServerResponse): void;
  /** Closes every connection, hanging ones included. */
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1; a handler that throws gets `answerCrash` (unless it already answered). */
export async function startLoopbackServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  answerCrash: (res: ServerResponse) => void,
  port = 0,
): Promise<LoopbackServer> {
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answerCrash(res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    hang(res) {
      hung.add(res);
      res.on('close', () => hung.delete(res));
    },
    async close() {
      for (const res of hung) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
