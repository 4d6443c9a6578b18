// The delivery worker: drains the outbox. For each due notice it claims the next attempt,
// renders the card, tries the channels in order (Teams, then Slack when Teams cannot reach
// the person) and records what happened. A notice is sent at most once because an
// attempt is claimed before it is sent and a send that may have happened is settled
// (by asking the platform, where it can be asked) before any other attempt.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Models, Notice, NoticeChannelName, Person } from '../../models/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { noticeCard } from '../noticeCards.js';
import { findContact, saveSlackContact } from '../people.js';
import { loadSettings, type Settings } from '../settings.js';
import { DeliveryFailure, type NoticeChannel, type Recipient } from './channels.js';
import {
  attemptOf,
  claimAttempt,
  dueNotices,
  interruptedNotices,
  markSending,
  releaseAbandoned,
  settle,
  type Claim,
} from './outbox.js';
import { realSleep } from './rateLimit.js';

export interface DeliveryOptions {
  /** Names this worker in the attempts it claims. */
  worker?: string;
  /** Notices in flight at once; the rate limiters, not this, keep within the platforms' limits. */
  concurrency?: number;
  /** Notices read from the outbox per round. */
  batchSize?: number;
  /** Attempts per notice before it is marked failed. */
  maxAttempts?: number;
  /** How long an attempt may take before others presume its worker dead. Longer than any send with its retries. */
  leaseMs?: number;
  /** An attempt does not start sending with less than this left on its lease. */
  leaseMarginMs?: number;
  /** Exponential backoff between attempts: base × 2^(attempt-1), at most max, less up to half at random. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A retry due within this long is waited for in this run; later ones are left to the next run. */
  inlineRetryMaxMs?: number;
  /** After a send that went unanswered, at least this long before looking for it: the platform may still be working on it. */
  settleDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DELIVERY_DEFAULTS = {
  concurrency: 16,
  batchSize: 500,
  maxAttempts: 5,
  leaseMs: 3 * 60_000,
  leaseMarginMs: 15_000,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
  inlineRetryMaxMs: 30_000,
  settleDelayMs: 20_000,
} as const;

export interface DeliveryDeps {
  models: Models;
  clock: Clock;
  log: Logger;
  /** In order of preference. */
  channels: readonly NoticeChannel[];
}

export interface DeliveryReport {
  sent: number;
  /** Scheduled for a later run. */
  retrying: number;
  failed: string[];
  undeliverable: string[];
  uncertain: string[];
  /** Interrupted sends from a dead worker that were settled at the start. */
  recovered: number;
}

type Config = Required<Omit<DeliveryOptions, 'worker'>> & { worker: string };

export function workerName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Delivers every notice that is due, then returns what happened. */
export async function deliverNotices(deps: DeliveryDeps, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const config: Config = { ...DELIVERY_DEFAULTS, sleep: realSleep, random: Math.random, worker: workerName(), ...options };
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: [], undeliverable: [], uncertain: [], recovered: 0 };
  const settings = await loadSettings(deps.models);
  await settleInterrupted(deps, report);

