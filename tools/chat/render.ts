// What a bot's activity looks like as terminal text. Adaptive Cards become readable lines
// (markdown-ish text kept, facts aligned, containers flattened) and every button gets a
// number, so typing the number clicks it. Hero and thumbnail cards, suggested actions and
// files are shown too.
import type { Activity, Attachment, CardAction } from 'botbuilder';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
const HERO_CARD = 'application/vnd.microsoft.card.hero';
const THUMBNAIL_CARD = 'application/vnd.microsoft.card.thumbnail';

type Json = Record<string, unknown>;

/** An input on a card whose value Action.Submit / Action.Execute sends with its data. */
export interface CardInput {
  id: string;
  type: string;
  label?: string;
  placeholder?: string;
  value?: string;
  choices?: { title: string; value: string }[];
  isMultiSelect?: boolean;
  valueOn?: string;
  valueOff?: string;
}

/** A numbered button, and what clicking it does. */
export type ChatButton = { title: string } & (
  | { kind: 'submit'; data: unknown; inputs: CardInput[] }
  | { kind: 'execute'; verb?: string; actionId?: string; data: unknown; inputs: CardInput[] }
  | { kind: 'openUrl'; url: string }
  | { kind: 'showCard'; lines: string[] }
  /** Hero cards and suggested actions (Bot Framework CardAction). */
  | { kind: 'imBack'; value: string }
  | { kind: 'messageBack'; text?: string; value?: unknown }
  | { kind: 'unsupported'; type: string }
);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Indents every line but the first by `width`, the first by `first`. */
function hang(lines: string[], first: string): string[] {
  const pad = ' '.repeat(first.length);
  return lines.map((line, index) => (index === 0 ? first : pad) + line);
}

class CardRenderer {
  constructor(private readonly buttons: ChatButton[]) {}

  card(card: Json, scope: CardInput[] = []): string[] {
    // Inputs of this card and of the cards around it (Action.ShowCard) go with a submit.
    const inputs = [...scope];
    collectInputs(card.body, inputs);
    const lines = this.elements(card.body, inputs);
    lines.push(...this.actions(card.actions, inputs));
    return lines;
  }

  private elements(items: unknown, inputs: CardInput[]): string[] {
    return list(items).flatMap((item) => (isObject(item) ? this.element(item, inputs) : []));
  }

  private element(element: Json, inputs: CardInput[]): string[] {
    if (element.isVisible === false) return [];
    if (!isObject(element.selectAction)) return this.content(element, inputs);
    // A clickable element: numbered before anything inside it; its content is the button's face.
    const number = this.add(element.selectAction, inputs);
    const lines = this.content(element, inputs);
    return hang(lines.length > 0 ? lines : [this.buttons[number - 1]!.title], `[${number}] `);
  }

  private content(element: Json, inputs: CardInput[]): string[] {
    switch (element.type) {
      case 'TextBlock': {
        const value = text(element.text);
        if (!value.trim()) return [];
        const bold = text(element.weight).toLowerCase() === 'bolder' || element.style === 'heading';
        return value.split('\n').map((line) => (bold && line.trim() ? `**${line}**` : line));
      }
      case 'RichTextBlock':
        return list(element.inlines)
          .map((inline) => (typeof inline === 'string' ? inline : isObject(inline) ? textRun(inline) : ''))
          .join('')
          .split('\n');
      case 'FactSet': {
        const facts = list(element.facts).filter(isObject).map((fact) => ({ title: text(fact.title), value: text(fact.value) }));
        const width = Math.max(0, ...facts.map((fact) => fact.title.length + 1));
        return facts.flatMap((fact) => hang(fact.value.split('\n'), `${`${fact.title}:`.padEnd(width)} `));
      }
      case 'Container':
        return this.elements(element.items, inputs);
      case 'ColumnSet':
        return list(element.columns).flatMap((column) => (isObject(column) ? this.element({ type: 'Column', ...column }, inputs) : []));
      case 'Column':
        return this.elements(element.items, inputs);
      case 'Image':
        return [element.altText ? `[image: ${text(element.altText)}]` : '[image]'];
      case 'ImageSet':
        return list(element.images).flatMap((image) => (isObject(image) ? this.element({ type: 'Image', ...image }, inputs) : []));
      case 'Media':
        return [`[media${element.altText ? `: ${text(element.altText)}` : ''}]`];
      case 'Table':
        return list(element.rows)
          .filter(isObject)
          .map((row) =>
            list(row.cells)
              .map((cell) => (isObject(cell) ? this.elements(cell.items, inputs).join(' ') : ''))
              .join(' | '),
          );
      case 'ActionSet':
        return this.actions(element.actions, inputs);
      default:
        if (typeof element.type === 'string' && element.type.startsWith('Input.')) return inputLines(element);
        if (isObject(element.fallback)) return this.element(element.fallback, inputs);
        return [`[${text(element.type) || 'element'} not shown]`];
    }
  }

