// The staff dialogs on botbuilder's TestAdapter: the real router, real conversation state
// in MongoDB (bot/teams/mongoStorage.ts) on the test database, a manual clock, and a
// learner set on every turn the way the Teams bot does. Every reply is read into plain
// texts and buttons, and every Adaptive Card is checked with the adaptivecards parser
// (schema 1.5) so no test can pass on a card Teams would refuse to show.
import { expect } from 'chai';
import { ActivityTypes, ConversationState, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { MongoStorage } from '../../bot/teams/mongoStorage.js';
import { loadFaq, type FaqIndex } from '../../dialogs/knowledge/faq.js';
import { loadMergeGuide, type MergeGuide } from '../../dialogs/knowledge/mergeGuide.js';
import { setLearner, type Learner } from '../../dialogs/learner.js';
import { StaffRouter } from '../../dialogs/router.js';
import type { AuditEvent, Models, Person, PersonState } from '../../models/index.js';
import { personSubject } from '../../services/audit.js';
import { ManualClock } from '../../services/clock.js';
import { Licensing } from '../../services/licensing.js';
import { findOrCreatePerson, getPerson } from '../../services/people.js';
import { cardProblems } from './adaptiveCards.js';
import { clearDatabase, useTestDatabase } from './database.js';
import { bringTo, snapshot } from './licensing.js';

// ---- reading replies ------------------------------------------------------------------

export interface Button {
  title: string;
  data: unknown;
}

export interface Reply {
  activity: Partial<Activity>;
  /** The Adaptive Card, when the reply is one. */
  card?: Record<string, unknown>;
  /** The card's first TextBlock (its heading), or the plain text of a text reply. */
  title: string;
  /** Every TextBlock text, FactSet title and value and action title, in card order; or the plain text. */
  texts: string[];
  /** `texts` joined by new lines, for `include` assertions. */
  text: string;
  /** Facts of the card's FactSets, title → value. */
  facts: Record<string, string>;
  /** Every Action.Submit on the card, buttons and select actions alike. */
  buttons: Button[];
}

/** The parser's complaints about a card, and any template field left unfilled (the user would see "${...}"). */
export function cardAndTemplateProblems(json: unknown): string[] {
  const unexpanded = JSON.stringify(json).match(/\$\{[^}]*\}/g);
  return [...cardProblems(json), ...(unexpanded ? [`unexpanded template expressions: ${unexpanded.join(', ')}`] : [])];
}

/** Reads one reply; throws when it carries an Adaptive Card with problems. */
export function readReply(activity: Partial<Activity>): Reply {
  const attachment = activity.attachments?.find((candidate) => candidate.contentType === 'application/vnd.microsoft.card.adaptive');
  if (!attachment) {
    const text = activity.text ?? '';
    return { activity, title: text, texts: text ? [text] : [], text, facts: {}, buttons: [] };
  }
  const card = attachment.content as Record<string, unknown>;
  const problems = cardAndTemplateProblems(card);
  if (problems.length > 0) throw new Error(`invalid Adaptive Card:\n  ${problems.join('\n  ')}\n${JSON.stringify(card, null, 2)}`);
  const texts: string[] = [];
  const facts: Record<string, string> = {};
  const buttons: Button[] = [];
  let title: string | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock' && typeof element.text === 'string') {
      texts.push(element.text);
      title ??= element.text;
    }
    if (element.type === 'FactSet' && Array.isArray(element.facts)) {
      for (const fact of element.facts as { title: string; value: string }[]) {
        texts.push(fact.title, fact.value);
        facts[fact.title] = fact.value;
      }
    }
    if (typeof element.type === 'string' && element.type.startsWith('Action.') && typeof element.title === 'string') {
      texts.push(element.title);
      if (element.type === 'Action.Submit') buttons.push({ title: element.title, data: element.data });
    }
    for (const [key, value] of Object.entries(element)) if (key !== 'facts' && typeof value === 'object') walk(value);
  };
  walk(card.body);
  walk(card.actions);
  return { activity, card, title: title ?? '', texts, text: texts.join('\n'), facts, buttons };
}

/** The one reply a turn gave. */
export function only(replies: Reply[]): Reply {
  expect(replies.map((reply) => reply.title), 'replies').to.have.length(1);
  return replies[0]!;
}

/** The button titled `title` on `reply`. */
export function button(reply: Reply, title: string): Button {
  const found = reply.buttons.find((candidate) => candidate.title === title);
  if (!found) throw new Error(`no button "${title}" on "${reply.title}"; buttons: ${reply.buttons.map((b) => `"${b.title}"`).join(', ')}`);
  return found;
}

