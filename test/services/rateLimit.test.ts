import { expect } from 'chai';
import { SLACK_RATE_LIMITS } from '../../bot/slack/noticeChannel.js';
import { TEAMS_RATE_LIMITS } from '../../bot/teams/connectorHttp.js';
import { RateLimiter, shareOf, type RateLimit, type RateWindow } from '../../services/notifications/rateLimit.js';
import { retryDelay } from '../../services/notifications/worker.js';

const GUARD = 50;
const CONVERSATION = TEAMS_RATE_LIMITS.perConversation; // 7 per second, 8 per 2 seconds, ...

/** A monotonic clock that moves only when the limiter sleeps or the test says so. */
function fakeTime(guardMs = GUARD) {
  let t = 0;
  const slept: number[] = [];
  const limiter = new RateLimiter({
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    guardMs,
  });
  return {
    limiter,
    slept,
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    /** Acquires, then answers when the request was let start. */
    start: async (limits: readonly RateLimit[]) => {
      await limiter.acquire(limits);
      return t;
    },
  };
}

/** Timers on a virtual clock, so callers can wait at the same time; only `run` moves time. */
function virtualTimers() {
  let t = 0;
  let order = 0;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((wake) => void timers.push({ at: t + ms, order: order++, wake })),
    /** Fires the timers in order, letting every woken caller go as far as it can before the next. */
    async run() {
      for (;;) {
        await new Promise<void>((settled) => setImmediate(settled));
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers.shift();
        if (!next) return;
        t = next.at;
        next.wake();
      }
    },
  };
}

/** Deterministic numbers in [0, 1): a tiny linear congruential generator. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Started {
  keys: string[];
  requestedAt: number;
  startedAt: number;
}

/** The start times of each key, in order (the clock never goes back). */
function startsByKey(log: readonly Started[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const { keys, startedAt } of log) {
    for (const key of keys) {
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key)!.push(startedAt);
    }
  }
  return byKey;
}

/**
 * Every stretch of `perMs + guardMs` that holds more starts of a key than a window of that
 * key allows, counted from each start in the log: empty when the limits were kept.
 */
function overruns(log: readonly Started[], windows: ReadonlyMap<string, readonly RateWindow[]>, guardMs: number): string[] {
  const found: string[] = [];
  for (const [key, starts] of startsByKey(log)) {
    for (const { count, perMs } of windows.get(key)!) {
      let end = 0;
      for (let i = 0; i < starts.length; i += 1) {
        while (end < starts.length && starts[end]! < starts[i]! + perMs + guardMs) end += 1;
        if (end - i > count) found.push(`${key}: ${end - i} starts from ${starts[i]} within ${perMs} ms, at most ${count}`);
      }
    }
  }
  return found;
}

/** How many of `starts` (ascending) are later than `after`. */
function laterThan(starts: readonly number[], after: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (starts[mid]! > after) high = mid;
    else low = mid + 1;
  }
  return starts.length - low;
}

/** Requests that started later than they had to: at the moment before, every window already had room. */
function needlessWaits(log: readonly Started[], windows: ReadonlyMap<string, readonly RateWindow[]>, guardMs: number): string[] {
  const found: string[] = [];
  const sofar = new Map<string, number[]>();
  log.forEach(({ keys, requestedAt, startedAt }, i) => {
    const at = startedAt - 1;
    const roomAt = (key: string) => windows.get(key)!.every(({ count, perMs }) => laterThan(sofar.get(key) ?? [], at - perMs - guardMs) < count);
    if (startedAt < requestedAt) found.push(`#${i} started before it was asked for`);
    else if (startedAt > requestedAt && keys.every(roomAt)) found.push(`#${i} waited until ${startedAt} but had room at ${at}`);
    for (const key of keys) {
      if (!sofar.has(key)) sofar.set(key, []);
      sofar.get(key)!.push(startedAt);
    }
  });
  return found;
}

