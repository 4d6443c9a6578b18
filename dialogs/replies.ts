// Sending cards and the sentences several dialogs share.
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { renderCard, type CardData, type CardName } from '../cards/render.js';
import type { Settings } from '../services/settings.js';
import type { Helper } from './knowledge/faq.js';

export function cardReply<N extends CardName>(name: N, data: CardData[N]) {
  return MessageFactory.attachment(CardFactory.adaptiveCard(renderCard(name, data)));
}

export async function sendCard<N extends CardName>(context: TurnContext, name: N, data: CardData[N]): Promise<void> {
  await context.sendActivity(cardReply(name, data));
}

/** "the program admins (learning@example.org)", or without the parentheses when no contact is set. */
export function programAdmins(settings: Pick<Settings, 'programContact'>): string {
  return settings.programContact ? `the program admins (${settings.programContact})` : 'the program admins';
}

/** Said when the channel did not give us a work email, so nothing can be done for the person. */
export async function sendUnknownLearner(context: TurnContext, settings: Settings): Promise<void> {
  await sendCard(context, 'message', {
    title: 'I could not tell who you are',
    paragraphs: [
      'Teams did not share your work email with me, and I need it to find your application or license.',
      `Please try again later. If this keeps happening, write to ${programAdmins(settings)}.`,
    ],
  });
}

/** Who can help with a topic, as a sentence; empty when the bot's answer is all there is. */
export function helperLine(helper: Helper, settings: Pick<Settings, 'programContact'>): string {
  if (helper === 'coursera-support') return 'Coursera Support can help further: open **Help** in Coursera to reach them.';
  if (helper === 'program-admins') return `For anything more, write to ${programAdmins(settings)}.`;
  return '';
}