  // Notices another worker holds are left to it for the rest of this run.
  const leftToOthers = new Set<string>();
  for (;;) {
    const due = await dueNotices(deps.models, deps.clock.now(), config.batchSize, leftToOthers);
    if (due.length === 0) break;
    await inParallel(due, config.concurrency, async (notice) => {
      if (!(await deliverOne(deps, config, settings, notice, report))) leftToOthers.add(notice._id);
    });
  }
  return report;
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

/** One notice, through as many attempts as this run may make. False when another worker holds it. */
async function deliverOne(deps: DeliveryDeps, config: Config, settings: Settings, notice: Notice, report: DeliveryReport): Promise<boolean> {
  const { models, clock } = deps;
  let attempts = notice.attempts ?? 0;
  // A send that went unanswered, which the next attempt must look for before sending again.
  let unsettled: Unsettled | undefined = notice.unsettledSince && notice.channel ? { since: notice.unsettledSince, channel: notice.channel } : undefined;
  for (;;) {
    const n = attempts + 1;
    const claim = await claimAttempt(models, notice._id, n, config.worker, clock.now(), config.leaseMs);
    if (!claim) {
      if (!(await releaseAbandoned(models, notice._id, n, clock.now()))) return false;
      attempts = n;
      continue;
    }
    const outcome = await attemptDelivery(deps, config, settings, notice, claim, unsettled);
    if (outcome.kind !== 'retry') {
      tally(report, notice._id, outcome.kind);
      return true;
    }
    if (n >= config.maxAttempts) {
      await settle(models, notice._id, n, { status: 'failed', error: outcome.error, ...channelOf(outcome) }, { outcome: 'failed', error: outcome.error }, clock.now());
      deps.log.warn('notice.failed', { notice: notice._id, attempts: n, error: outcome.error });
      report.failed.push(notice._id);
      return true;
    }
    const delay = Math.max(retryDelay(config, n, outcome.retryAfterMs), outcome.mayHaveArrived ? config.settleDelayMs : 0);
    const nextAttemptAt = new Date(clock.now().getTime() + delay);
    unsettled = outcome.mayHaveArrived && outcome.channel ? { since: unsettled?.since ?? claim.claimedAt, channel: outcome.channel } : undefined;
    await settle(
      models,
      notice._id,
      n,
      { status: 'pending', nextAttemptAt, error: outcome.error, ...channelOf(outcome), ...(unsettled ? { unsettledSince: unsettled.since } : {}) },
      { outcome: 'retry', error: outcome.error },
      clock.now(),
    );
    if (delay > config.inlineRetryMaxMs) {
      report.retrying += 1;
      return true;
    }
    await config.sleep(delay);
    attempts = n;
  }
}

interface Unsettled {
  since: Date;
  channel: NoticeChannelName;
}

type Outcome =
  | { kind: 'sent' }
  | { kind: 'retry'; error: string; retryAfterMs?: number; channel?: NoticeChannelName; mayHaveArrived?: boolean }
  | { kind: 'failed' | 'undeliverable'; error: string }
  | { kind: 'abandoned' };

const channelOf = (outcome: { channel?: NoticeChannelName }) => (outcome.channel ? { channel: outcome.channel } : {});

function tally(report: DeliveryReport, noticeId: string, kind: Exclude<Outcome['kind'], 'retry'>): void {
  if (kind === 'sent') report.sent += 1;
  else if (kind === 'failed') report.failed.push(noticeId);
  else if (kind === 'undeliverable') report.undeliverable.push(noticeId);
}

export function retryDelay(config: Pick<Config, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>, attempt: number, retryAfterMs?: number): number {
  const backoff = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** (attempt - 1));
  const jittered = backoff * (0.5 + config.random() / 2);
  // The platform's Retry-After is a floor; a little spread keeps retries from arriving together.
  return Math.round(retryAfterMs !== undefined ? retryAfterMs + config.random() * Math.min(1_000, retryAfterMs / 10) : jittered);
}

/** Claim `claim` held: render, then try each channel until one takes it or says it never will. */
async function attemptDelivery(
  deps: DeliveryDeps,
  config: Config,
  settings: Settings,
  notice: Notice,
  claim: Claim,
  unsettled: Unsettled | undefined,
): Promise<Outcome> {
  const { models, clock, log } = deps;
  const recipient = await recipientOf(models, notice);
  if (!recipient) {
    const error = 'the person no longer exists';
    await settle(models, notice._id, claim.n, { status: 'undeliverable', error }, { outcome: 'undeliverable', error }, clock.now());
    return { kind: 'undeliverable', error };
  }
  const message = { noticeId: notice._id, kind: notice.kind, card: noticeCard(notice, recipient, settings, clock.now()) };

  const unreachable: string[] = [];
  for (const channel of deps.channels) {
    if (!channel.canReach(recipient)) {
      unreachable.push(`${channel.name}: no way to reach ${recipient.email}`);
      continue;
    }
    if (claim.leaseUntil.getTime() - clock.now().getTime() < config.leaseMarginMs) {
      // Too late to send safely: another worker may already count this attempt as dead.
      await settle(models, notice._id, claim.n, { status: 'pending', nextAttemptAt: clock.now(), error: 'lease ran out before sending' }, { outcome: 'abandoned' }, clock.now());
      return { kind: 'abandoned' };
    }
    if (unsettled?.channel === channel.name) {
      // The last try went unanswered: if it arrived after all, this attempt has nothing to send.
      const found = await channel.lookUp(recipient, notice._id, unsettled.since).catch(() => ({ state: 'unknown' }) as const);
      if (found.state === 'delivered') {
        const sent = { status: 'sent', channel: channel.name, ...(found.deliveryId ? { deliveryId: found.deliveryId } : {}) } as const;
        await settle(models, notice._id, claim.n, sent, { outcome: 'sent', resolution: 'found-delivered' }, clock.now());
        return { kind: 'sent' };
      }
      if (found.state === 'unknown') return { kind: 'retry', error: `${channel.name}: could not check whether the last try arrived`, channel: channel.name, mayHaveArrived: true };
    }
    await markSending(models, claim, channel.name, clock.now());
    try {
      const delivered = await channel.send(recipient, message);
      await settle(
        models,
        notice._id,
        claim.n,
        { status: 'sent', channel: channel.name, ...(delivered.deliveryId ? { deliveryId: delivered.deliveryId } : {}) },
        { outcome: 'sent' },
        clock.now(),
      );
      if (delivered.learned && recipient.personId) await saveSlackContact(models, recipient.personId, delivered.learned, clock.now());
      return { kind: 'sent' };
    } catch (error) {
      const failure = asFailure(error);
      if (failure.kind === 'unreachable') {
        unreachable.push(`${channel.name}: ${failure.message}`);
        continue;
      }
      if (failure.kind === 'retryable') {
        return {
          kind: 'retry',
          error: `${channel.name}: ${failure.message}`,
          channel: channel.name,
          mayHaveArrived: failure.mayHaveArrived,
          ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        };
      }
      const failed = `${channel.name}: ${failure.message}`;
      await settle(models, notice._id, claim.n, { status: 'failed', error: failed, channel: channel.name }, { outcome: 'failed', error: failed }, clock.now());
      log.warn('notice.failed', { notice: notice._id, error: failed });
      return { kind: 'failed', error: failed };
    }
  }
  const error = unreachable.join('; ') || 'no channel is configured';
  await settle(models, notice._id, claim.n, { status: 'undeliverable', error }, { outcome: 'undeliverable', error }, clock.now());
  log.warn('notice.undeliverable', { notice: notice._id, error });
  return { kind: 'undeliverable', error };
}

