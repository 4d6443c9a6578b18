// What the staff dialogs need from the domain, handed to each dialog once, and the
// lookup every dialog starts with: who is asking and where they stand.
import type { TurnContext } from 'botbuilder';
import type { Actor, Models, Person } from '../models/index.js';
import type { Clock } from '../services/clock.js';
import { DomainError } from '../services/errors.js';
import type { Licensing } from '../services/licensing.js';
import { getPerson } from '../services/people.js';
import { loadSettings, type Settings } from '../services/settings.js';
import type { FaqIndex } from './knowledge/faq.js';
import type { MergeGuide } from './knowledge/mergeGuide.js';
import { learnerOf, type Learner } from './learner.js';
import { programAdmins, sendCard, sendUnknownLearner } from './replies.js';
import { standingCard } from './standingView.js';

export interface StaffServices {
  models: Models;
  licensing: Licensing;
  clock: Clock;
  faq: FaqIndex;
  mergeGuide: MergeGuide;
}

export interface Asker {
  learner: Learner;
  person: Person;
  actor: Actor;
  settings: Settings;
}

/** The person behind this turn; undefined (after telling them why) when the channel did not say. */
export async function whoIsAsking(context: TurnContext, services: StaffServices): Promise<Asker | undefined> {
  const settings = await loadSettings(services.models);
  const learner = learnerOf(context);
  if (!learner) {
    await sendUnknownLearner(context, settings);
    return undefined;
  }
  const person = await getPerson(services.models, learner.personId);
  return { learner, person, actor: { kind: 'person', id: person.email }, settings };
}

/**
 * A refusal from the domain, said plainly. One that comes from where the person stands
 * (their state changed since the question was asked, or they are barred) is answered
 * with where they stand now; anything that is not a refusal is a fault and is rethrown.
 */
export async function sendRefusal(context: TurnContext, error: unknown, asker: Asker, services: StaffServices): Promise<void> {
  if (!(error instanceof DomainError)) throw error;
  if (error.code === 'wrong-state' || error.code === 'barred') {
    const person = await getPerson(services.models, asker.person._id);
    const standing = await services.licensing.standing(person);
    await sendCard(context, 'message', standingCard(standing, asker.settings, services.clock.now(), "That doesn't fit where you stand now"));
    return;
  }
  await sendCard(context, 'message', {
    title: "That didn't go through",
    paragraphs: [error.message, `If you think this is wrong, write to ${programAdmins(asker.settings)}.`],
  });
}
