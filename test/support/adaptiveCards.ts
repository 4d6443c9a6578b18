// Validation against the Adaptive Card schema version Teams renders (1.5), with the
// official parser: its browser bundle loads in Node, its lib/ build does not.
import { createRequire } from 'node:module';

interface ParseEvent {
  message: string;
}
interface AdaptiveCardsModule {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: ParseEvent[] } };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(index: number): ParseEvent };
  Versions: Record<string, unknown>;
}

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;

/** Every problem the parser reports for `json` as a 1.5 card; empty when valid. */
export function cardProblems(json: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index += 1) problems.push(context.getEventAt(index).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  const version = (json as { version?: unknown }).version;
  if (version !== '1.5') problems.push(`version is ${String(version)}, Teams renders 1.5`);
  return problems;
}
