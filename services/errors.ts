/** Why a request was refused. Channels turn the code into their own wording; the message is a plain fallback. */
export type DomainErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'wrong-state'
  | 'barred'
  | 'no-seat'
  | 'conflict';

/** A refusal the user can act on. Nothing was written when one is thrown. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function invalidInput(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('invalid-input', message, details);
}
