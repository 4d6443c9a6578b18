// Common questions: answers one from the knowledge base, opens a topic by its button, or
// lists the topics. A question nothing matches well gets told so, with who can help:
// never a guessed answer.
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { loadSettings, type Settings } from '../services/settings.js';
import type { FaqTopic } from './knowledge/faq.js';
import { helperLine, programAdmins, sendCard } from './replies.js';
import type { StaffServices } from './staffServices.js';
import { commandButton } from '../cards/render.js';

export const FAQ_DIALOG = 'faq';

export interface FaqOptions {
  question?: string;
  topic?: string;
}

const RELATED = 2;
/** Another match is offered as related when it scores at least this share of the best one. */
const RELATED_SHARE = 0.3;

export class FaqDialog extends Dialog<FaqOptions> {
  constructor(private readonly services: StaffServices) {
    super(FAQ_DIALOG);
  }

  async beginDialog(dc: DialogContext, options: FaqOptions = {}): Promise<DialogTurnResult> {
    const { faq } = this.services;
    const settings = await loadSettings(this.services.models);
    const topic = options.topic !== undefined ? faq.topic(options.topic) : undefined;
    if (topic) {
      await this.answer(dc, topic, [], settings);
    } else if (options.question?.trim()) {
      const [best, ...others] = faq.search(options.question);
      if (best) {
        const related = others.filter((match) => match.score >= best.score * RELATED_SHARE).slice(0, RELATED);
        await this.answer(dc, best.topic, related.map((match) => match.topic), settings);
      } else {
        await this.unknown(dc, settings);
      }
    } else {
      await this.listTopics(dc, settings);
    }
    return dc.endDialog();
  }

  private async answer(dc: DialogContext, topic: FaqTopic, related: FaqTopic[], settings: Settings): Promise<void> {
    const contact = helperLine(topic.contact, settings);
    await sendCard(dc.context, 'message', {
      title: topic.title,
      paragraphs: topic.answer,
      ...(contact ? { note: contact } : {}),
      buttons: [
        ...related.map((other) => ({ title: other.title, data: { action: 'faq' as const, topic: other.id } })),
        commandButton('Other questions', 'faq'),
      ],
    });
  }

  private async unknown(dc: DialogContext, settings: Settings): Promise<void> {
    await sendCard(dc.context, 'message', {
      title: "I don't know that one",
      paragraphs: [
        "I'd rather not guess. I can help with your application, your license and common Coursera questions.",
        `For questions about the program, write to ${programAdmins(settings)}. For problems with Coursera itself, open **Help** in Coursera to reach Coursera Support.`,
      ],
      buttons: [commandButton('Common questions', 'faq'), commandButton('What can you do?', 'help')],
    });
  }

  private async listTopics(dc: DialogContext, settings: Settings): Promise<void> {
    await sendCard(dc.context, 'help', {
      title: 'Common questions',
      intro: 'Pick a topic, or just type your question.',
      commands: this.services.faq.topics.map((topic) => ({
        label: topic.title,
        description: topic.answer[0]!.replace(/\*\*/g, '').slice(0, 90).replace(/\s+\S*$/, '…'),
        example: topic.questions[0]!,
        data: { action: 'faq', topic: topic.id },
      })),
      contact: `Still stuck? Write to ${programAdmins(settings)}.`,
    });
  }
}
