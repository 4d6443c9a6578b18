// The one way to turn a template in this folder and its data into an Adaptive Card.
// Templates are JSON files next to this one; the data shapes below say what each needs.
import { readFileSync } from 'node:fs';
import { Template } from 'adaptivecards-templating';
import type { CardAction, Command } from './actions.js';

export interface CardButton {
  title: string;
  data: CardAction;
  style?: 'default' | 'positive' | 'destructive';
}

export interface CardLink {
  title: string;
  url: string;
}

export interface Fact {
  label: string;
  value: string;
}

/** A card button that starts one of the staff conversations (the dialogs'). */
export function commandButton(title: string, action: Command, style?: CardButton['style']): CardButton {
  return { title, data: { action }, ...(style ? { style } : {}) };
}

/** A card button that answers the question `question` with `answer`. */
export function answerButton(title: string, question: string, answer: string, style?: CardButton['style']): CardButton {
  return { title, data: { action: 'answer', question, answer }, ...(style ? { style } : {}) };
}

/** A heading, some text, facts, numbered steps, a closing note and buttons: most replies. */
export interface MessageCard {
  title: string;
  paragraphs?: string[];
  facts?: Fact[];
  steps?: string[];
  note?: string;
  buttons?: CardButton[];
  links?: CardLink[];
}

/** The application form: who applies, what they agree to. */
export interface ConsentCard {
  name: string;
  email: string;
  ahead: string;
  terms: string[];
  emailAdvice: string;
  agree: CardAction;
  decline: CardAction;
}

export interface HelpCard {
  title: string;
  intro: string;
  commands: { label: string; description: string; example: string; data: CardAction }[];
  contact?: string;
  buttons?: CardButton[];
}

export interface CardData {
  message: MessageCard;
  consent: ConsentCard;
  help: HelpCard;
}
export type CardName = keyof CardData;
export type AdaptiveCard = Record<string, unknown>;

export const CARD_NAMES = ['message', 'consent', 'help'] as const satisfies readonly CardName[];

const templates = new Map<CardName, Template>(
  CARD_NAMES.map((name) => [name, new Template(JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')))]),
);

/** Optional fields as the templates expect them: lists empty, texts blank, buttons styled. */
function withDefaults(data: object): object {
  const filled: Record<string, unknown> = { paragraphs: [], facts: [], steps: [], note: '', links: [], contact: '', ...data };
  filled.buttons = ((filled.buttons as CardButton[] | undefined) ?? []).map((button) => ({ style: 'default', ...button }));
  return filled;
}

export function renderCard<N extends CardName>(name: N, data: CardData[N]): AdaptiveCard {
  // Data is never expanded as a template itself, so `${...}` typed by a user stays text.
  return templates.get(name)!.expand({ $root: withDefaults(data) }) as AdaptiveCard;
}
