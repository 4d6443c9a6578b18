// What a Confirm button carries: the command line to run, the admin it was shown to and
// when it stops counting, signed so that nobody can make one up or edit it. Nothing is
// stored: the commands behind a confirmation are idempotent, so a second click on the
// same button changes nothing more.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CONFIRMATION_TTL_MS = 10 * 60 * 1000;

export interface Confirmation {
  line: string;
  /** The Slack user id it was shown to. */
  user: string;
  expiresAt: number;
}

export type Checked = { ok: true; confirmation: Confirmation } | { ok: false; why: 'forged' | 'expired' | 'someone-else'; confirmation?: Confirmation };

export class ConfirmationSigner {
  private readonly key: Buffer;

  constructor(signingSecret: string) {
    // A key of its own, so a button value is never a valid request signature or the reverse.
    this.key = createHmac('sha256', signingSecret).update('license-desk confirmation').digest();
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  sign(line: string, user: string, now: Date): string {
    const payload = Buffer.from(JSON.stringify({ line, user, expiresAt: now.getTime() + CONFIRMATION_TTL_MS } satisfies Confirmation)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  check(value: string, user: string, now: Date): Checked {
    const [payload = '', mac = ''] = value.split('.');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'forged' };
    const confirmation = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Confirmation;
    if (confirmation.user !== user) return { ok: false, why: 'someone-else', confirmation };
    if (now.getTime() > confirmation.expiresAt) return { ok: false, why: 'expired', confirmation };
    return { ok: true, confirmation };
  }
}