  private actions(actions: unknown, inputs: CardInput[]): string[] {
    return list(actions).flatMap((action) => {
      if (!isObject(action) || action.isVisible === false) return [];
      const number = this.add(action, inputs);
      const button = this.buttons[number - 1]!;
      const face = `[${number}] ${button.title}`;
      if (button.kind === 'openUrl') return [`${face} → ${button.url}`];
      if (button.kind === 'showCard') return [`${face} ▾`, ...button.lines.map((line) => `    ${line}`)];
      if (button.kind === 'unsupported') return [`${face} (${button.type}, not supported here)`];
      return [face];
    });
  }

  /** Numbers an Adaptive Card action; returns its number. */
  private add(action: Json, inputs: CardInput[]): number {
    const title = text(action.title) || text(action.tooltip) || text(action.verb) || 'Open';
    switch (action.type) {
      case 'Action.Submit':
        return this.push({ kind: 'submit', title, data: action.data, inputs });
      case 'Action.Execute':
        return this.push({
          kind: 'execute',
          title,
          data: action.data,
          inputs,
          ...(typeof action.verb === 'string' ? { verb: action.verb } : {}),
          ...(typeof action.id === 'string' ? { actionId: action.id } : {}),
        });
      case 'Action.OpenUrl':
        return this.push({ kind: 'openUrl', title, url: text(action.url) });
      case 'Action.ShowCard': {
        // Numbered before its card, whose own buttons come right after it.
        const button: ChatButton = { kind: 'showCard', title, lines: [] };
        const number = this.push(button);
        button.lines = isObject(action.card) ? this.card(action.card, inputs) : [];
        return number;
      }
      default:
        return this.push({ kind: 'unsupported', title, type: text(action.type) || 'action' });
    }
  }

  push(button: ChatButton): number {
    this.buttons.push(button);
    return this.buttons.length;
  }

  /** A Bot Framework CardAction (hero cards, suggested actions). */
  cardAction(action: CardAction): string {
    const title = action.title || text(action.value);
    let button: ChatButton;
    switch (action.type) {
      case 'imBack':
      case 'postBack':
        button = { kind: 'imBack', title, value: text(action.value) };
        break;
      case 'messageBack':
        button = { kind: 'messageBack', title, ...(action.text ? { text: action.text } : {}), ...(action.value !== undefined ? { value: action.value } : {}) };
        break;
      case 'openUrl':
        button = { kind: 'openUrl', title, url: text(action.value) };
        break;
      default:
        button = { kind: 'unsupported', title, type: action.type };
    }
    const number = this.push(button);
    if (button.kind === 'openUrl') return `[${number}] ${title} → ${button.url}`;
    if (button.kind === 'unsupported') return `[${number}] ${title} (${button.type}, not supported here)`;
    return `[${number}] ${title}`;
  }
}

function textRun(run: Json): string {
  let value = text(run.text);
  if (!value) return '';
  if (text(run.weight).toLowerCase() === 'bolder') value = `**${value}**`;
  if (run.italic === true) value = `_${value}_`;
  if (run.strikethrough === true) value = `~~${value}~~`;
  return value;
}

