// The outbox's bookkeeping: which notices are due, who is sending what, and what came of
// it. A send is claimed at the moment it goes out by inserting `<noticeId>#<n>` (unique
// `_id`), the one write FerretDB and MongoDB both make atomic: two workers may prepare the
// same notice, only one sends it. Everything else is a plain update by the claim's holder.
import {
  isDuplicateKeyError,
  NOTICE_STATUSES,
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
  channel: NoticeChannelName;
  claimedAt: Date;
  leaseUntil: Date;
}

export const attemptId = (noticeId: string, n: number) => `${noticeId}#${n}`;

/** Pending notices that may be tried now, oldest first. */
export async function dueNotices(models: Models, now: Date, limit: number, skip: ReadonlySet<string> = new Set()): Promise<Notice[]> {
  return models.Notice.find({
    status: 'pending',
    $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }],
    ...(skip.size > 0 ? { _id: { $nin: [...skip] } } : {}),
  })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit)
    .lean<Notice[]>();
}

/** Claims the notice's n-th send; undefined when another worker made it first. */
export async function claimSend(
  models: Models,
  noticeId: string,
  n: number,
  channel: NoticeChannelName,
  worker: string,
  now: Date,
  leaseMs: number,
): Promise<Claim | undefined> {
  const claim: Claim = { noticeId, n, channel, claimedAt: now, leaseUntil: new Date(now.getTime() + leaseMs) };
  try {
    await models.DeliveryAttempt.collection.insertOne({ _id: attemptId(noticeId, n), worker, ...claim } as never);
    return claim;
  } catch (error) {
    if (isDuplicateKeyError(error)) return undefined;
    throw error;
  }
}

export async function attemptOf(models: Models, noticeId: string, n: number): Promise<DeliveryAttempt | null> {
  return models.DeliveryAttempt.findById(attemptId(noticeId, n)).lean<DeliveryAttempt>();
}

export async function findNotice(models: Models, noticeId: string): Promise<Notice | null> {
  return models.Notice.findById(noticeId).lean<Notice>();
}

export type Settlement = { attempts: number; channel?: NoticeChannelName } & (
  | { status: 'sent'; channel: NoticeChannelName; deliveryId?: string }
  | { status: 'pending'; nextAttemptAt: Date; error: string; unsettledSince?: Date }
  | { status: Extract<NoticeStatus, 'failed' | 'undeliverable' | 'uncertain'>; error: string }
);

export interface AttemptRecord {
  n: number;
  outcome: AttemptOutcome;
  error?: string;
  resolution?: DeliveryAttempt['resolution'];
}

/**
 * Records where the notice now stands, and, when given, what came of one of its sends. A
 * send that simply worked needs no record of its own: the notice says it.
 */
export async function settle(models: Models, noticeId: string, settlement: Settlement, now: Date, attempt?: AttemptRecord): Promise<void> {
  const set: Partial<Notice> = { status: settlement.status, attempts: settlement.attempts, updatedAt: now };
  const unset: Record<string, 1> = {};
  if (settlement.channel) set.channel = settlement.channel;
  if (settlement.status === 'sent') {
    set.sentAt = now;
    if (settlement.deliveryId) set.deliveryId = settlement.deliveryId;
    Object.assign(unset, { nextAttemptAt: 1, lastError: 1, unsettledSince: 1 });
  } else {
    set.lastError = settlement.error;
    if (settlement.status === 'pending') set.nextAttemptAt = settlement.nextAttemptAt;
    else unset.nextAttemptAt = 1;
    if (settlement.status === 'pending' && settlement.unsettledSince) set.unsettledSince = settlement.unsettledSince;
    else unset.unsettledSince = 1;
  }
  const { n, ...record } = attempt ?? { n: 0 };
  await Promise.all([
    models.Notice.updateOne({ _id: noticeId }, { $set: set, $unset: unset }),
    attempt ? models.DeliveryAttempt.updateOne({ _id: attemptId(noticeId, n) }, { $set: { ...record, finishedAt: now } }) : undefined,
  ]);
}

/** How many notices are in each status. */
export async function noticeCounts(models: Models): Promise<Record<NoticeStatus, number>> {
  const counts = Object.fromEntries(NOTICE_STATUSES.map((status) => [status, 0])) as Record<NoticeStatus, number>;
  for (const group of await models.Notice.aggregate<{ _id: NoticeStatus; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }])) {
    if (group._id in counts) counts[group._id] = group.n;
  }
  return counts;
}

/** Notices an admin should look at: they did not arrive, or may not have. */
export const TROUBLED_STATUSES = ['failed', 'undeliverable', 'uncertain'] as const satisfies readonly NoticeStatus[];

export async function troubledNotices(models: Models, limit: number): Promise<Notice[]> {
  return models.Notice.find({ status: { $in: [...TROUBLED_STATUSES] } })
    .sort({ updatedAt: -1, _id: 1 })
    .limit(limit)
    .lean<Notice[]>();
}

/**
 * An admin's "send it again": a failed, undeliverable or uncertain notice goes back in the
 * outbox with a fresh set of attempts (its claim numbers carry on, so no claim repeats).
 * Undefined when there is no such notice; `retried` is false when it was not in trouble
 * (or another admin sent it again first).
 */
export async function retryNotice(models: Models, noticeId: string, now: Date): Promise<{ before: Notice; retried: boolean } | undefined> {
  const before = await findNotice(models, noticeId);
  if (!before) return undefined;
  if (!(TROUBLED_STATUSES as readonly NoticeStatus[]).includes(before.status)) return { before, retried: false };
  const result = await models.Notice.updateOne(
    { _id: noticeId, status: before.status },
    { $set: { status: 'pending', nextAttemptAt: now, retriedAtAttempt: before.attempts ?? 0, updatedAt: now } },
  );
  return { before, retried: result.modifiedCount === 1 };
}
