// "Merge my accounts": walks the linking guide (knowledge/mergeGuide.json) one question at
// a time and ends with the steps that fit the person's case.
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { MergeGuide } from './knowledge/mergeGuide.js';
import { AnswerPrompt, type AskOptions, type Question } from './answerPrompt.js';
import { cardReply, helperLine, sendCard } from './replies.js';
import { loadSettings } from '../services/settings.js';
import type { StaffServices } from './staffServices.js';
import { answerButton } from '../cards/render.js';

export const MERGE_DIALOG = 'merge';
const ASK = 'merge.ask';
const TITLE = 'Linking your Coursera accounts';

interface MergeOptions {
  node?: string;
}

function questionOf(guide: MergeGuide, node: string): Question {
  const { answers } = guide.questions[node]!;
  return { id: `merge.${node}`, answers: answers.map(({ id, synonyms }) => ({ id, synonyms })) };
}

export class MergeAccountsDialog extends ComponentDialog {
  constructor(private readonly services: StaffServices) {
    super(MERGE_DIALOG);
    // The first dialog added is where the component starts.
    this.addDialog(new WaterfallDialog(`${MERGE_DIALOG}.steps`, [this.ask.bind(this), this.follow.bind(this)]));
    this.addDialog(new AnswerPrompt(ASK));
  }

  private nodeOf(step: WaterfallStepContext): string {
    return (step.options as MergeOptions).node ?? this.services.mergeGuide.start;
  }

  private async ask(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const node = this.nodeOf(step);
    const question = this.services.mergeGuide.questions[node]!;
    const asked = questionOf(this.services.mergeGuide, node);
    const options: AskOptions = {
      prompt: cardReply('message', {
        title: TITLE,
        paragraphs: [question.text],
        ...(question.help ? { note: question.help } : {}),
        buttons: question.answers.map((answer) => answerButton(answer.label, asked.id, answer.id)),
      }),
      validations: asked,
    };
    return step.prompt(ASK, options);
  }

  private async follow(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const guide = this.services.mergeGuide;
    const answer = guide.questions[this.nodeOf(step)]!.answers.find((candidate) => candidate.id === step.result)!;
    if (answer.next in guide.questions) return step.replaceDialog(`${MERGE_DIALOG}.steps`, { node: answer.next } satisfies MergeOptions);
    const outcome = guide.outcomes[answer.next]!;
    const settings = await loadSettings(this.services.models);
    const contact = helperLine(outcome.contact, settings);
    await sendCard(step.context, 'message', {
      title: outcome.title,
      paragraphs: [outcome.intro],
      steps: outcome.steps,
      note: [outcome.note, contact].filter(Boolean).join(' '),
    });
    return step.endDialog();
  }
}
