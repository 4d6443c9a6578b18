// The shape pause and release share: explain what will happen, ask "are you sure?",
// then do it and show where the person now stands. The second step decides again from
// the person's state at that moment, so a confirmation that arrives late (or twice)
// does what fits now, or nothing.
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { answerButton, type MessageCard } from '../cards/render.js';
import type { Outcome } from '../services/licensing.js';
import { AnswerPrompt, type AskOptions, type Question } from './answerPrompt.js';
import { cardReply, sendCard } from './replies.js';
import { sendRefusal, whoIsAsking, type Asker, type StaffServices } from './staffServices.js';
import { standingCard } from './standingView.js';

export interface Proposal {
  card: MessageCard;
  confirm: string;
  keep: string;
  /** Confirming gives something up for good (the button says so by its colour). */
  final?: boolean;
}

export interface Done {
  outcome: Outcome;
  headline: string;
}

export abstract class ConfirmedChange extends ComponentDialog {
  private readonly question: Question;

  constructor(
    id: string,
    protected readonly services: StaffServices,
  ) {
    super(id);
    this.question = {
      id: `${id}.confirm`,
      answers: [
        { id: 'confirm', synonyms: ['yes', 'y', 'yeah', 'yep', 'sure', 'ok', 'okay', 'confirm', 'do it', 'go ahead'] },
        { id: 'keep', synonyms: ['no', 'n', 'nope', 'keep', 'keep it', 'not now', "don't", 'do not'] },
      ],
    };
    // The first dialog added is where the component starts.
    this.addDialog(new WaterfallDialog(`${id}.steps`, [this.propose.bind(this), this.carryOut.bind(this)]));
    this.addDialog(new AnswerPrompt(`${id}.ask`));
  }

  /** What confirming would do for this person now, or undefined after saying why there is nothing to do. */
  protected abstract proposal(step: WaterfallStepContext, asker: Asker): Promise<Proposal | undefined>;

  /** Does it, deciding from the person's state now; undefined when there is nothing left to do. */
  protected abstract change(asker: Asker): Promise<Done | undefined>;

  /** Says where the person stands, under `headline`. */
  protected async showStanding(step: WaterfallStepContext, asker: Asker, headline?: string): Promise<void> {
    const standing = await this.services.licensing.standing(asker.person);
    await sendCard(step.context, 'message', standingCard(standing, asker.settings, this.services.clock.now(), headline));
  }

  private async propose(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(step.context, this.services);
    const proposal = asker && (await this.proposal(step, asker));
    if (!proposal) return step.endDialog();
    const options: AskOptions = {
      prompt: cardReply('message', {
        ...proposal.card,
        buttons: [
          answerButton(proposal.confirm, this.question.id, 'confirm', proposal.final ? 'destructive' : 'positive'),
          answerButton(proposal.keep, this.question.id, 'keep'),
          ...(proposal.card.buttons ?? []),
        ],
      }),
      validations: this.question,
    };
    return step.prompt(`${this.id}.ask`, options);
  }

  private async carryOut(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(step.context, this.services);
    if (!asker) return step.endDialog();
    if (step.result !== 'confirm') {
      await sendCard(step.context, 'message', { title: 'Nothing changed', paragraphs: ['Everything stays as it was.'] });
      return step.endDialog();
    }
    try {
      const done = await this.change(asker);
      if (done) await this.showStanding(step, { ...asker, person: done.outcome.person }, done.headline);
      else await this.showStanding(step, asker, 'Nothing to change any more');
    } catch (error) {
      await sendRefusal(step.context, error, asker, this.services);
    }
    return step.endDialog();
  }
}