describe('the rate limiter', () => {
  it('starts requests at once while a window has room', async () => {
    const time = fakeTime();
    const limits = [{ key: 'conversation:a', windows: [{ count: 5, perMs: 1_000 }] }];
    const starts = [];
    for (let i = 0; i < 5; i += 1) starts.push(await time.start(limits));
    expect(starts).to.deep.equal([0, 0, 0, 0, 0]);
    expect(time.slept).to.deep.equal([]);
  });

  it('holds the request one over a window until the oldest start in it is a window and the guard ago', async () => {
    const time = fakeTime();
    const limits = [{ key: 'conversation:a', windows: [{ count: 3, perMs: 1_000 }] }];
    const starts = [];
    for (let i = 0; i < 3; i += 1) {
      starts.push(await time.start(limits));
      time.advance(100);
    }
    expect(starts).to.deep.equal([0, 100, 200]);
    expect(await time.start(limits)).to.equal(0 + 1_000 + GUARD);
    expect(await time.start(limits)).to.equal(100 + 1_000 + GUARD);
  });

  it('counts to the millisecond: one before the window frees, a request still waits', async () => {
    const time = fakeTime();
    const limits = [{ key: 'slack:D1', windows: [{ count: 1, perMs: 1_000 }] }];
    await time.start(limits);
    time.advance(1_000 + GUARD - 1);
    expect(await time.start(limits)).to.equal(1_000 + GUARD);
    expect(time.slept).to.deep.equal([1]);
  });

  it("keeps every window of a key: a Teams conversation's 8th message waits a second, its 9th two", async () => {
    const time = fakeTime();
    const limits = [{ key: 'teams:a:1', windows: CONVERSATION }];
    const starts = [];
    for (let i = 0; i < 9; i += 1) starts.push(await time.start(limits));
    expect(starts.slice(0, 7)).to.deep.equal([0, 0, 0, 0, 0, 0, 0]);
    expect(starts[7]).to.equal(1_000 + GUARD);
    expect(starts[8]).to.equal(2_000 + GUARD);
  });

  it('lets the stricter of two keys decide: the per-app limit, across conversations', async () => {
    const time = fakeTime();
    const app = { key: 'teams', windows: [{ count: 3, perMs: 1_000 }] };
    const to = (conversation: string) => [app, { key: `teams:${conversation}`, windows: CONVERSATION }];
    expect([await time.start(to('a')), await time.start(to('a')), await time.start(to('b'))]).to.deep.equal([0, 0, 0]);
    // Conversation c has sent nothing, but the app has used its second.
    expect(await time.start(to('c'))).to.equal(1_000 + GUARD);
  });

  it('lets the stricter of two keys decide: the per-channel limit, under a roomy per-app one', async () => {
    const time = fakeTime();
    const tier3 = { key: 'slack:chat.postMessage', windows: SLACK_RATE_LIMITS.tier3 };
    const to = (channel: string) => [tier3, { key: `slack:${channel}`, windows: SLACK_RATE_LIMITS.perChannel }];
    expect(await time.start(to('D1'))).to.equal(0);
    expect(await time.start(to('D2'))).to.equal(0);
    expect(await time.start(to('D1'))).to.equal(1_000 + GUARD);
  });

  it("does not let one conversation's traffic hold up another's", async () => {
    const time = fakeTime();
    const to = (conversation: string) => [{ key: `teams:${conversation}`, windows: CONVERSATION }];
    for (let i = 0; i < 7; i += 1) expect(await time.start(to('a'))).to.equal(0);
    for (let i = 0; i < 7; i += 1) expect(await time.start(to('b'))).to.equal(0);
    expect(time.slept).to.deep.equal([]);
    expect(await time.start(to('a'))).to.equal(1_000 + GUARD);
  });

  it('lets callers that wait at the same time through only as fast as the windows allow', async () => {
    const timers = virtualTimers();
    const limiter = new RateLimiter({ now: timers.now, sleep: timers.sleep, guardMs: GUARD });
    const limits = [{ key: 'teams:a:1', windows: CONVERSATION }];
    const log: Started[] = [];
    const callers = Array.from({ length: 30 }, async () => {
      await limiter.acquire(limits);
      log.push({ keys: ['teams:a:1'], requestedAt: 0, startedAt: timers.now() });
    });
    await timers.run();
    await Promise.all(callers);
    expect(log).to.have.length(30);
    expect(overruns(log, new Map([['teams:a:1', CONVERSATION]]), GUARD)).to.deep.equal([]);
    expect(log.filter((s) => s.startedAt === 0)).to.have.length(7);
    expect(log[7]!.startedAt).to.equal(1_000 + GUARD);
  });

  it('still holds a quiet key to its window after clearing out idle keys', async () => {
    const time = fakeTime();
    const quiet = [{ key: 'teams:quiet', windows: [{ count: 1, perMs: 60_000 }] }];
    const busy = [{ key: 'teams:busy', windows: [{ count: 50, perMs: 1 }] }];
    expect(await time.start(quiet)).to.equal(0);
    // Enough requests elsewhere for the limiter to clear out idle keys more than once.
    for (let i = 0; i < 25_000; i += 1) {
      time.advance(2);
      await time.start(busy);
    }
    expect(time.now()).to.equal(50_000);
    expect(await time.start(quiet)).to.equal(60_000 + GUARD);
  });

  describe('with something to do between the wait and the request (acquireThen)', () => {
    const APP = [{ key: 'app', windows: [{ count: 2, perMs: 1_000 }] }];

    it('counts the request when it leaves, after what came between, not when its slot came', async () => {
      const time = fakeTime();
      await time.limiter.acquireThen(APP, async () => time.advance(30));
      expect(time.now()).to.equal(30);
      // One start counted, at 30, not two.
      expect(await time.start(APP)).to.equal(30);
      expect(await time.start(APP)).to.equal(30 + 1_000 + GUARD);
    });

    it('waits for room again when what came between took so long that the room is gone', async () => {
      const time = fakeTime();
      const one = [
        { key: 'app', windows: [{ count: 1, perMs: 1_000 }] },
        { key: 'teams:a:1', windows: CONVERSATION },
      ];
      await time.start(one);
      await time.limiter.acquireThen(one, async () => time.advance(100));
      // Its slot came at 1,050; it left at 1,150, and was counted then under both keys.
      expect(time.now()).to.equal(1_000 + GUARD + 100);
      expect(await time.start(one)).to.equal(2 * (1_000 + GUARD) + 100);
    });

    it('gives back the slot when what comes between fails: the request never leaves', async () => {
      const time = fakeTime();
      const failed = await time.limiter.acquireThen(APP, () => Promise.reject(new Error('another worker sent it first'))).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failed?.message).to.equal('another worker sent it first');
      expect([await time.start(APP), await time.start(APP)]).to.deep.equal([0, 0]);
      expect(await time.start(APP)).to.equal(1_000 + GUARD);
    });

    it('never lets more leave than a window allows, with callers held up or failing at random', async () => {
      const timers = virtualTimers();
      const limiter = new RateLimiter({ now: timers.now, sleep: timers.sleep, guardMs: GUARD });
      const random = seeded(42);
      const windows = new Map<string, readonly RateWindow[]>([
        ['app', [{ count: 5, perMs: 1_000 }]],
        ['teams:a:1', CONVERSATION],
      ]);
      const limits = [...windows].map(([key, w]) => ({ key, windows: w }));
      const left: Started[] = [];
      let failures = 0;
      const callers = Array.from({ length: 12 }, async () => {
        for (let i = 0; i < 10; i += 1) {
          const heldUp = Math.floor(random() * 3 * GUARD);
          const fails = random() < 0.2;
          try {
            await limiter.acquireThen(limits, async () => {
              await timers.sleep(heldUp);
              if (fails) throw new Error('taken');
            });
          } catch {
            failures += 1;
            continue;
          }
          left.push({ keys: [...windows.keys()], requestedAt: 0, startedAt: timers.now() });
        }
      });
      await timers.run();
      await Promise.all(callers);
      expect(failures).to.be.greaterThan(0);
      expect(left).to.have.length(120 - failures);
      // The whole guard is left for the way there.
      expect(overruns([...left].sort((a, b) => a.startedAt - b.startedAt), windows, GUARD)).to.deep.equal([]);
    });
  });

  describe('told when the answer came (answered)', () => {
    const APP = [{ key: 'app', windows: [{ count: 1, perMs: 1_000 }] }];

    it('leaves a request counted from when it left when its answer came about as quickly as any', async () => {
      const time = fakeTime();
      const first = await time.limiter.acquire(APP);
      time.advance(2);
      time.limiter.answered(first);
      const second = await time.limiter.acquire(APP);
      expect(second.at).to.equal(1_000 + GUARD);
      time.advance(2 + GUARD / 2);
      time.limiter.answered(second);
      expect((await time.limiter.acquire(APP)).at).to.equal(2 * (1_000 + GUARD));
    });

    it('counts a request whose answer came late from as late as it may have arrived', async () => {
      const time = fakeTime();
      const first = await time.limiter.acquire(APP);
      time.advance(2);
      time.limiter.answered(first); // the quickest round trip: 2 ms
      const second = await time.limiter.acquire(APP);
      time.advance(100); // held up somewhere for 98 ms more
      time.limiter.answered(second);
      // Counted from 1,050 + 100 - 2 - 25 = 1,123.
      expect((await time.limiter.acquire(APP)).at).to.equal(1_000 + GUARD + 100 - 2 - GUARD / 2 + 1_000 + GUARD);
    });

    it('keeps the limits where the platform counts, on arrival, however long some requests take to get there', async () => {
      const timers = virtualTimers();
      const limiter = new RateLimiter({ now: timers.now, sleep: timers.sleep, guardMs: GUARD });
      const random = seeded(2027);
      const windows = new Map<string, readonly RateWindow[]>([['app', [{ count: 5, perMs: 1_000 }]]]);
      const limits = [{ key: 'app', windows: windows.get('app')! }];
      const arrived: Started[] = [];
      let heldUp = 0;
      const callers = Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 40; i += 1) {
          const start = await limiter.acquire(limits);
          // 5 ms each way, up to 20 ms more on the way there, and now and then far more (a pause, a slow route).
          const slow = random() < 0.15;
          if (slow) heldUp += 1;
          await timers.sleep(5 + Math.floor(random() * 20) + (slow ? 30 + Math.floor(random() * 300) : 0));
          arrived.push({ keys: ['app'], requestedAt: 0, startedAt: timers.now() });
          await timers.sleep(5);
          limiter.answered(start);
        }
      });
      await timers.run();
      await Promise.all(callers);
      expect(arrived).to.have.length(320);
      expect(heldUp).to.be.greaterThan(20);
      expect(overruns([...arrived].sort((a, b) => a.startedAt - b.startedAt), windows, 0)).to.deep.equal([]);
    });
  });

  describe('over a long random run', () => {
    const APP: readonly RateWindow[] = [{ count: 10, perMs: 1_000 }];
    const CHANNEL: readonly RateWindow[] = [
      { count: 1, perMs: 1_000 },
      { count: 3, perMs: 10_000 },
    ];

    /** `requests` acquisitions, each for the app, one conversation, or both, at random gaps. */
    async function randomRun(requests: number, conversations: number, windowsOfOne: readonly RateWindow[], seed: number) {
      const random = seeded(seed);
      const time = fakeTime();
      const windows = new Map<string, readonly RateWindow[]>([['app', APP]]);
      for (let c = 0; c < conversations; c += 1) windows.set(`conversation:${c}`, windowsOfOne);
      const log: Started[] = [];
      for (let i = 0; i < requests; i += 1) {
        const roll = random();
        time.advance(roll < 0.5 ? 0 : roll < 0.97 ? Math.floor(random() * 600) : 5_000 + Math.floor(random() * 40_000));
        const conversation = `conversation:${Math.floor(random() * conversations)}`;
        const which = random();
        const keys = which < 0.7 ? ['app', conversation] : which < 0.85 ? [conversation] : ['app'];
        const requestedAt = time.now();
        const startedAt = await time.start(keys.map((key) => ({ key, windows: windows.get(key)! })));
        log.push({ keys, requestedAt, startedAt });
      }
      return { log, windows };
    }

    const RUNS = [
      { what: '2,000 requests over an app and 3 Teams conversations', requests: 2_000, conversations: 3, windows: CONVERSATION, seed: 20_270_301 },
      // Past the 10,000th request the limiter forgets keys that have been idle for longer than their windows.
      { what: '12,000 requests over an app and 200 channels, past its clean-up of idle keys', requests: 12_000, conversations: 200, windows: CHANNEL, seed: 7 },
    ];
    for (const { what, requests, conversations, windows, seed } of RUNS) {
      describe(what, () => {
        let run: Awaited<ReturnType<typeof randomRun>>;
        before(async () => {
          run = await randomRun(requests, conversations, windows, seed);
        });

        it('never starts more than a window allows in any stretch of its length (plus the guard)', () => {
          expect(run.log).to.have.length(requests);
          expect(overruns(run.log, run.windows, GUARD)).to.deep.equal([]);
          // The run must have pressed against the limits to show anything.
          expect(run.log.filter((s) => s.startedAt > s.requestedAt).length).to.be.greaterThan(requests / 20);
        });

        it('starts each request at the first moment every window has room for it', () => {
          expect(needlessWaits(run.log, run.windows, GUARD)).to.deep.equal([]);
        });
      });
    }
  });
});