/** Anything that is not a DeliveryFailure is a fault of ours or the network's: worth another try. */
function asFailure(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  return new DeliveryFailure('retryable', error instanceof Error ? error.message : String(error));
}

async function recipientOf(models: Models, notice: Notice): Promise<(Recipient & { personId: Notice['personId'] }) | undefined> {
  const [person, contact] = await Promise.all([
    models.Person.findById(notice.personId).lean<Person>(),
    findContact(models, notice.personId),
  ]);
  if (!person) return undefined;
  return { personId: notice.personId, email: person.email, ...(person.displayName ? { name: person.displayName } : {}), contact };
}

/**
 * Notices left `sending` by a worker that stopped mid-send. Slack can be asked whether the
 * message is there; Teams cannot, and a message the platform was handed most likely
 * arrived, so it is marked uncertain for an admin rather than sent a second time.
 */
async function settleInterrupted(deps: DeliveryDeps, report: DeliveryReport): Promise<void> {
  const { models, clock, log } = deps;
  for (const notice of await interruptedNotices(models, clock.now())) {
    const n = notice.attempts ?? 0;
    const [attempt, recipient] = await Promise.all([attemptOf(models, notice._id, n), recipientOf(models, notice)]);
    const channel = deps.channels.find((c) => c.name === notice.channel);
    let found;
    try {
      found = channel && recipient && attempt ? await channel.lookUp(recipient, notice._id, attempt.claimedAt) : ({ state: 'unknown' } as const);
    } catch (error) {
      log.warn('notice.lookup_failed', { notice: notice._id, error });
      continue; // asked again next run
    }
    const now = clock.now();
    const via = notice.channel ? { channel: notice.channel } : {};
    if (found.state === 'delivered') {
      await settle(models, notice._id, n, { status: 'sent', channel: notice.channel!, ...(found.deliveryId ? { deliveryId: found.deliveryId } : {}) }, { outcome: 'interrupted', resolution: 'found-delivered' }, now);
      report.sent += 1;
    } else if (found.state === 'not-delivered') {
      await settle(models, notice._id, n, { status: 'pending', nextAttemptAt: now, error: 'interrupted before the platform had it', ...via }, { outcome: 'interrupted', resolution: 'not-delivered' }, now);
    } else {
      const error = `interrupted while ${notice.channel ?? 'the platform'} had the message; it cannot be asked whether it arrived`;
      await settle(models, notice._id, n, { status: 'uncertain', error, ...via }, { outcome: 'interrupted', resolution: 'assumed-delivered' }, now);
      log.warn('notice.uncertain', { notice: notice._id, channel: notice.channel });
      report.uncertain.push(notice._id);
    }
    report.recovered += 1;
  }
}
