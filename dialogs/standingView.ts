// Where someone stands, as a card: the state in plain words, the place in line and when
// a license should come, or the license's dates, and the buttons that make sense next.
import { commandButton, type MessageCard } from '../cards/render.js';
import type { Standing } from '../services/licensing.js';
import { formatDate, monthsText, type Estimate } from '../services/policy.js';
import type { Settings } from '../services/settings.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function estimateText(estimate: Estimate | undefined, timeZone: string): string {
  if (!estimate) return 'not within the next two years at the current pace';
  const last = new Date(estimate.closesAt.getTime() - 1);
  return `at the turnover between ${formatDate(estimate.opensAt, timeZone)} and ${formatDate(last, timeZone)}`;
}

function inDays(at: Date, now: Date): string {
  const days = Math.ceil((at.getTime() - now.getTime()) / DAY_MS);
  if (days <= 0) return 'today';
  return days === 1 ? 'in 1 day' : `in ${days} days`;
}

/** `headline` replaces the state's own title, e.g. "You're on the waitlist" after applying. */
export function standingCard(standing: Standing, settings: Settings, now: Date, headline?: string): MessageCard {
  const zone = settings.timeZone;
  const date = (at: Date) => formatDate(at, zone);
  const place = standing.position !== undefined ? [{ label: 'Your place in line', value: String(standing.position) }] : [];
  const expected = standing.position !== undefined ? [{ label: 'Expected', value: estimateText(standing.estimate, zone) }] : [];
  const title = (own: string) => headline ?? own;

  switch (standing.state) {
    case 'none':
      return {
        title: title("You haven't applied yet"),
        paragraphs: ['Licenses are handed out first come, first served from a waitlist. Apply to take your place in line.'],
        buttons: [commandButton('Apply', 'apply', 'positive')],
      };
    case 'waiting':
      return {
        title: title("You're on the waitlist"),
        facts: [...place, ...expected],
        paragraphs: [
          'Freed licenses go to the head of the line in the first week of each month. When your turn comes you will get a message here and an invitation email from Coursera.',
        ],
        buttons: [commandButton('Not now — keep my place', 'pause'), commandButton('Leave the waitlist', 'withdraw', 'destructive')],
      };
    case 'on_hold':
      return {
        title: title('Your place is on hold'),
        facts: place,
        paragraphs: ["Turnovers skip you while you're on hold, but you keep your place. Say **ready** when you want a license again."],
        buttons: [commandButton("I'm ready", 'ready', 'positive'), commandButton('Leave the waitlist', 'withdraw', 'destructive')],
      };
    case 'paused_ready':
      return {
        title: title("You're in line to be re-invited"),
        facts: [...place, ...expected],
        paragraphs: [
          settings.resumeAheadOfWaitlist
            ? 'People coming back from a pause are invited before the waitlist, at the next turnover with a free license.'
            : 'You rejoined the line behind the people already waiting.',
        ],
        buttons: [commandButton('Not yet after all', 'pause'), commandButton('Give up the license', 'release', 'destructive')],
      };
    case 'paused':
      return {
        title: title('Your license is paused'),
        paragraphs: ['Someone else is using the seat for now. You keep the right to be invited again: say **ready** when you have time to learn.'],
        buttons: [commandButton("I'm ready again", 'ready', 'positive'), commandButton('Give it up for good', 'release', 'destructive')],
      };
    case 'invited':
    case 'active':
    case 'warned':
      return holderCard(standing, settings, now, headline);
    case 'withdrawn':
    case 'released':
    case 'expired': {
      const why = {
        withdrawn: 'You left the waitlist.',
        released: 'You gave your license back.',
        expired: 'Your license ended with the calendar year.',
      }[standing.state];
      return {
        title: title("You don't have a license or a place in line"),
        paragraphs: [`${why} You can apply again at any time; you would join the back of the line.`],
        buttons: [commandButton('Apply again', 'apply', 'positive')],
      };
    }
    case 'revoked':
      return {
        title: title('Your license was revoked'),
        paragraphs: [
          standing.barredUntil
            ? `It was revoked after ${monthsText(settings.revokeAfterMonths)} without learning activity. You can apply again from ${date(standing.barredUntil)}.`
            : 'It was revoked earlier. You can apply again now; you would join the back of the line.',
        ],
        buttons: standing.barredUntil ? [] : [commandButton('Apply again', 'apply', 'positive')],
      };
  }
}

function holderCard(standing: Standing, settings: Settings, now: Date, headline?: string): MessageCard {
  const date = (at: Date) => formatDate(at, settings.timeZone);
  const license = standing.license;
  const facts = license
    ? [
        { label: 'Invited on', value: date(license.invitedAt) },
        { label: 'Valid until', value: date(license.endsAt) },
        { label: 'Last learning seen', value: license.lastActivityAt ? date(license.lastActivityAt) : 'none yet' },
        standing.state === 'warned'
          ? { label: 'Revoked on', value: `${date(license.revokeAt)} (${inDays(license.revokeAt, now)}) unless you learn before then` }
          : { label: 'Inactivity warning', value: `${date(license.warnAt)} (${inDays(license.warnAt, now)}) if you don't learn before then` },
      ]
    : [];
  const paragraphs =
    standing.state === 'invited'
      ? [`Coursera sent your invitation to **${standing.email}**. Accept it with that address, and start a course to keep the license.`]
      : standing.state === 'warned'
        ? ['You have had an inactivity warning. Any learning on Coursera before the date below keeps your license.']
        : [
            `Keep learning: ${monthsText(settings.warnAfterMonths)} without activity brings a warning, and ${monthsText(settings.revokeAfterMonths)} end the license.`,
          ];
  return {
    title: headline ?? 'You have a Coursera license',
    facts,
    paragraphs,
    buttons: [
      commandButton("I'm too busy — pause it", 'pause'),
      commandButton("I don't need it any more", 'release', 'destructive'),
      commandButton('Help linking accounts', 'merge'),
    ],
  };
}
