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

/** A request the limiter counted: under which limits, and from when. */
export interface Start {
  readonly limits: readonly RateLimit[];
  readonly at: number;
}

/** A sliding log of request start times per key, shared by everything that calls one platform. */
export class RateLimiter {
  private readonly starts = new Map<string, number[]>();
  private readonly longest = new Map<string, number>();
  /** The quickest round trip seen, by the first key of the limits (the platform's). */
  private readonly quickest = new Map<string, number>();
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
  async acquire(limits: readonly RateLimit[]): Promise<Start> {
    return { limits, at: await this.take(limits) };
  }

  /**
   * Like `acquire`, with `prepare` run between the wait and the request (recording the
   * send, say). The request is counted when it leaves, after `prepare`, not when its slot
   * came: the slot is given back (nothing went out under it) and the request counted again
   * at once, or when there is room. So `prepare` takes nothing off the guard, and one that
   * fails leaves no start behind.
   */
  async acquireThen(limits: readonly RateLimit[], prepare: () => Promise<void>): Promise<Start> {
    const slot = await this.take(limits);
    try {
      await prepare();
    } finally {
      this.release(limits, slot);
    }
    return { limits, at: await this.take(limits) };
  }

  /**
   * The answer to a counted request has come (or it failed). The platform counted the
   * request when it arrived, which can be later than the guard allows for when something
   * held it up on the way: a pause in this process before it got out (a garbage collection),
   * a slow network. Its answer then comes late too. A round trip longer than the quickest
   * seen for the platform by more than half the guard moves the request's start that much
   * later (the other half is for the quickest being a little slower than the fastest way).
   */
  answered(start: Start): void {
    const platform = start.limits[0]?.key;
    if (platform === undefined) return;
    const now = this.now();
    const quickest = Math.min(now - start.at, this.quickest.get(platform) ?? Infinity);
    this.quickest.set(platform, quickest);
    const late = now - quickest - this.guardMs / 2;
    if (late <= start.at) return;
    this.release(start.limits, start.at);
    this.count(start.limits, late);
  }

  /** Waits for room under every limit, counts the request, and answers the start it counted. */
  private async take(limits: readonly RateLimit[]): Promise<number> {
    for (;;) {
      const now = this.now();
      const wait = this.reserve(limits, now);
      if (wait === 0) return now;
      await this.sleep(wait);
    }
  }

  /** Forgets a start counted at `start` under `limits`: its request never went out, or is counted anew. */
  private release(limits: readonly RateLimit[], start: number): void {
    for (const { key } of limits) {
      const starts = this.starts.get(key);
      const at = starts?.lastIndexOf(start) ?? -1;
      if (at < 0) continue; // already out of the log
      starts!.splice(at, 1);
      if (starts!.length === 0) {
        this.starts.delete(key);
        this.longest.delete(key);
      }
    }
  }

  /** Counts the request and answers 0 when it fits at `now`; otherwise how long until it might. */
  private reserve(limits: readonly RateLimit[], now: number): number {
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
    this.count(limits, now);
    if (++this.reservations % SWEEP_EVERY === 0) this.forgetIdle(now);
    return 0;
  }

  /** Puts a start at `at` in the log of every key, in order. */
  private count(limits: readonly RateLimit[], at: number): void {
    for (const { key, windows } of limits) {
      const span = Math.max(...windows.map((w) => w.perMs)) + this.guardMs;
      this.longest.set(key, Math.max(span, this.longest.get(key) ?? 0));
      const starts = this.starts.get(key) ?? [];
      let place = starts.length;
      while (place > 0 && starts[place - 1]! > at) place -= 1;
      starts.splice(place, 0, at);
      const keep = Math.max(...windows.map((w) => w.count));
      if (starts.length > keep) starts.splice(0, starts.length - keep);
      this.starts.set(key, starts);
    }
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
