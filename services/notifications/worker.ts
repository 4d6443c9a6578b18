// The delivery worker: drains the outbox. For each due notice it renders the card, tries
// the channels in order (Teams, then Slack when Teams cannot reach the person) and records
// what happened. A notice goes out at most once because each send is claimed as it leaves
// (see outbox.ts), and a send that may have arrived is settled, by asking the platform
// where it can be asked, before the notice is sent again.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Contact, DeliveryAttempt, Models, Notice, NoticeChannelName, Person } from '../../models/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { noticeCard } from '../noticeCards.js';
import { saveSlackContact } from '../people.js';
import { loadSettings, type Settings } from '../settings.js';
import { DeliveryFailure, type Delivered, type LookUpResult, type NoticeChannel, type NoticeMessage, type Recipient } from './channels.js';
import { attemptOf, claimSend, dueNotices, findNotice, settle, type AttemptRecord, type Claim, type Settlement } from './outbox.js';

export interface DeliveryOptions {
  /** Names this worker in the sends it claims. */
  worker?: string;
  /** Notices in flight at once; the rate limiters, not this, keep within the platforms' limits. */
  concurrency?: number;
  /** Notices read from the outbox at a time; the next batch is read while the last is delivered. */
  batchSize?: number;
  /** Sends per notice before it is marked failed. */
  maxAttempts?: number;
  /** How long a send may take before others presume its worker dead. Longer than any send with its retries. */
  leaseMs?: number;
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
  batchSize: 2_000,
  maxAttempts: 5,
  leaseMs: 3 * 60_000,
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
  /** Sends of a worker that died before recording them, settled by this one. */
  recovered: number;
}

type Config = Required<Omit<DeliveryOptions, 'worker'>> & { worker: string };

/**
 * Runs the worker's database writes one at a time, claims first. FerretDB (the local
 * database) serialises writes anyway and slows down the more wait at once; and a claim
 * is the last thing before a message goes out under a rate-limit slot, so it must not
 * queue behind the bookkeeping of sends already made.
 */
class WriteQueue {
  private readonly claims: (() => void)[] = [];
  private readonly others: (() => void)[] = [];
  private busy = false;

  run<T>(write: () => Promise<T>, { claim = false } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (claim ? this.claims : this.others).push(() => {
        write()
          .then(resolve, reject)
          .finally(() => {
            this.busy = false;
            this.next();
          });
      });
      this.next();
    });
  }

  private next(): void {
    if (this.busy) return;
    const start = this.claims.shift() ?? this.others.shift();
    if (!start) return;
    this.busy = true;
    start();
  }
}

export function workerName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Delivers every notice that is due, then returns what happened. */
export async function deliverNotices(deps: DeliveryDeps, options: DeliveryOptions = {}): Promise<DeliveryReport> {
  const config: Config = { ...DELIVERY_DEFAULTS, sleep: (ms: number) => sleep(ms), random: Math.random, worker: workerName(), ...options };
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: [], undeliverable: [], uncertain: [], recovered: 0 };
  const settings = await loadSettings(deps.models);

  // Notices another worker is sending are left to it for the rest of this run.
  const leftToOthers = new Set<string>();
  const writes = new WriteQueue();
  for (;;) {
    const outbox = new OutboxReader(deps.models, deps.clock, config, leftToOthers);
    await inParallel(config.concurrency, () => outbox.next(), async ({ notice, recipient }) => {
      const ctx: NoticeRun = { deps, writes, config, settings, notice, recipient, report };
      try {
        if (!(await deliverOne(ctx))) leftToOthers.add(notice._id);
      } catch (error) {
        // The database failing one notice is no reason to stop the others; it is tried next run.
        deps.log.error('notice.delivery_error', { notice: notice._id, error });
        leftToOthers.add(notice._id);
      } finally {
        outbox.done(notice._id);
      }
    });
    if (outbox.failure) throw outbox.failure.error;
    // Once everything read is done, the outbox is read again: a retry may have come due meanwhile.
    if (outbox.read === 0) break;
  }
  return report;
}

interface Due {
  notice: Notice;
  recipient: Addressee | undefined;
}

/**
 * The outbox, a batch at a time, the next batch read while the lanes still work through
 * the last: on FerretDB reading a batch and its recipients scans the outbox, the people and
 * their contacts (seconds on a large outbox), and lanes waiting for it leave rate-limit
 * slots unused. A read leaves out what was read and is not done yet, and what is left to
 * other workers; once one finds nothing, the lanes finish what is queued and stop.
 */
class OutboxReader {
  /** Notices read so far. */
  read = 0;
  failure: { error: unknown } | undefined;
  private readonly queue: Due[] = [];
  /** Read and not yet done. */
  private readonly open = new Set<string>();
  private reading: Promise<void> | undefined;
  private drained = false;

