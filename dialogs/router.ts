// Every staff message comes here: a card button or a typed request starts its
// conversation (ending any other), an answer goes to the question waiting for it, and
// anything else is taken as a question for the FAQ.
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, type DialogContext, type DialogState } from 'botbuilder-dialogs';
import { readCardAction, type Command } from '../cards/actions.js';
import { AnswerPrompt } from './answerPrompt.js';
import { APPLY_DIALOG, ApplyDialog } from './applyDialog.js';
import { FAQ_DIALOG, FaqDialog, type FaqOptions } from './faqDialog.js';
import { HELP_DIALOG, HelpDialog, type HelpOptions } from './helpDialog.js';
import { recognizeIntent } from './intents.js';
import { MERGE_DIALOG, MergeAccountsDialog } from './mergeAccountsDialog.js';
import { PAUSE_DIALOG, PauseDialog } from './pauseDialog.js';
import { READY_DIALOG, ReadyDialog } from './readyDialog.js';
import { RELEASE_DIALOG, ReleaseDialog } from './releaseDialog.js';
import { sendCard } from './replies.js';
import type { StaffServices } from './staffServices.js';
import { STATUS_DIALOG, StatusDialog } from './statusDialog.js';
import { commandButton } from '../cards/render.js';

const DIALOG_FOR: Record<Command, string> = {
  apply: APPLY_DIALOG,
  status: STATUS_DIALOG,
  pause: PAUSE_DIALOG,
  ready: READY_DIALOG,
  release: RELEASE_DIALOG,
  // Leaving the waitlist and giving a license back are one conversation (see releaseDialog).
  withdraw: RELEASE_DIALOG,
  merge: MERGE_DIALOG,
  faq: FAQ_DIALOG,
  help: HELP_DIALOG,
};

export class StaffRouter {
  private readonly dialogs: DialogSet;

  constructor(services: StaffServices, dialogState: StatePropertyAccessor<DialogState>) {
    this.dialogs = new DialogSet(dialogState)
      .add(new ApplyDialog(services))
      .add(new StatusDialog(services))
      .add(new PauseDialog(services))
      .add(new ReadyDialog(services))
      .add(new ReleaseDialog(services))
      .add(new MergeAccountsDialog(services))
      .add(new FaqDialog(services))
      .add(new HelpDialog(services));
  }

  /** A message or a card button. */
  async onMessage(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    const { activity } = context;
    if (dc.activeDialog && AnswerPrompt.answers(dc, activity)) {
      await dc.continueDialog();
      return;
    }
    const action = readCardAction(activity.value);
    const request = action ? action.action : recognizeIntent(activity.text);
    if (request === 'cancel') {
      const stopped = dc.activeDialog !== undefined;
      await dc.cancelAllDialogs();
      await context.sendActivity(stopped ? 'OK, I stopped there. Nothing was changed.' : 'There was nothing to stop.');
    } else if (request === 'answer') {
      await this.staleAnswer(dc);
    } else if (request) {
      await dc.cancelAllDialogs();
      await this.begin(dc, request, action && 'topic' in action && action.topic ? { topic: action.topic } : {});
    } else if (dc.activeDialog) {
      await dc.continueDialog();
    } else {
      await dc.beginDialog(FAQ_DIALOG, { question: activity.text ?? '' } satisfies FaqOptions);
    }
  }

  /** Someone installed the app or opened the chat for the first time. */
  async welcome(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    await dc.cancelAllDialogs();
    await dc.beginDialog(HELP_DIALOG, { welcome: true } satisfies HelpOptions);
  }

  private async begin(dc: DialogContext, command: Command, options: FaqOptions): Promise<void> {
    await dc.beginDialog(DIALOG_FOR[command], options);
  }

  /** A button on a question that was already answered or abandoned: harmless, and says so. */
  private async staleAnswer(dc: DialogContext): Promise<void> {
    if (dc.activeDialog) {
      await dc.continueDialog();
      return;
    }
    await sendCard(dc.context, 'message', {
      title: 'That question is closed',
      paragraphs: ['It was already answered, or the conversation moved on. Nothing changed.'],
      buttons: [commandButton('Where do I stand?', 'status'), commandButton('What can you do?', 'help')],
    });
  }
}
