// The outbox's bookkeeping: which notices are due, who holds an attempt, and what came of
// it. Claims are inserts of `<noticeId>#<n>` (unique `_id`): the one write FerretDB and
// MongoDB both make atomic. Everything else here is a plain update that only the claim's
// holder makes, or that gives the same result whoever makes it.
import {
  isDuplicateKeyError,
  type AttemptOutcome,
  type DeliveryAttempt,
  type Models,
  type Notice,
  type NoticeChannelName,
  type NoticeStatus,
} from '../../models/index.js';

export interface Claim {
  noticeId: string;
  n: number;
  claimedAt: Date;
  leaseUntil: Date;
}

export const attemptId = (noticeId: string, n: number) => `${noticeId}#${n}`;

/** Pending notices that may be tried now, oldest first. */
export async function dueNotices(models: Models, now: Date, limit: number, skip: ReadonlySet<string>): Promise<Notice[]> {
  const pending = await models.Notice.find({ status: 'pending' }).sort({ createdAt: 1, _id: 1 }).lean<Notice[]>();
  return pending.filter((notice) => !skip.has(notice._id) && !(notice.nextAttemptAt && notice.nextAttemptAt > now)).slice(0, limit);
}

/** Attempts the notice's n-th try; undefined when another worker already holds it. */
export async function claimAttempt(models: Models, noticeId: string, n: number, worker: string, now: Date, leaseMs: number): Promise<Claim | undefined> {
  const claim = { noticeId, n, claimedAt: now, leaseUntil: new Date(now.getTime() + leaseMs) };
  try {
    await models.DeliveryAttempt.collection.insertOne({ _id: attemptId(noticeId, n), worker, ...claim } as never);
    return claim;
  } catch (error) {
    if (isDuplicateKeyError(error)) return undefined;
    throw error;
  }
}

/**
 * When the n-th attempt is held by a worker that never got as far as sending (the notice
 * is still pending below n) and its lease is over, it is given up so the notice can move on.
 * True when the notice may now be claimed at n + 1.
 */
export async function releaseAbandoned(models: Models, noticeId: string, n: number, now: Date): Promise<boolean> {
  const [attempt, notice] = await Promise.all([
    models.DeliveryAttempt.findById(attemptId(noticeId, n)).lean<DeliveryAttempt>(),
    models.Notice.findById(noticeId).lean<Notice>(),
  ]);
  if (!attempt || attempt.outcome || attempt.leaseUntil > now) return false;
  if (!notice || notice.status !== 'pending' || (notice.attempts ?? 0) >= n) return false;
  await finishAttempt(models, attemptId(noticeId, n), { outcome: 'abandoned', error: 'the worker stopped before sending' }, now);
  await models.Notice.updateOne({ _id: noticeId, status: 'pending' }, { $set: { attempts: n, updatedAt: now } });
  return true;
}

/** Written just before the platform is called: from here on, a silent worker means "maybe sent". */
export async function markSending(models: Models, claim: Claim, channel: NoticeChannelName, now: Date): Promise<void> {
  await Promise.all([
    models.Notice.updateOne(
      { _id: claim.noticeId },
      { $set: { status: 'sending', attempts: claim.n, channel, leaseUntil: claim.leaseUntil, updatedAt: now }, $unset: { nextAttemptAt: 1 } },
    ),
    models.DeliveryAttempt.updateOne({ _id: attemptId(claim.noticeId, claim.n) }, { $set: { channel } }),
  ]);
}

export type Settlement =
  | { status: 'sent'; channel: NoticeChannelName; deliveryId?: string }
  | { status: 'pending'; nextAttemptAt: Date; error: string; channel?: NoticeChannelName; unsettledSince?: Date }
  | { status: Extract<NoticeStatus, 'failed' | 'undeliverable' | 'uncertain'>; error: string; channel?: NoticeChannelName };

/** Records where the notice now stands after attempt `n`, with the attempt's own outcome. */
export async function settle(
  models: Models,
  noticeId: string,
  n: number,
  settlement: Settlement,
  attempt: { outcome: AttemptOutcome; error?: string; resolution?: DeliveryAttempt['resolution'] },
  now: Date,
): Promise<void> {
  const set: Partial<Notice> = { status: settlement.status, attempts: n, updatedAt: now };
  const unset: Record<string, 1> = { leaseUntil: 1 };
  if (settlement.channel) set.channel = settlement.channel;
  if (settlement.status === 'sent') {
    set.sentAt = now;
    if (settlement.deliveryId) set.deliveryId = settlement.deliveryId;
    unset.nextAttemptAt = 1;
    unset.lastError = 1;
    unset.unsettledSince = 1;
  } else {
    set.lastError = settlement.error;
    if (settlement.status === 'pending') {
      set.nextAttemptAt = settlement.nextAttemptAt;
      if (settlement.unsettledSince) set.unsettledSince = settlement.unsettledSince;
      else unset.unsettledSince = 1;
    } else unset.nextAttemptAt = 1;
  }
  await Promise.all([
    models.Notice.updateOne({ _id: noticeId }, { $set: set, $unset: unset }),
    finishAttempt(models, attemptId(noticeId, n), attempt, now),
  ]);
}

function finishAttempt(models: Models, id: string, attempt: { outcome: AttemptOutcome; error?: string; resolution?: DeliveryAttempt['resolution'] }, now: Date) {
  return models.DeliveryAttempt.updateOne({ _id: id }, { $set: { ...attempt, finishedAt: now } });
}

/** Notices whose attempt's worker went silent mid-send: their lease ran out while `sending`. */
export async function interruptedNotices(models: Models, now: Date): Promise<Notice[]> {
  const sending = await models.Notice.find({ status: 'sending' }).lean<Notice[]>();
  return sending.filter((notice) => !notice.leaseUntil || notice.leaseUntil <= now);
}

export async function attemptOf(models: Models, noticeId: string, n: number): Promise<DeliveryAttempt | null> {
  return models.DeliveryAttempt.findById(attemptId(noticeId, n)).lean<DeliveryAttempt>();
}
