// Who is talking: the bot works it out from the channel (bot/teams/identity.ts) and hands
// it to the dialogs on the turn, so dialogs never ask a channel who someone is.
import type { TurnContext } from 'botbuilder';
import type { Types } from 'mongoose';

export interface Learner {
  personId: Types.ObjectId;
  email: string;
  name?: string;
}

const LEARNER = Symbol('learner');

export function setLearner(context: TurnContext, learner: Learner | undefined): void {
  context.turnState.set(LEARNER, learner);
}

/** Undefined when the channel could not tell us the person's work email. */
export function learnerOf(context: TurnContext): Learner | undefined {
  return context.turnState.get(LEARNER) as Learner | undefined;
}