function collectInputs(items: unknown, into: CardInput[]): void {
  for (const item of list(items)) {
    if (!isObject(item)) continue;
    if (typeof item.type === 'string' && item.type.startsWith('Input.') && typeof item.id === 'string') {
      const choices = list(item.choices)
        .filter(isObject)
        .map((choice) => ({ title: text(choice.title), value: text(choice.value) }));
      into.push({
        id: item.id,
        type: item.type,
        ...(item.label !== undefined ? { label: text(item.label) } : {}),
        ...(item.placeholder !== undefined ? { placeholder: text(item.placeholder) } : {}),
        ...(item.value !== undefined ? { value: text(item.value) } : {}),
        ...(choices.length ? { choices } : {}),
        ...(item.isMultiSelect === true ? { isMultiSelect: true } : {}),
        ...(item.valueOn !== undefined ? { valueOn: text(item.valueOn) } : {}),
        ...(item.valueOff !== undefined ? { valueOff: text(item.valueOff) } : {}),
      });
    }
    collectInputs(item.items, into);
    for (const column of list(item.columns)) if (isObject(column)) collectInputs(column.items, into);
  }
}

function inputLines(element: Json): string[] {
  const name = text(element.label) || text(element.placeholder) || text(element.title) || text(element.id);
  const current = element.value !== undefined ? ` [${text(element.value)}]` : '';
  const lines = [`(${name}: ${text(element.type).slice('Input.'.length).toLowerCase()} field${current})`];
  list(element.choices)
    .filter(isObject)
    .forEach((choice, index) => lines.push(`  ${String.fromCharCode(97 + (index % 26))}) ${text(choice.title)}`));
  return lines;
}

/** Lines for an Adaptive Card; its buttons are appended to `buttons`, numbered from there. */
export function renderAdaptiveCard(card: unknown, buttons: ChatButton[] = []): string[] {
  if (!isObject(card)) return ['[an Adaptive Card that is not an object]'];
  return new CardRenderer(buttons).card(card);
}

function heroCard(card: Json, renderer: CardRenderer): string[] {
  const lines: string[] = [];
  if (card.title) lines.push(`**${text(card.title)}**`);
  if (card.subtitle) lines.push(text(card.subtitle));
  if (card.text) lines.push(...text(card.text).split('\n'));
  for (const image of list(card.images)) if (isObject(image)) lines.push(image.alt ? `[image: ${text(image.alt)}]` : '[image]');
  for (const button of list(card.buttons)) if (isObject(button)) lines.push(renderer.cardAction(button as unknown as CardAction));
  return lines;
}

/** Lines for one attachment; buttons are appended to `buttons`. */
export function renderAttachment(attachment: Attachment, buttons: ChatButton[] = []): string[] {
  const renderer = new CardRenderer(buttons);
  switch (attachment.contentType) {
    case ADAPTIVE_CARD:
      return renderAdaptiveCard(attachment.content, buttons);
    case HERO_CARD:
    case THUMBNAIL_CARD:
      return isObject(attachment.content) ? heroCard(attachment.content, renderer) : [];
    default: {
      const name = attachment.name ? ` ${attachment.name}` : '';
      const where = attachment.contentUrl ? ` → ${attachment.contentUrl}` : '';
      return [`[attachment${name} (${attachment.contentType})${where}]`];
    }
  }
}

/** Message text as a terminal shows it: Teams' bits of HTML turned into line breaks or dropped. */
export function plainText(value: string): string[] {
  return value
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(?:p|div)>/gi, '\n')
    .replace(/<at>([^<]*)<\/at>/gi, '@$1')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, index, all) => line !== '' || (index > 0 && index < all.length - 1));
}

/** Lines for a message activity: its text, attachments and suggested actions. */
export function renderActivity(activity: Partial<Activity>, buttons: ChatButton[] = []): string[] {
  const lines: string[] = [];
  if (activity.text) lines.push(...plainText(activity.text));
  for (const attachment of activity.attachments ?? []) {
    if (lines.length > 0) lines.push('');
    lines.push(...renderAttachment(attachment, buttons));
  }
  const suggested = activity.suggestedActions?.actions ?? [];
  if (suggested.length > 0) {
    const renderer = new CardRenderer(buttons);
    lines.push(...suggested.map((action) => renderer.cardAction(action)));
  }
  return lines;
}
