// The FAQ knowledge base (faq.json, written in the project's own words from the
// learner guide and the program's FAQ) and the search that finds the topic a question
// is about. A question that matches nothing well enough gets no answer rather than a
// wrong one.
import { readFileSync } from 'node:fs';
import MiniSearch, { type SearchResult } from 'minisearch';

export type Helper = 'coursera-support' | 'program-admins' | 'none';

export interface FaqTopic {
  id: string;
  title: string;
  questions: string[];
  keywords: string[];
  answer: string[];
  contact: Helper;
}

// Words that say nothing about the topic; without them "how do I ..." matches everything.
const STOP_WORDS = new Set(
  `a about after am an and any are as at be been but by can could did do does doing for from get got had has have how i i'm if in
  into is it it's its me my no not of on or our should so than that the their them then there this to too was we what when where
  which who why will with would you your yours im ive i've dont don't coursera please hi hello thanks
  tell know want wants need like just also some one there's`.split(/\s+/),
);

/** Least share of the question's meaningful words a topic must match. */
const MIN_COVERAGE = 0.5;
/** Least score, so one weak fuzzy match in a long question is not an answer. */
const MIN_SCORE = 20;
const MAX_QUESTION_LENGTH = 500;

function terms(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .split(/[^a-z0-9']+/)
    .map((term) => term.replace(/^'+|'+$/g, ''))
    .filter((term) => term.length > 1 && !STOP_WORDS.has(term));
}

export interface FaqMatch {
  topic: FaqTopic;
  score: number;
}

export class FaqIndex {
  private readonly index: MiniSearch<FaqTopic>;
  private readonly byId: Map<string, FaqTopic>;

  constructor(readonly topics: readonly FaqTopic[]) {
    this.byId = new Map(topics.map((topic) => [topic.id, topic]));
    this.index = new MiniSearch<FaqTopic>({
      fields: ['title', 'questions', 'keywords', 'answer'],
      storeFields: [],
      extractField: (topic, field) => {
        const value = topic[field as keyof FaqTopic];
        return Array.isArray(value) ? value.join(' \n ') : String(value);
      },
      tokenize: terms,
      processTerm: (term) => term,
      searchOptions: {
        boost: { title: 2, questions: 3, keywords: 3, answer: 0.5 },
        prefix: (term) => term.length > 3,
        fuzzy: (term) => (term.length > 4 ? 0.2 : false),
        combineWith: 'OR',
      },
    });
    this.index.addAll([...topics]);
  }

  topic(id: string): FaqTopic | undefined {
    return this.byId.get(id);
  }

  /** The topics a question is about, best first; empty when none is a confident match. */
  search(question: string): FaqMatch[] {
    const wanted = [...new Set(terms(question.slice(0, MAX_QUESTION_LENGTH)))];
    if (wanted.length === 0) return [];
    const results: SearchResult[] = this.index.search(wanted.join(' '));
    return results
      .filter((result) => result.score >= MIN_SCORE && result.queryTerms.length / wanted.length >= MIN_COVERAGE)
      .map((result) => ({ topic: this.byId.get(result.id as string)!, score: result.score }));
  }
}

export function loadFaq(): FaqIndex {
  const { topics } = JSON.parse(readFileSync(new URL('./faq.json', import.meta.url), 'utf8')) as { topics: FaqTopic[] };
  return new FaqIndex(topics);
}
