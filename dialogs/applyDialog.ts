// "I'd like a license": shows who we think is applying and the address Coursera will
// invite, explains the terms, asks for consent, then joins the waitlist and says where.
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { normaliseEmail } from '../services/people.js';
import { endOfLicenseYear, formatDate, isSeatHolder, monthsText } from '../services/policy.js';
import { queueLength } from '../services/queue.js';
import type { Settings } from '../services/settings.js';
import { AnswerPrompt, type AskOptions, type Question } from './answerPrompt.js';
import { cardReply, programAdmins, sendCard } from './replies.js';
import { sendRefusal, whoIsAsking, type StaffServices } from './staffServices.js';
import { standingCard } from './standingView.js';

export const APPLY_DIALOG = 'apply';
const ASK = 'apply.ask';

export const CONSENT: Question = {
  id: 'apply.consent',
  answers: [
    { id: 'agree', synonyms: ['yes', 'y', 'yeah', 'yep', 'sure', 'ok', 'okay', 'agree', 'i agree', 'apply', 'sign me up'] },
    { id: 'decline', synonyms: ['no', 'n', 'nope', 'not now', 'later', "don't", 'do not'] },
  ],
};

const ALREADY: Partial<Record<string, string>> = {
  waiting: "You're already on the waitlist",
  on_hold: 'You already have a place in line (on hold)',
  paused_ready: "You're already in line to be re-invited",
  paused: 'Your license is paused, not gone',
};

function terms(settings: Settings, now: Date): string[] {
  const yearEnd = formatDate(endOfLicenseYear(now, settings.timeZone), settings.timeZone);
  return [
    `Licenses go first come, first served. Freed ones are handed to the head of the line on days ${settings.turnoverFirstDay}–${settings.turnoverLastDay} of each month.`,
    `A license lasts for the calendar year it is given in (this year: until ${yearEnd}) and does not renew by itself.`,
    `You agree to keep learning: after ${monthsText(settings.warnAfterMonths)} without activity you get a warning, and after ${monthsText(settings.revokeAfterMonths)} the license is revoked and you cannot be invited again that year.`,
    'Too busy for a while? You can pause and be re-invited later, or give the license back.',
  ];
}

export class ApplyDialog extends ComponentDialog {
  constructor(private readonly services: StaffServices) {
    super(APPLY_DIALOG);
    // The first dialog added is where the component starts.
    this.addDialog(new WaterfallDialog(`${APPLY_DIALOG}.steps`, [this.askConsent.bind(this), this.join.bind(this)]));
    this.addDialog(new AnswerPrompt(ASK));
  }

  private async askConsent(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(step.context, this.services);
    if (!asker) return step.endDialog();
    const { person, settings, learner } = asker;
    const now = this.services.clock.now();
    const already = ALREADY[person.state] ?? (isSeatHolder(person.state) ? 'You already have a license' : undefined);
    const barred = person.barredUntil !== undefined && person.barredUntil > now;
    if (already || barred) {
      const standing = await this.services.licensing.standing(person);
      await sendCard(step.context, 'message', standingCard(standing, settings, now, already));
      return step.endDialog();
    }
    try {
      normaliseEmail(learner.email, settings);
    } catch (error) {
      await sendRefusal(step.context, error, asker, this.services);
      return step.endDialog();
    }
    const ahead = await queueLength(this.services.models);
    const options: AskOptions = {
      prompt: cardReply('consent', {
        name: learner.name ?? person.displayName ?? learner.email,
        email: person.email,
        ahead: ahead === 0 ? 'nobody' : String(ahead),
        terms: terms(settings, now),
        emailAdvice: `Coursera will send the invitation to this address. Not the address you use on Coursera today? Say **merge accounts** before you accept it, so your progress stays in one account. Wrong details: write to ${programAdmins(settings)}.`,
        agree: { action: 'answer', question: CONSENT.id, answer: 'agree' },
        decline: { action: 'answer', question: CONSENT.id, answer: 'decline' },
      }),
      validations: CONSENT,
    };
    return step.prompt(ASK, options);
  }

  private async join(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(step.context, this.services);
    if (!asker) return step.endDialog();
    if (step.result !== 'agree') {
      await sendCard(step.context, 'message', {
        title: 'No problem',
        paragraphs: ["You haven't been added to the waitlist. Say **apply** whenever you want to."],
      });
      return step.endDialog();
    }
    try {
      const { person, changed } = await this.services.licensing.apply(
        { email: asker.learner.email, ...(asker.learner.name ? { displayName: asker.learner.name } : {}) },
        asker.actor,
      );
      const standing = await this.services.licensing.standing(person);
      const headline = changed ? "You're on the waitlist" : "You're already on the waitlist";
      await sendCard(step.context, 'message', standingCard(standing, asker.settings, this.services.clock.now(), headline));
    } catch (error) {
      await sendRefusal(step.context, error, asker, this.services);
    }
    return step.endDialog();
  }
}
