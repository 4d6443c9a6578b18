// Asks one question on a card and waits for the answer: a click on one of the card's
// buttons for this question, or a typed word that means one answer only ("yes", "not now").
import type { Activity, TurnContext } from 'botbuilder';
import { Prompt, type DialogContext, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import { readCardAction } from '../cards/actions.js';
import { normaliseText } from './intents.js';

export interface Answer {
  id: string;
  synonyms: readonly string[];
}

export interface Question {
  /** The id the card's buttons carry, e.g. "apply.consent". */
  id: string;
  answers: readonly Answer[];
}

export interface AskOptions extends PromptOptions {
  prompt: Partial<Activity>;
  validations: Question;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The answer id a message gives to `question`, if it gives exactly one. */
export function recognizeAnswer(question: Question, activity: Partial<Activity>): string | undefined {
  const action = readCardAction(activity.value);
  if (action) {
    if (action.action !== 'answer' || action.question !== question.id) return undefined;
    return question.answers.some((answer) => answer.id === action.answer) ? action.answer : undefined;
  }
  const text = normaliseText(activity.text);
  if (!text) return undefined;
  const matching = question.answers.filter((answer) =>
    answer.synonyms.some((synonym) => new RegExp(`(^|[^a-z0-9'])${escapeRegExp(synonym)}($|[^a-z0-9'])`).test(text)),
  );
  return matching.length === 1 ? matching[0]!.id : undefined;
}

export class AnswerPrompt extends Prompt<string> {
  constructor(dialogId: string) {
    super(dialogId);
  }

  /** Whether the dialog waiting deepest in `dc` is a question this message answers. */
  static answers(dc: DialogContext, activity: Partial<Activity>): boolean {
    let inner: DialogContext = dc;
    while (inner.child) inner = inner.child;
    const active = inner.activeDialog;
    if (!active || !(inner.findDialog(active.id) instanceof AnswerPrompt)) return false;
    const options = (active.state as { options?: AskOptions }).options;
    return options !== undefined && recognizeAnswer(options.validations, activity) !== undefined;
  }

  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    if (isRetry) await context.sendActivity('Please answer with one of the buttons on the card, or say **cancel** to stop here.');
    if (options.prompt) await context.sendActivity(options.prompt);
  }

  protected async onRecognize(context: TurnContext, _state: object, options: PromptOptions): Promise<PromptRecognizerResult<string>> {
    const answer = recognizeAnswer((options as AskOptions).validations, context.activity);
    return answer === undefined ? { succeeded: false } : { succeeded: true, value: answer };
  }
}