describe('limits shared between instances', () => {
  it("gives each instance its part of a shared limit's count", () => {
    expect(shareOf([{ count: 50, perMs: 1_000 }], 2)).to.deep.equal([{ count: 25, perMs: 1_000 }]);
    expect(shareOf([{ count: 50, perMs: 60_000 }], 3)).to.deep.equal([{ count: 16, perMs: 60_000 }]);
    expect(shareOf(CONVERSATION, 1)).to.deep.equal(CONVERSATION);
  });

  it('never leaves an instance less than one request per window', () => {
    expect(shareOf([{ count: 50, perMs: 1_000 }], 100)).to.deep.equal([{ count: 1, perMs: 1_000 }]);
    expect(shareOf([{ count: 1, perMs: 1_000 }, { count: 7, perMs: 2_000 }], 8)).to.deep.equal([
      { count: 1, perMs: 1_000 },
      { count: 1, perMs: 2_000 },
    ]);
  });

  it('leaves the shared limits as they were', () => {
    const windows = [{ count: 50, perMs: 1_000 }];
    shareOf(windows, 2);
    expect(windows).to.deep.equal([{ count: 50, perMs: 1_000 }]);
  });
});

describe('retry delays', () => {
  const config = (r: number) => ({ backoffBaseMs: 2_000, backoffMaxMs: 600_000, random: () => r });
  const RANDOMS = [0, 0.25, 0.5, 0.75, 0.999_999];

  it('doubles with each attempt, from the base', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(config(0.5), attempt));
    expect(delays).to.deep.equal([1_500, 3_000, 6_000, 12_000, 24_000, 48_000]);
  });

  it('never waits longer than the maximum, however many attempts', () => {
    for (const r of RANDOMS) {
      for (const attempt of [10, 15, 30, 100]) expect(retryDelay(config(r), attempt)).to.be.at.most(600_000);
    }
    expect(retryDelay(config(0.999_999), 30)).to.be.closeTo(600_000, 1);
  });

  it('takes off at most half at random', () => {
    for (let attempt = 1; attempt <= 15; attempt += 1) {
      const full = Math.min(600_000, 2_000 * 2 ** (attempt - 1));
      for (const r of RANDOMS) expect(retryDelay(config(r), attempt)).to.be.within(full / 2, full);
      expect(retryDelay(config(0), attempt)).to.equal(full / 2);
    }
  });

  it("waits at least the platform's Retry-After, and at most a tenth (up to a second) more", () => {
    for (const retryAfterMs of [0, 500, 3_000, 10_000, 60_000, 120_000]) {
      for (const r of RANDOMS) {
        for (const attempt of [1, 4, 12]) {
          const delay = retryDelay(config(r), attempt, retryAfterMs);
          expect(delay, `Retry-After ${retryAfterMs} ms, attempt ${attempt}, random ${r}`).to.be.within(retryAfterMs, retryAfterMs + Math.min(1_000, retryAfterMs / 10));
        }
      }
    }
    expect(retryDelay(config(0), 5, 3_000)).to.equal(3_000);
  });
});
