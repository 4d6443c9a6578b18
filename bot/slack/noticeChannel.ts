// Notices by Slack direct message, for people Teams cannot reach. The DM carries the
// notice id in its message metadata, so after a send whose answer was lost the channel's
// history says whether it arrived.
import type { WebClient } from '@slack/web-api';
import { DeliveryFailure, type Delivered, type LookUpResult, type NoticeChannel, type NoticeMessage, type Recipient } from '../../services/notifications/channels.js';
import type { RateLimit, RateLimiter, RateWindow } from '../../services/notifications/rateLimit.js';
import { messageBlocks } from './messageBlocks.js';

/** docs.slack.dev/apis/web-api/rate-limits: Tier 3 per method per workspace; chat.postMessage 1 per second per channel. */
export const SLACK_RATE_LIMITS: { tier3: readonly RateWindow[]; perChannel: readonly RateWindow[] } = {
  tier3: [{ count: 50, perMs: 60_000 }],
  perChannel: [{ count: 1, perMs: 1_000 }],
};

export const NOTICE_EVENT_TYPE = 'license_desk_notice';
const CLOCK_SKEW_MS = 10 * 60_000;

/** Slack's answers that mean this person cannot be messaged here. */
const UNREACHABLE = new Set(['users_not_found', 'user_not_found', 'user_disabled', 'cannot_dm_bot', 'channel_not_found', 'is_archived', 'not_in_channel']);
const RETRYABLE = new Set(['ratelimited', 'service_unavailable', 'internal_error', 'fatal_error', 'request_timeout']);

interface SlackError {
  code?: string;
  data?: { error?: string };
  statusCode?: number;
  retryAfter?: number;
  original?: Error;
  message?: string;
}

/** Sorts what the WebClient threw into the worker's three kinds of failure. */
export function slackFailure(thrown: unknown): DeliveryFailure {
  if (thrown instanceof DeliveryFailure) return thrown;
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as SlackError;
  switch (error.code) {
    case 'slack_webapi_rate_limited_error':
      return new DeliveryFailure('retryable', 'rate limited', (error.retryAfter ?? 1) * 1000);
    case 'slack_webapi_http_error':
      return new DeliveryFailure(error.statusCode !== undefined && error.statusCode >= 500 ? 'retryable' : 'permanent', `HTTP ${error.statusCode}`);
    case 'slack_webapi_request_error':
      // A timeout or a dropped connection: Slack may have posted it even though we heard nothing.
      return new DeliveryFailure('retryable', `no answer: ${error.original?.message ?? 'request failed'}`, undefined, true);
    case 'slack_webapi_platform_error': {
      const code = error.data?.error ?? 'unknown_error';
      return new DeliveryFailure(UNREACHABLE.has(code) ? 'unreachable' : RETRYABLE.has(code) ? 'retryable' : 'permanent', code);
    }
    default:
      return new DeliveryFailure('retryable', error.message ?? String(thrown));
  }
}

export class SlackNoticeChannel implements NoticeChannel {
  readonly name = 'slack';

  constructor(
    private readonly web: WebClient,
    private readonly limiter: RateLimiter,
    private readonly limits = SLACK_RATE_LIMITS,
  ) {}

  canReach(): boolean {
    return true; // whether the workspace knows the person's email is Slack's to say
  }

  async send(recipient: Recipient, message: NoticeMessage, dispatching: () => Promise<void>): Promise<Delivered> {
    const learned = await this.directMessageChannel(recipient);
    const { text, blocks } = messageBlocks(message.card);
    try {
      await this.limiter.acquireThen([{ key: `slack:${learned.slackDmChannelId}`, windows: this.limits.perChannel }], dispatching);
      const posted = await this.web.chat.postMessage({
          channel: learned.slackDmChannelId,
          text,
          blocks,
          unfurl_links: false,
          metadata: { event_type: NOTICE_EVENT_TYPE, event_payload: { notice_id: message.noticeId } },
      });
      return { ...(posted.ts ? { deliveryId: posted.ts } : {}), learned };
    } catch (error) {
      throw slackFailure(error);
    }
  }

  async lookUp(recipient: Recipient, noticeId: string, since: Date): Promise<LookUpResult> {
    let channel: string;
    try {
      channel = (await this.directMessageChannel(recipient)).slackDmChannelId;
    } catch (error) {
      // A person Slack cannot message cannot have been sent anything there.
      if (error instanceof DeliveryFailure && error.kind === 'unreachable') return { state: 'not-delivered' };
      throw error;
    }
    return this.findNotice(channel, noticeId, since);
  }

  /** The person's DM channel with the bot: from the contact when known, else looked up by email and opened. */
  private async directMessageChannel(recipient: Recipient): Promise<{ slackUserId: string; slackDmChannelId: string }> {
    const known = recipient.contact;
    const tier3 = (method: string): RateLimit[] => [{ key: `slack:${method}`, windows: this.limits.tier3 }];
    try {
      const slackUserId =
        known?.slackUserId ??
        (await this.call(tier3('users.lookupByEmail'), () => this.web.users.lookupByEmail({ email: recipient.email }))).user?.id;
      if (!slackUserId) throw new DeliveryFailure('unreachable', 'users_not_found');
      const slackDmChannelId =
        (known?.slackUserId === slackUserId ? known.slackDmChannelId : undefined) ??
        (await this.call(tier3('conversations.open'), () => this.web.conversations.open({ users: slackUserId }))).channel?.id;
      if (!slackDmChannelId) throw new DeliveryFailure('unreachable', 'channel_not_found');
      return { slackUserId, slackDmChannelId };
    } catch (error) {
      throw error instanceof DeliveryFailure ? error : slackFailure(error);
    }
  }

  /** Looks through the DM's history since `since` (less a margin for clock skew) for a message carrying the notice id. */
  private async findNotice(channel: string, noticeId: string, since: Date): Promise<LookUpResult> {
    const oldest = ((since.getTime() - CLOCK_SKEW_MS) / 1000).toFixed(6);
    let cursor: string | undefined;
    do {
      const page = await this.call([{ key: 'slack:conversations.history', windows: this.limits.tier3 }], () =>
        this.web.conversations.history({
          channel,
          oldest,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        }),
      ).catch((error: unknown) => {
        throw slackFailure(error);
      });
      const found = page.messages?.find(
        (m) => m.metadata?.event_type === NOTICE_EVENT_TYPE && (m.metadata.event_payload as { notice_id?: unknown } | undefined)?.notice_id === noticeId,
      );
      if (found) return { state: 'delivered', ...(found.ts ? { deliveryId: found.ts } : {}) };
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return { state: 'not-delivered' };
  }

  private async call<T>(limits: RateLimit[], request: () => Promise<T>): Promise<T> {
    await this.limiter.acquire(limits);
    return request();
  }
}
