// Activities shaped the way Microsoft Teams posts them to a bot's /api/messages in a
// personal (one-on-one) chat.
import { DateTime } from 'luxon';
import { LOCAL_BOT, type TeamsMember } from '../botConnector/index.js';

/** An activity as JSON on the wire (timestamps as strings, local time with its offset). */
export type ActivityJson = Record<string, unknown>;

export interface TeamsChatContext {
  /** The Bot Connector the bot answers to, with a trailing slash as Teams sends it. */
  serviceUrl: string;
  conversationId: string;
  member: TeamsMember;
  bot?: { id: string; name: string };
  locale: string;
  timeZone: string;
}

let sequence = 0;

/** Teams message ids are epoch milliseconds; other activities get an `f:` id. */
function messageId(): string {
  return String(Date.now() * 100 + (sequence++ % 100));
}

function base(context: TeamsChatContext, type: string, id: string): ActivityJson {
  const now = DateTime.now().setZone(context.timeZone);
  const bot = context.bot ?? LOCAL_BOT;
  return {
    type,
    id,
    timestamp: now.toUTC().toISO(),
    localTimestamp: now.toISO(),
    localTimezone: context.timeZone,
    serviceUrl: context.serviceUrl,
    channelId: 'msteams',
    from: { id: context.member.id, name: context.member.name, aadObjectId: context.member.aadObjectId },
    conversation: {
      id: context.conversationId,
      conversationType: 'personal',
      tenantId: context.member.tenantId,
      isGroup: false,
      name: '',
    },
    recipient: { id: bot.id, name: bot.name },
    locale: context.locale,
    entities: [{ type: 'clientInfo', locale: context.locale, country: context.locale.split('-')[1] ?? '', platform: 'Web', timezone: context.timeZone }],
    channelData: { tenant: { id: context.member.tenantId } },
  };
}

/** What Teams sends when the user installs the app in personal scope. */
export function installationUpdate(context: TeamsChatContext): ActivityJson {
  return { ...base(context, 'installationUpdate', `f:${messageId()}`), action: 'add', channelData: { tenant: { id: context.member.tenantId }, source: { name: 'message' } } };
}

/** A typed message. */
export function textMessage(context: TeamsChatContext, text: string): ActivityJson {
  return { ...base(context, 'message', messageId()), text, textFormat: 'plain' };
}

/** A click on Action.Submit: the button's data (with the card's inputs) as `value`, no text. */
export function submitMessage(context: TeamsChatContext, value: unknown, replyToId: string | undefined, text?: string): ActivityJson {
  const activity = base(context, 'message', messageId());
  return {
    ...activity,
    ...(text !== undefined ? { text, textFormat: 'plain' } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(replyToId ? { replyToId } : {}),
    channelData: { tenant: { id: context.member.tenantId }, source: { name: 'message' } },
  };
}

/** A click on Action.Execute: the Universal Actions invoke. */
export function executeInvoke(
  context: TeamsChatContext,
  action: { verb?: string; id?: string; data: unknown },
  replyToId: string | undefined,
): ActivityJson {
  return {
    ...base(context, 'invoke', `f:${messageId()}`),
    name: 'adaptiveCard/action',
    value: {
      action: { type: 'Action.Execute', ...(action.id ? { id: action.id } : {}), ...(action.verb !== undefined ? { verb: action.verb } : {}), data: action.data },
      trigger: 'manual',
    },
    ...(replyToId ? { replyToId } : {}),
    channelData: { tenant: { id: context.member.tenantId }, source: { name: 'message' } },
  };
}
