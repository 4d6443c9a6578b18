// What a typed message asks for, by plain phrase matching. Phrases are specific enough to
// be safe in any message; single words that could be part of a question ("busy",
// "link") count only in a short message, so "I'm too busy to finish, can I reset my
// deadlines?" is left to the FAQ.
import type { Command } from '../cards/actions.js';

export type Intent = Command | 'cancel';

interface Phrase {
  intent: Intent;
  pattern: RegExp;
  /** Only in a message of at most SHORT_WORDS words. */
  shortOnly?: boolean;
}

const SHORT_WORDS = 5;
const LICENSE = 'licen[cs]e';
const WAITLIST = '(?:wait ?list|waiting list|queue)';

// First match wins, so the more specific phrases come first.
const PHRASES: Phrase[] = [
  { intent: 'cancel', pattern: /^(?:cancel|stop|never ?mind|forget it|quit|exit|abort)$/ },
  { intent: 'help', pattern: /^(?:help|menu|commands|options|start|hi|hello|hey|good (?:morning|afternoon|evening)|\?)$/ },
  { intent: 'help', pattern: /\bwhat can you do\b|\bhow does this (?:bot )?work\b/ },
  { intent: 'faq', pattern: /^(?:faq|faqs|questions|common questions|frequently asked questions)$/ },
  { intent: 'withdraw', pattern: new RegExp(`\\bwithdraw\\b|\\b(?:leave|quit|exit) the ${WAITLIST}|\\b(?:take|remove) me (?:off|from) the ${WAITLIST}`) },
  {
    intent: 'release',
    pattern: new RegExp(
      `\\brelease\\b|\\b(?:don'?t|do not|no longer) need (?:it|the ${LICENSE}|my ${LICENSE})|\\b(?:give|hand) (?:it|my ${LICENSE}|the ${LICENSE}) back\\b|\\breturn (?:my|the) ${LICENSE}|\\bcancel my ${LICENSE}`,
    ),
  },
  { intent: 'ready', pattern: /\b(?:i'?m|i am) ready\b|\bready (?:again|to (?:start|learn|continue))\b|\bunpause\b|\bre-?invite me\b/ },
  { intent: 'ready', pattern: /^ready$|\bback again\b|\bresume\b/, shortOnly: true },
  { intent: 'pause', pattern: /\bpause\b|\bput (?:it|me|my \w+) on hold\b|\bkeep my place\b/ },
  { intent: 'pause', pattern: /\bbusy\b|\bnot now\b|\bon hold\b|\btake a break\b/, shortOnly: true },
  {
    intent: 'merge',
    pattern: /\bmerge\b|\b(?:link|connect|combine) (?:my )?(?:coursera )?accounts?\b|\b(?:two|second|existing|other|old) (?:coursera )?accounts?\b/,
  },
  {
    intent: 'apply',
    pattern: new RegExp(`\\bapply (?:for|now)\\b|\\b(?:i want|i'?d like|can i|how (?:do|can) i) (?:to )?apply\\b(?! (?:the|a|an|this|that|these|those|it|my|your|our|them)\\b)|\\bsign me up\\b|\\bjoin the ${WAITLIST}|\\b(?:get|want|request|need) a (?:coursera )?${LICENSE}|\\bput me on the ${WAITLIST}`),
  },
  { intent: 'apply', pattern: /\bapply\b/, shortOnly: true },
  {
    intent: 'status',
    pattern: new RegExp(
      `\\bstatus\\b|\\bwhere am i\\b|\\bmy (?:place|position|spot|number)\\b|\\bwhen (?:will|do|can) i (?:get|receive)\\b|\\bam i (?:on|in) the ${WAITLIST}`,
    ),
  },
  { intent: 'status', pattern: new RegExp(`^(?:${WAITLIST}|position|place)$`) },
  { intent: 'status', pattern: new RegExp(`\\bhow long\\b|\\bmy ${LICENSE}\\b`), shortOnly: true },
];

/** Lower case, Teams mentions removed, curly quotes straightened, punctuation at the ends dropped. */
export function normaliseText(text: string | undefined): string {
  return (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .normalize('NFKC')
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s.!,;:]+|[\s.!,;:]+$/g, '')
    .trim();
}

export function recognizeIntent(text: string | undefined): Intent | undefined {
  const message = normaliseText(text);
  if (!message) return undefined;
  const short = message.split(' ').length <= SHORT_WORDS;
  return PHRASES.find((phrase) => (short || !phrase.shortOnly) && phrase.pattern.test(message))?.intent;
}