  constructor(
    private readonly models: Models,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly leftToOthers: ReadonlySet<string>,
  ) {}

  /** The next notice to deliver; undefined when there is none (or reading failed). */
  async next(): Promise<Due | undefined> {
    for (;;) {
      if (this.failure) return undefined;
      if (!this.drained && !this.reading && this.queue.length <= this.config.batchSize / 2) {
        this.reading = this.readBatch().finally(() => {
          this.reading = undefined;
        });
      }
      const due = this.queue.shift();
      if (due) return due;
      if (!this.reading) return undefined;
      await this.reading;
    }
  }

  done(noticeId: string): void {
    this.open.delete(noticeId);
  }

  private async readBatch(): Promise<void> {
    try {
      const due = await dueNotices(this.models, this.clock.now(), this.config.batchSize, new Set([...this.open, ...this.leftToOthers]));
      if (due.length === 0) {
        this.drained = true;
        return;
      }
      const recipients = await recipientsOf(this.models, due);
      // In an order of its own, so that two workers on one outbox rarely reach for the same notice.
      for (const notice of shuffled(due, this.config.random)) {
        this.open.add(notice._id);
        this.queue.push({ notice, recipient: recipients.get(notice._id) });
      }
      this.read += due.length;
    } catch (error) {
      this.failure = { error };
    }
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** `width` lanes, each taking the next item until there are none. */
async function inParallel<T>(width: number, next: () => Promise<T | undefined>, work: (item: T) => Promise<void>): Promise<void> {
  const lane = async () => {
    for (let item = await next(); item !== undefined; item = await next()) await work(item);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

interface NoticeRun {
  deps: DeliveryDeps;
  writes: WriteQueue;
  config: Config;
  settings: Settings;
  notice: Notice;
  recipient: Addressee | undefined;
  report: DeliveryReport;
}

/** A send that went unanswered, which must be looked for before sending again. */
interface Unsettled {
  since: Date;
  channel: NoticeChannelName;
}

type Outcome =
  | { kind: 'sent' | 'failed' | 'undeliverable' | 'uncertain' }
  /** Another worker is sending it. */
  | { kind: 'taken' }
  /** Nothing was sent, or a dead worker's send was found missing: go on at once. */
  | { kind: 'again'; attempts: number }
  | { kind: 'retry'; attempts: number; error: string; retryAfterMs?: number; channel?: NoticeChannelName; mayHaveArrived?: boolean };

/** One notice, through as many attempts as this run may make. False when another worker has it. */
async function deliverOne(run: NoticeRun): Promise<boolean> {
  const { deps, config, notice, report, writes } = run;
  const { models, clock } = deps;
  let attempts = notice.attempts ?? 0;
  let unsettled: Unsettled | undefined = notice.unsettledSince && notice.channel ? { since: notice.unsettledSince, channel: notice.channel } : undefined;
  for (;;) {
    const outcome = await attemptDelivery(run, attempts, unsettled);
    switch (outcome.kind) {
      case 'taken':
        return false;
      case 'again':
        attempts = outcome.attempts;
        unsettled = undefined;
        continue;
      case 'sent':
        report.sent += 1;
        return true;
      case 'failed':
      case 'undeliverable':
      case 'uncertain':
        report[outcome.kind].push(notice._id);
        return true;
    }
    attempts = outcome.attempts;
    const via = outcome.channel ? { channel: outcome.channel } : {};
    const record: AttemptRecord | undefined = attempts > (notice.attempts ?? 0) ? { n: attempts, outcome: 'retry', error: outcome.error } : undefined;
    if (attempts - (notice.retriedAtAttempt ?? 0) >= config.maxAttempts) {
      await writes.run(() => settle(models, notice._id, { status: 'failed', attempts, error: outcome.error, ...via }, clock.now(), record && { ...record, outcome: 'failed' }));
      deps.log.warn('notice.failed', { notice: notice._id, attempts, error: outcome.error });
      report.failed.push(notice._id);
      return true;
    }
    const delay = Math.max(retryDelay(config, attempts, outcome.retryAfterMs), outcome.mayHaveArrived ? config.settleDelayMs : 0);
    unsettled = outcome.mayHaveArrived && outcome.channel ? { since: unsettled?.since ?? clock.now(), channel: outcome.channel } : undefined;
    const nextAttemptAt = new Date(clock.now().getTime() + delay);
    await writes.run(() => settle(models, notice._id, { status: 'pending', attempts, nextAttemptAt, error: outcome.error, ...via, ...(unsettled ? { unsettledSince: unsettled.since } : {}) }, clock.now(), record));
    if (delay > config.inlineRetryMaxMs) {
      report.retrying += 1;
      return true;
    }
    await config.sleep(delay);
  }
}

export function retryDelay(config: Pick<Config, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>, attempt: number, retryAfterMs?: number): number {
  const backoff = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** (Math.max(1, attempt) - 1));
  const jittered = backoff * (0.5 + config.random() / 2);
  // The platform's Retry-After is a floor; a little spread keeps retries from arriving together.
  return Math.round(retryAfterMs !== undefined ? retryAfterMs + config.random() * Math.min(1_000, retryAfterMs / 10) : jittered);
}

/** Tries each channel in turn until one takes the notice or all say they never will. */
async function attemptDelivery(run: NoticeRun, attempts: number, unsettled: Unsettled | undefined): Promise<Outcome> {
  const { deps, config, settings, notice, recipient, writes } = run;
  const { models, clock, log } = deps;
  const end = async (settlement: Settlement, attempt?: AttemptRecord): Promise<Outcome> => {
    await writes.run(() => settle(models, notice._id, settlement, clock.now(), attempt));
    if (settlement.status !== 'sent') log.warn(`notice.${settlement.status}`, { notice: notice._id, error: settlement.error });
    return { kind: settlement.status as 'sent' | 'failed' | 'undeliverable' | 'uncertain' };
  };
  if (!recipient) return end({ status: 'undeliverable', attempts, error: 'the person no longer exists' });
  const message: NoticeMessage = { noticeId: notice._id, kind: notice.kind, card: noticeCard(notice, recipient, settings, clock.now()) };

  let n = attempts;
  const unreachable: string[] = [];
  for (const channel of deps.channels) {
    if (!channel.canReach(recipient)) {
      unreachable.push(`${channel.name}: no way to reach ${recipient.email}`);
      continue;
    }
    if (unsettled?.channel === channel.name) {
      // The last send went unanswered: if it arrived after all, there is nothing to send.
      const found = await channel.lookUp(recipient, notice._id, unsettled.since).catch(() => ({ state: 'unknown' }) as const);
      if (found.state === 'delivered') {
        return end({ status: 'sent', attempts: n, channel: channel.name, ...(found.deliveryId ? { deliveryId: found.deliveryId } : {}) }, { n, outcome: 'sent', resolution: 'found-delivered' });
      }
      if (found.state === 'unknown') return { kind: 'retry', attempts: n, error: `${channel.name}: could not check whether the last send arrived`, channel: channel.name, mayHaveArrived: true };
    }

    let claim: Claim | undefined;
    let taken = false;
    const dispatching = async () => {
      if (claim) return; // the SDK trying the same send again
      claim = await writes.run(() => claimSend(models, notice._id, n + 1, channel.name, config.worker, clock.now(), config.leaseMs), { claim: true });
      if (!claim) {
        taken = true;
        throw new DeliveryFailure('retryable', 'another worker sent it first');
      }
    };
    let delivered: Delivered;
    try {
      delivered = await channel.send(recipient, message, dispatching);
    } catch (error) {
      if (taken) return claimedElsewhere(run, n + 1);
      const failure = error instanceof DeliveryFailure ? error : new DeliveryFailure('retryable', error instanceof Error ? error.message : String(error));
      const described = `${channel.name}: ${failure.message}`;
      const sent = claim !== undefined;
      if (sent) n += 1;
      if (failure.kind === 'unreachable') {
        unreachable.push(described);
        if (sent) await writes.run(() => settle(models, notice._id, { status: 'pending', attempts: n, nextAttemptAt: clock.now(), error: described, channel: channel.name }, clock.now(), { n, outcome: 'undeliverable', error: described }));
        continue;
      }
      if (failure.kind === 'retryable') {
        return { kind: 'retry', attempts: n, error: described, channel: channel.name, mayHaveArrived: sent && failure.mayHaveArrived, ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) };
      }
      return end({ status: 'failed', attempts: n, error: described, channel: channel.name }, sent ? { n, outcome: 'failed', error: described } : undefined);
    }
    // Recorded apart from the send: failing to write this down must never look like a failed send.
    await recordSent(run, n + 1, channel.name, delivered);
    return { kind: 'sent' };
  }
  return end({ status: 'undeliverable', attempts: n, error: unreachable.join('; ') || 'no channel is configured' });
}

const RECORD_TRIES = 3;

/**
 * Writes down a send that worked, trying a few times. If the database will not take it, the
 * claim stays unsettled and the next run settles it like a dead worker's send (found in
 * Slack; uncertain in Teams): never sent again.
 */
async function recordSent(run: NoticeRun, n: number, channel: NoticeChannelName, delivered: Delivered): Promise<void> {
  const { deps, notice, recipient, writes, config } = run;
  const { models, clock, log } = deps;
  for (let tries = 1; ; tries += 1) {
    try {
      await writes.run(() => settle(models, notice._id, { status: 'sent', attempts: n, channel, ...(delivered.deliveryId ? { deliveryId: delivered.deliveryId } : {}) }, clock.now()));
      break;
    } catch (error) {
      if (tries >= RECORD_TRIES) {
        log.error('notice.sent_unrecorded', { notice: notice._id, error });
        return;
      }
      await config.sleep(100 * tries);
    }
  }
  if (delivered.learned && recipient) {
    const learned = delivered.learned;
    await writes.run(() => saveSlackContact(models, recipient.personId, learned, clock.now())).catch((error: unknown) => log.warn('notice.contact_unsaved', { notice: notice._id, error }));
    recipient.contact = { ...(recipient.contact ?? { _id: recipient.personId, updatedAt: clock.now() }), ...learned };
  }
}

/**
 * Send `n` was claimed by another worker. If that worker is still within its lease, it is
 * left to it; if it died before recording the result, the result is found out here.
 */
async function claimedElsewhere(run: NoticeRun, n: number): Promise<Outcome> {
  const { deps, notice, recipient, report } = run;
  const { models, clock, log } = deps;
  const [attempt, current] = await Promise.all([attemptOf(models, notice._id, n), findNotice(models, notice._id)]);
  const now = clock.now();
  if (!attempt || !current || current.status !== 'pending' || (current.attempts ?? 0) >= n || attempt.leaseUntil > now) return { kind: 'taken' };

  const channel = deps.channels.find((c) => c.name === attempt.channel);
  let found;
  try {
    found = channel && recipient ? await channel.lookUp(recipient, notice._id, attempt.claimedAt) : ({ state: 'unknown' } as const);
  } catch (error) {
    log.warn('notice.lookup_failed', { notice: notice._id, error });
    return { kind: 'taken' }; // looked at again next run
  }
  report.recovered += 1;
  return settleInterrupted(run, attempt, found);
}

async function settleInterrupted(run: NoticeRun, attempt: DeliveryAttempt, found: LookUpResult): Promise<Outcome> {
  const { deps, notice, writes } = run;
  const { models, clock, log } = deps;
  const { n } = attempt;
  const via = attempt.channel ? { channel: attempt.channel } : {};
  if (found.state === 'delivered') {
    await writes.run(() => settle(models, notice._id, { status: 'sent', attempts: n, channel: attempt.channel!, ...(found.deliveryId ? { deliveryId: found.deliveryId } : {}) }, clock.now(), { n, outcome: 'interrupted', resolution: 'found-delivered' }));
    return { kind: 'sent' };
  }
  if (found.state === 'not-delivered') {
    await writes.run(() => settle(models, notice._id, { status: 'pending', attempts: n, nextAttemptAt: clock.now(), error: 'a send was cut off before the platform had it', ...via }, clock.now(), { n, outcome: 'interrupted', resolution: 'not-delivered' }));
    return { kind: 'again', attempts: n };
  }
  // Teams cannot be asked, and a message already on its way most likely arrived: an admin decides.
  const error = `cut off while ${attempt.channel ?? 'the platform'} had the message; it cannot be asked whether it arrived`;
  await writes.run(() => settle(models, notice._id, { status: 'uncertain', attempts: n, error, ...via }, clock.now(), { n, outcome: 'interrupted', resolution: 'assumed-delivered' }));
  log.warn('notice.uncertain', { notice: notice._id, channel: attempt.channel });
  return { kind: 'uncertain' };
}

type Addressee = Recipient & { personId: Notice['personId'] };

/** Who each notice is for and how to reach them, read for a whole batch at once. */
async function recipientsOf(models: Models, notices: readonly Notice[]): Promise<Map<string, Addressee>> {
  const ids = [...new Set(notices.map((n) => n.personId.toString()))];
  const [people, contacts] = await Promise.all([
    models.Person.find({ _id: { $in: ids } }, { email: 1, displayName: 1 }).lean<Pick<Person, '_id' | 'email' | 'displayName'>[]>(),
    models.Contact.find({ _id: { $in: ids } }).lean<Contact[]>(),
  ]);
  const contactOf = new Map(contacts.map((c) => [c._id.toString(), c]));
  const byPerson = new Map(people.map((p) => [p._id.toString(), p]));
  const recipients = new Map<string, Addressee>();
  for (const notice of notices) {
    const person = byPerson.get(notice.personId.toString());
    if (!person) continue;
    recipients.set(notice._id, {
      personId: notice.personId,
      email: person.email,
      ...(person.displayName ? { name: person.displayName } : {}),
      contact: contactOf.get(notice.personId.toString()) ?? null,
    });
  }
  return recipients;
}
