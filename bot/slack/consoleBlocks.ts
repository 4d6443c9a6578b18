// An admin console reply as Block Kit: the title first, then its sections, and for a
// preview the Confirm and Cancel buttons. Slack's caps are kept (section text 3000,
// ten fields of 2000, 50 blocks); what does not fit is cut with a note saying so.
import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/web-api';
import type { Reply, Section } from '../console/reply.js';

export const CONFIRM_ACTION = 'console_confirm';
export const CANCEL_ACTION = 'console_cancel';

const MAX_BLOCKS = 50;
const TONE_MARK: Record<Reply['tone'], string> = { info: '', done: ':white_check_mark: ', refused: ':warning: ', preview: ':mag: ' };

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Our text uses *bold* and `code` as Slack does; only &, < and > need escaping. */
const escape = (text: string) => text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(escape(text), 3000) } });
const context = (text: string): ContextBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(escape(text), 3000) }] });

/** Lines gathered into as few sections as fit. */
function lineSections(lines: readonly string[]): SectionBlock[] {
  const blocks: SectionBlock[] = [];
  let current = '';
  for (const line of lines.map((item) => `• ${item}`)) {
    if (current && current.length + line.length + 1 > 2900) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

function sectionBlocks(part: Section): KnownBlock[] {
  switch (part.kind) {
    case 'heading':
      return [{ type: 'header', text: { type: 'plain_text', text: clip(part.text, 150) } }];
    case 'text':
      return [section(part.text)];
    case 'note':
      return [context(part.text)];
    case 'list':
      return lineSections(part.items);
    case 'fields': {
      const blocks: SectionBlock[] = [];
      for (let i = 0; i < part.fields.length; i += 10) {
        const chunk = part.fields.slice(i, i + 10);
        blocks.push({ type: 'section', fields: chunk.map(([label, value]) => ({ type: 'mrkdwn', text: clip(`*${escape(label)}*\n${escape(value)}`, 2000) })) });
      }
      return blocks;
    }
  }
}

export interface ConsoleMessage {
  text: string;
  blocks: KnownBlock[];
}

/** `confirmToken`: the signed value the buttons carry, for a preview awaiting confirmation. */
export function consoleBlocks(reply: Reply, confirmToken?: string): ConsoleMessage {
  const title = `${TONE_MARK[reply.tone]}*${escape(clip(reply.title, 2900))}*`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: title } }, ...reply.sections.flatMap(sectionBlocks)];
  const room = MAX_BLOCKS - (confirmToken ? 2 : 0);
  if (blocks.length > room) blocks.splice(room - 1, blocks.length, context('(Cut short: more than fits in one Slack message. `export` has everything.)'));
  if (confirmToken) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: CONFIRM_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Confirm' }, value: confirmToken },
        { type: 'button', action_id: CANCEL_ACTION, text: { type: 'plain_text', text: 'Cancel' }, value: confirmToken },
      ],
    });
  }
  // The notification text: plain, no markup.
  return { text: clip(reply.title, 300), blocks };
}
