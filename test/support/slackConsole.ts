// Requests to the Slack console as Slack sends them: form-encoded, signed with the app's
// signing secret over `v0:<timestamp>:<raw body>` (X-Slack-Signature, X-Slack-Request-Timestamp).
import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';

export interface SlackPost {
  status: number;
  body: string;
  json(): Record<string, unknown>;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface PostOptions {
  secret?: string;
  /** Seconds since the epoch; now unless a test wants a stale one. */
  timestamp?: number;
  /** Leave the signature headers out. */
  unsigned?: boolean;
  /** Replace the signature after signing (a forged one). */
  signature?: string;
}

export async function postToSlackEndpoint(url: string, body: string, options: PostOptions = {}): Promise<SlackPost> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (!options.unsigned) {
    headers['X-Slack-Request-Timestamp'] = String(timestamp);
    headers['X-Slack-Signature'] = options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body);
  }
  const response = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export interface Invoker {
  user: string;
  channel: string;
  responseUrl: string;
}

export function slashCommandBody(text: string, who: Invoker): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0LICENSE',
    team_domain: 'license-desk',
    channel_id: who.channel,
    channel_name: 'directmessage',
    user_id: who.user,
    user_name: who.user.toLowerCase(),
    command: '/coursera',
    text,
    api_app_id: 'A0LICENSE',
    is_enterprise_install: 'false',
    response_url: who.responseUrl,
    trigger_id: `${Date.now()}.trigger`,
  }).toString();
}

export function buttonClickBody(actionId: string, value: string, who: Invoker): string {
  const payload = {
    type: 'block_actions',
    user: { id: who.user, username: who.user.toLowerCase(), team_id: 'T0LICENSE' },
    api_app_id: 'A0LICENSE',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: who.channel, is_ephemeral: true },
    trigger_id: `${Date.now()}.trigger`,
    team: { id: 'T0LICENSE', domain: 'license-desk' },
    channel: { id: who.channel, name: 'directmessage' },
    response_url: who.responseUrl,
    actions: [{ action_id: actionId, block_id: 'confirm', text: { type: 'plain_text', text: 'Confirm' }, value, type: 'button', action_ts: `${Date.now() / 1000}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** All the text a Slack message shows (its blocks' text, fields and button labels). */
export function messageText(message: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') parts.push(inner);
        else walk(inner);
      }
    }
  };
  walk((message as { blocks?: unknown }).blocks ?? message);
  return parts.join('\n');
}

/** The Confirm button's value in a message, if it has one. */
export function confirmValue(message: unknown): string | undefined {
  const blocks = ((message as { blocks?: { type: string; elements?: { action_id?: string; value?: string }[] }[] }).blocks ?? []);
  return blocks.flatMap((block) => block.elements ?? []).find((element) => element.action_id === 'console_confirm')?.value;
}
