// An admin console reply as plain text for a terminal: the Slack markup (*bold*, `code`)
// dropped, fields as "label: value", lists indented.
import type { Reply, Section } from '../../bot/console/reply.js';

const plain = (text: string) => text.replace(/\*([^*\n]+)\*/g, '$1').replace(/`([^`\n]+)`/g, '$1');

function sectionText(section: Section): string {
  switch (section.kind) {
    case 'heading':
    case 'text':
      return plain(section.text);
    case 'note':
      return `(${plain(section.text)})`;
    case 'list':
      return section.items.map((item) => `  - ${plain(item)}`).join('\n');
    case 'fields':
      return section.fields.map(([label, value]) => `  ${label}: ${plain(value)}`).join('\n');
  }
}

export function replyText(reply: Reply): string {
  return [plain(reply.title), ...reply.sections.map(sectionText)].join('\n');
}
