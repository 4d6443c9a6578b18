// What a card button sends back. Every Action.Submit carries one of these as its data, so
// a click is read the same way however old the card is, and the receiver can tell a
// command ("status") from the answer to a question it asked.
export const COMMANDS = ['apply', 'status', 'pause', 'ready', 'release', 'withdraw', 'merge', 'faq', 'help'] as const;
export type Command = (typeof COMMANDS)[number];

export type CardAction =
  /** Start a conversation; `topic` opens one FAQ answer. */
  | { action: Command; topic?: string }
  /** Answer the question `question` (e.g. "apply.consent") with `answer` (e.g. "agree"). */
  | { action: 'answer'; question: string; answer: string };

const MAX_ID_LENGTH = 80;
const ID = /^[a-z0-9.-]+$/;

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && ID.test(value);
}

/** The action a submitted card value asks for, or undefined when it is not one of ours. */
export function readCardAction(value: unknown): CardAction | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const data = value as Record<string, unknown>;
  if (data.action === 'answer') {
    return isId(data.question) && isId(data.answer) ? { action: 'answer', question: data.question, answer: data.answer } : undefined;
  }
  if (!COMMANDS.includes(data.action as Command)) return undefined;
  const command = data.action as Command;
  return isId(data.topic) ? { action: command, topic: data.topic } : { action: command };
}
