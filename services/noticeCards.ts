// What a learner is told, proactively, for each kind of notice in the outbox: one Adaptive
// Card per kind, from the facts fixed when the notice was queued. Buttons use the same
// typed actions as the staff dialogs, so "pause my license" on a warning works from the card.
import { commandButton, type CardLink, type MessageCard } from '../cards/render.js';
import type { Notice, Person } from '../models/index.js';
import { formatDate, monthsText } from './policy.js';
import type { Settings } from './settings.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const COURSERA_HOME = 'https://www.coursera.org';

function asDate(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function openCoursera(settings: Settings): CardLink {
  return { title: 'Open Coursera', url: settings.programUrl || COURSERA_HOME };
}

/** The card for one notice. `now` is the moment of sending (for "N days"). */
export function noticeCard(notice: Pick<Notice, 'kind' | 'facts'>, person: Pick<Person, 'email'>, settings: Settings, now: Date): MessageCard {
  const date = (at: Date) => formatDate(at, settings.timeZone);
  const facts = notice.facts;
  switch (notice.kind) {
    case 'invitation': {
      const endsAt = asDate(facts.licenseEndsAt);
      return {
        title: 'Your Coursera license is here',
        paragraphs: [
          `It's your turn: Coursera is sending an invitation to **${person.email}**. Accept it with that address so the license is yours.`,
        ],
        facts: endsAt ? [{ label: 'Valid until', value: date(endsAt) }] : [],
        steps: [
          'Open the email from Coursera and click **JOIN NOW**.',
          'Already have a Coursera account, maybe under another address? Link it when you accept, so your progress stays in one place. Say **merge accounts** and I will walk you through it.',
          `Start a course soon: after ${monthsText(settings.warnAfterMonths)} without learning you get a warning, and after ${monthsText(settings.revokeAfterMonths)} the license goes to someone else.`,
        ],
        links: [openCoursera(settings)],
        buttons: [commandButton('Help linking accounts', 'merge'), commandButton('My license', 'status')],
      };
    }
    case 'inactivity-warning': {
      const idleSince = asDate(facts.idleSince);
      const revokeAt = asDate(facts.revokeAt);
      const idleDays = idleSince ? Math.max(0, Math.floor((now.getTime() - idleSince.getTime()) / DAY_MS)) : undefined;
      return {
        title: 'Your Coursera license is at risk',
        paragraphs: [
          idleDays !== undefined
            ? `We have not seen any learning on Coursera for ${idleDays} days.`
            : 'We have not seen any learning on Coursera for a while.',
          revokeAt
            ? `Unless you learn before ${date(revokeAt)}, the license will be revoked and passed to the next person in line.`
            : 'Unless you learn soon, the license will be revoked and passed to the next person in line.',
          "Too busy right now? Pause instead: the license goes to someone else for now and you can come back when you're ready.",
        ],
        facts: [
          ...(idleSince ? [{ label: 'Last learning seen', value: date(idleSince) }] : []),
          ...(revokeAt ? [{ label: 'Revoked on', value: date(revokeAt) }] : []),
        ],
        links: [openCoursera(settings)],
        buttons: [commandButton("I'm busy — pause my license", 'pause'), commandButton('My license', 'status')],
      };
    }
    case 'revocation': {
      const barredUntil = asDate(facts.barredUntil);
      const why =
        facts.cause === 'inactivity'
          ? `It was revoked after ${monthsText(settings.revokeAfterMonths)} without learning activity, so someone on the waitlist can use it.`
          : 'The program admins revoked it.';
      return {
        title: 'Your Coursera license was revoked',
        paragraphs: [
          why,
          barredUntil
            ? `You can apply again from ${date(barredUntil)}. Your progress stays in your Coursera account.`
            : 'You can apply again at any time. Your progress stays in your Coursera account.',
        ],
        buttons: barredUntil ? [commandButton('My status', 'status')] : [commandButton('Apply again', 'apply', 'positive')],
      };
    }
    case 'year-end':
      return {
        title: 'Your Coursera license has ended with the year',
        paragraphs: [
          'Licenses last for the calendar year they are given in and do not renew by themselves.',
          'Want to keep learning? Apply again to join the waitlist. Your progress and certificates stay in your Coursera account.',
        ],
        buttons: [commandButton('Apply again', 'apply', 'positive')],
      };
  }
}
