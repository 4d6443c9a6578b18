// The account linking and merging guide (mergeGuide.json): a few questions, each answer
// leading to another question or to the steps for that case. Checked when loaded, so a
// broken edit of the JSON stops the bot at start-up instead of mid-conversation.
import { readFileSync } from 'node:fs';
import type { Helper } from './faq.js';

export interface GuideAnswer {
  id: string;
  label: string;
  synonyms: string[];
  next: string;
}

export interface GuideQuestion {
  text: string;
  help?: string;
  answers: GuideAnswer[];
}

export interface GuideOutcome {
  title: string;
  intro: string;
  steps: string[];
  note?: string;
  contact: Helper;
}

export interface MergeGuide {
  start: string;
  questions: Record<string, GuideQuestion>;
  outcomes: Record<string, GuideOutcome>;
}

/** Throws naming the first broken link: an answer leading nowhere, or a step nothing leads to. */
export function checkGuide(guide: MergeGuide): MergeGuide {
  const exists = (id: string) => id in guide.questions || id in guide.outcomes;
  if (!(guide.start in guide.questions)) throw new Error(`merge guide: start "${guide.start}" is not a question`);
  const reached = new Set<string>([guide.start]);
  const pending = [guide.start];
  while (pending.length > 0) {
    const id = pending.pop()!;
    for (const answer of guide.questions[id]?.answers ?? []) {
      if (!exists(answer.next)) throw new Error(`merge guide: answer "${answer.id}" of "${id}" leads to unknown "${answer.next}"`);
      if (!reached.has(answer.next)) {
        reached.add(answer.next);
        pending.push(answer.next);
      }
    }
  }
  const unreachable = [...Object.keys(guide.questions), ...Object.keys(guide.outcomes)].filter((id) => !reached.has(id));
  if (unreachable.length > 0) throw new Error(`merge guide: nothing leads to ${unreachable.join(', ')}`);
  return guide;
}

export function loadMergeGuide(): MergeGuide {
  return checkGuide(JSON.parse(readFileSync(new URL('./mergeGuide.json', import.meta.url), 'utf8')) as MergeGuide);
}
