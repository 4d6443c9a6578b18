// Sending within the platforms' published limits rather than discovering them by being
// refused. Each limit is "at most `count` requests started in any `perMs`"; Teams states
// its limits exactly that way (7 per second, 8 per 2 seconds... per conversation).
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateWindow {
  count: number;
  perMs: number;
}

/** The windows that apply to one key, e.g. one conversation, or the whole app. */
export interface RateLimit {
  key: string;
  windows: readonly RateWindow[];
}

export interface RateLimiterOptions {
  /** Milliseconds, monotonic: the platforms count in real time whatever the business clock says. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Added to every window, because the platform counts when a request arrives and we count
   * when it leaves: two requests a full window apart here may land a little closer there.
   */
  guardMs?: number;
}

/**
 * One instance's part of a limit that all instances of the bot share (the per-app and
 * per-workspace ones), when several run delivery at once and cannot see each other's sends.
 */
export function shareOf(windows: readonly RateWindow[], instances: number): RateWindow[] {
  return windows.map((w) => ({ ...w, count: Math.max(1, Math.floor(w.count / instances)) }));
}

const SWEEP_EVERY = 10_000;

/** A sliding log of request start times per key, shared by everything that calls one platform. */
export class RateLimiter {
  private readonly starts = new Map<string, number[]>();
  private readonly longest = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly guardMs: number;
  private reservations = 0;

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.guardMs = options.guardMs ?? 50;
  }

  /** Waits until a request may start under every limit given, and counts it. */
  async acquire(limits: readonly RateLimit[]): Promise<void> {
    for (;;) {
      const wait = this.reserve(limits);
      if (wait === 0) return;
      await this.sleep(wait);
    }
  }

  /**
   * Like `acquire`, with `prepare` run between the wait and the request (recording the
   * send, say). Half the guard absorbs a request starting that much after its slot (the
   * other half is for the way there); one that `prepare` held up longer waits for a fresh slot.
   */
  async acquireThen(limits: readonly RateLimit[], prepare: () => Promise<void>): Promise<void> {
    await this.acquire(limits);
    const slot = this.now();
    await prepare();
    if (this.now() - slot > this.guardMs / 2) await this.acquire(limits);
  }

  /** Counts the request and answers 0 when it fits now; otherwise how long until it might. */
  private reserve(limits: readonly RateLimit[]): number {
    const now = this.now();
    let wait = 0;
    for (const { key, windows } of limits) {
      const starts = this.starts.get(key) ?? [];
      for (const { count, perMs } of windows) {
        if (starts.length < count) continue;
        const frees = starts[starts.length - count]! + perMs + this.guardMs;
        if (frees > now) wait = Math.max(wait, frees - now);
      }
    }
    if (wait > 0) return Math.ceil(wait);

    for (const { key, windows } of limits) {
      const span = Math.max(...windows.map((w) => w.perMs)) + this.guardMs;
      this.longest.set(key, Math.max(span, this.longest.get(key) ?? 0));
      const starts = this.starts.get(key) ?? [];
      starts.push(now);
      const keep = Math.max(...windows.map((w) => w.count));
      if (starts.length > keep) starts.splice(0, starts.length - keep);
      this.starts.set(key, starts);
    }
    if (++this.reservations % SWEEP_EVERY === 0) this.forgetIdle(now);
    return 0;
  }

  /** Drops keys whose every start is older than their longest window (one per conversation adds up). */
  private forgetIdle(now: number): void {
    for (const [key, starts] of this.starts) {
      if (now - starts[starts.length - 1]! >= (this.longest.get(key) ?? 0)) {
        this.starts.delete(key);
        this.longest.delete(key);
      }
    }
  }
}
