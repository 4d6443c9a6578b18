// Teams-shaped identifiers, derived deterministically so that the same email is the same
// person in every run: a user id `29:1…`, an Entra object id shaped like a UUID, and a
// personal conversation id `a:1…`, as Teams hands them to a bot.
import { createHash } from 'node:crypto';

export const LOCAL_TENANT_ID = 'local-tenant';

/** The bot as Teams addresses it: `28:` followed by its Microsoft App ID. */
export const LOCAL_BOT = { id: `28:${uuidFrom('license-desk-bot')}`, name: 'License Desk' } as const;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A UUID-shaped (version 4 layout) string derived from `seed`. */
export function uuidFrom(seed: string): string {
  const hex = digest(`uuid:${seed}`).toString('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The Teams user id (`29:1…`) of the person with this email. */
export function teamsUserId(email: string): string {
  return `29:1${digest(`user:${email.trim().toLowerCase()}`).toString('base64url').slice(0, 42)}`;
}

/** The Entra object id of the person with this email. */
export function aadObjectIdFor(email: string): string {
  return uuidFrom(`aad:${email.trim().toLowerCase()}`);
}

/** The id of the one-on-one conversation between the bot and this user (`a:1…`). */
export function personalConversationId(userId: string): string {
  return `a:1${digest(`personal:${userId}`).toString('base64url').slice(0, 40)}`;
}
