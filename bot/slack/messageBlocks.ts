// A message card as Slack Block Kit, for people the bot reaches in Slack. Card buttons
// that start a conversation with the Teams bot have no meaning in Slack and are left out;
// the message's own text says what to do instead.
import type { KnownBlock, SectionBlock } from '@slack/web-api';
import type { MessageCard } from '../../cards/render.js';

/** Slack caps: header text 150, section text 3000, a field 2000, ten fields, 25 elements in actions. */
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Adaptive Card markdown (`**bold**`, `[text](url)`) to Slack mrkdwn (`*bold*`, `<url|text>`). */
export function toMrkdwn(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g, '<$2|$1>');
}

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(toMrkdwn(text), 3000) } });

export function messageBlocks(card: MessageCard): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(card.title, 150) } }];
  for (const paragraph of card.paragraphs ?? []) blocks.push(section(paragraph));
  if (card.facts?.length) {
    blocks.push({
      type: 'section',
      fields: card.facts.slice(0, 10).map((fact) => ({ type: 'mrkdwn', text: clip(`*${toMrkdwn(fact.label)}*\n${toMrkdwn(fact.value)}`, 2000) })),
    });
  }
  if (card.steps?.length) blocks.push(section(card.steps.map((step, i) => `${i + 1}. ${step}`).join('\n')));
  if (card.note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(toMrkdwn(card.note), 3000) }] });
  if (card.links?.length) {
    blocks.push({
      type: 'actions',
      elements: card.links.slice(0, 25).map((link, i) => ({
        type: 'button',
        action_id: `link-${i}`,
        text: { type: 'plain_text', text: clip(link.title, 75) },
        url: link.url,
      })),
    });
  }
  // The notification preview and screen readers use `text`.
  const text = clip(toMrkdwn([card.title, ...(card.paragraphs ?? [])].join('\n')), 3000);
  return { text, blocks };
}
