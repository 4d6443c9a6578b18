// Notices to a learner's personal chat with the bot, through the conversation reference
// saved when they last talked to it or installed the app.
import type { ConversationReference } from 'botbuilder';
import { DeliveryFailure, type Delivered, type LookUpResult, type NoticeChannel, type NoticeMessage, type Recipient } from '../../services/notifications/channels.js';
import { cardReply } from '../../dialogs/replies.js';
import type { TeamsAdapter } from './adapter.js';
import { beforeDispatch } from './connectorHttp.js';

/** The Bot Connector's answers that mean Teams will never take this message for this person. */
const UNREACHABLE = new Set([403, 404]);
/** Worth trying again later (Microsoft: retry 429, 412, 502 and 504; other 5xx are the service failing). */
const RETRYABLE = (status: number) => status === 408 || status === 412 || status === 429 || status >= 500;

interface ConnectorError {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

function retryAfterMs(error: ConnectorError): number | undefined {
  const header = error.response?.headers?.get('retry-after');
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Sorts what the connector client threw into the worker's three kinds of failure. */
export function teamsFailure(thrown: unknown): DeliveryFailure {
  if (thrown instanceof DeliveryFailure) return thrown;
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as ConnectorError;
  const status = error.statusCode;
  const message = `${status ? `HTTP ${status}` : (error.code ?? 'error')}: ${error.message ?? String(thrown)}`;
  if (status === undefined) return new DeliveryFailure('retryable', message);
  if (UNREACHABLE.has(status)) return new DeliveryFailure('unreachable', message);
  if (RETRYABLE(status)) return new DeliveryFailure('retryable', message, retryAfterMs(error));
  return new DeliveryFailure('permanent', message);
}

export class TeamsNoticeChannel implements NoticeChannel {
  readonly name = 'teams';

  /** `appId`: the bot's Microsoft app id; empty for a local run without a registration. */
  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly appId: string,
  ) {}

  canReach(recipient: Recipient): boolean {
    return recipient.contact?.teams?.conversationReference !== undefined;
  }

  async send(recipient: Recipient, message: NoticeMessage, dispatching: () => Promise<void>): Promise<Delivered> {
    const reference = recipient.contact!.teams!.conversationReference as Partial<ConversationReference>;
    let deliveryId: string | undefined;
    // Caught inside the turn: an error escaping it would reach the adapter's onTurnError,
    // which apologises to the user, a second message the learner never asked for.
    let failed: unknown;
    try {
      await beforeDispatch.run(dispatching, () =>
        this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
          try {
            deliveryId = (await context.sendActivity(cardReply('message', message.card)))?.id;
          } catch (error) {
            failed = error;
          }
        }),
      );
    } catch (error) {
      failed = error;
    }
    if (failed !== undefined) throw teamsFailure(failed);
    return deliveryId ? { deliveryId } : {};
  }

  /** The Bot Connector has no way to read a personal chat back. */
  async lookUp(): Promise<LookUpResult> {
    return { state: 'unknown' };
  }
}