// ---- one conversation -----------------------------------------------------------------

export class Chat {
  readonly adapter: TestAdapter;
  /** Every reply so far, oldest first. */
  readonly history: Reply[] = [];

  constructor(
    router: StaffRouter,
    conversationState: ConversationState,
    conversationId: string,
    readonly learner: Learner | undefined,
  ) {
    this.adapter = new TestAdapter(
      async (context: TurnContext) => {
        setLearner(context, learner);
        await router.onMessage(context);
        await conversationState.saveChanges(context, false);
      },
      { conversation: { id: conversationId, isGroup: false, name: conversationId, conversationType: 'personal' } },
    );
  }

  /** Sends one activity and returns what the bot said during that turn. */
  async send(activity: Partial<Activity>): Promise<Reply[]> {
    await this.adapter.processActivity({ type: ActivityTypes.Message, ...activity });
    const replies = this.adapter.activeQueue.splice(0).map(readReply);
    this.history.push(...replies);
    return replies;
  }

  say(text: string): Promise<Reply[]> {
    return this.send({ text });
  }

  /** An Action.Submit click as Teams sends it: the button's data as value, no text. */
  click(data: unknown): Promise<Reply[]> {
    return this.send({ value: data });
  }

  /** Clicks the button titled `title` on the latest reply that has one. */
  press(title: string): Promise<Reply[]> {
    const reply = [...this.history].reverse().find((candidate) => candidate.buttons.some((b) => b.title === title));
    if (!reply) throw new Error(`no reply in this conversation has a button "${title}"`);
    return this.click(button(reply, title).data);
  }
}

// ---- the world a test file runs in ----------------------------------------------------

export interface DialogHarness {
  models(): Models;
  readonly clock: ManualClock;
  readonly licensing: Licensing;
  readonly faq: FaqIndex;
  readonly mergeGuide: MergeGuide;
  /** A conversation with `learner`, or with someone the channel could not identify. */
  chat(learner: Learner | undefined): Chat;
  /** A person created the way the Teams bot creates one, as the learner for a chat. */
  learner(email: string, name?: string): Promise<Learner>;
  /** A person brought into `state` through the licensing API, as the learner for a chat. */
  learnerIn(state: PersonState, email: string, name?: string): Promise<Learner>;
  person(learner: Learner): Promise<Person>;
  /** The person's audit events, oldest first. */
  events(learner: Learner): Promise<AuditEvent[]>;
  /** Everything a refused or declined request must leave as it was. */
  snapshot(): Promise<unknown>;
}

/**
 * Sets up the calling `describe` block: one database for the file, emptied before each
 * test, the clock back at `now`, and a fresh router and conversation state.
 */
export function useDialogs(now: string): DialogHarness {
  const db = useTestDatabase();
  const clock = new ManualClock(now);
  const faq = loadFaq();
  const mergeGuide = loadMergeGuide();
  let licensing: Licensing | undefined;
  let router: StaffRouter | undefined;
  let conversationState: ConversationState | undefined;
  let conversations = 0;

  beforeEach(async function () {
    await clearDatabase(db());
    clock.set(now);
    licensing = new Licensing(db(), clock);
    conversationState = new ConversationState(new MongoStorage(db(), clock));
    router = new StaffRouter(
      { models: db(), licensing, clock, faq, mergeGuide },
      conversationState.createProperty<DialogState>('dialogState'),
    );
  });

  const current = (): Licensing => {
    if (!licensing) throw new Error('the dialog harness is only available inside tests');
    return licensing;
  };
  const toLearner = (person: Person, name?: string): Learner => ({ personId: person._id, email: person.email, ...(name ? { name } : {}) });

  return {
    models: db,
    clock,
    faq,
    mergeGuide,
    get licensing() {
      return current();
    },
    chat(learner) {
      if (!router || !conversationState) throw new Error('the dialog harness is only available inside tests');
      conversations += 1;
      return new Chat(router, conversationState, `conversation-${conversations}`, learner);
    },
    async learner(email, name) {
      return toLearner(await findOrCreatePerson(db(), email, clock.now(), name), name);
    },
    async learnerIn(state, email, name) {
      return toLearner(await bringTo(state, email, { models: db(), licensing: current(), clock, now }), name);
    },
    person: (learner) => getPerson(db(), learner.personId),
    events: (learner) => db().AuditEvent.find({ subject: personSubject(learner.personId) }).sort({ seq: 1 }).lean<AuditEvent[]>(),
    snapshot: () => snapshot(db()),
  };
}
