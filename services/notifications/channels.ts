// What the delivery worker needs from a messaging platform. The implementations live with
// the platforms' SDKs in bot/ (Teams, Slack); services only see plain data.
import type { MessageCard } from '../../cards/render.js';
import type { Contact, NoticeChannelName, NoticeKind } from '../../models/index.js';

export interface Recipient {
  email: string;
  name?: string;
  contact: Contact | null;
}

export interface NoticeMessage {
  noticeId: string;
  kind: NoticeKind;
  card: MessageCard;
}

/** What a channel learned about how to reach the person, to keep for next time. */
export interface LearnedContact {
  slackUserId?: string;
  slackDmChannelId?: string;
}

export interface Delivered {
  /** The platform's id for the message. */
  deliveryId?: string;
  learned?: LearnedContact;
}

/** After a send whose answer never came back: what the platform says happened. */
export type LookUpResult = { state: 'delivered'; deliveryId?: string } | { state: 'not-delivered' } | { state: 'unknown' };

export interface NoticeChannel {
  readonly name: NoticeChannelName;
  /** Whether it is worth trying this channel for the person at all. */
  canReach(recipient: Recipient): boolean;
  /**
   * Sends once (the platform SDK's own retries aside); throws `DeliveryFailure`. Calls
   * `dispatching` (and waits for it) just before the message goes on the wire, after any
   * wait for the rate limits: from then on the platform may have it.
   */
  send(recipient: Recipient, message: NoticeMessage, dispatching: () => Promise<void>): Promise<Delivered>;
  /** Whether the notice sent since `since` is there; 'unknown' when the platform cannot be asked. */
  lookUp(recipient: Recipient, noticeId: string, since: Date): Promise<LookUpResult>;
}

export type FailureKind =
  /** This channel cannot reach the person (blocked, uninstalled, unknown): try the next one. */
  | 'unreachable'
  /** Throttled, the platform failing, a timeout: try again later. */
  | 'retryable'
  /** Refused in a way that retrying will not change (bad credentials, a rejected message). */
  | 'permanent';

export class DeliveryFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** From the platform's Retry-After. */
    readonly retryAfterMs?: number,
    /** No answer came, so the platform may have it: look before sending again (channels that can look). */
    readonly mayHaveArrived = false,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}
