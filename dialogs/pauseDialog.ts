// "I'm too busy for now": a holder gives the seat back and keeps the right to be
// re-invited; someone waiting keeps their place but is skipped until they are ready.
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { isSeatHolder } from '../services/policy.js';
import { ConfirmedChange, type Done, type Proposal } from './confirmedChange.js';
import type { Asker, StaffServices } from './staffServices.js';

export const PAUSE_DIALOG = 'pause';

export class PauseDialog extends ConfirmedChange {
  constructor(services: StaffServices) {
    super(PAUSE_DIALOG, services);
  }

  protected async proposal(step: WaterfallStepContext, asker: Asker): Promise<Proposal | undefined> {
    const { state } = asker.person;
    if (state === 'waiting') {
      return {
        card: {
          title: 'Put your place on hold?',
          paragraphs: ["You keep your place in line, but turnovers pass you by until you say **ready**. Nobody else takes your place."],
        },
        confirm: 'Yes, hold my place',
        keep: 'No, keep me in line',
      };
    }
    if (isSeatHolder(state)) {
      const back = asker.settings.resumeAheadOfWaitlist
        ? "you'll be invited again before the people on the waitlist"
        : "you'll rejoin the line at the back";
      return {
        card: {
          title: 'Pause your license?',
          paragraphs: [
            'Your seat goes to the next person in line at the coming turnover, and Coursera access ends for now.',
            `You keep the right to come back: say **ready** when you have time again, and ${back}. Your progress stays in your Coursera account.`,
          ],
        },
        confirm: 'Yes, pause it',
        keep: 'No, keep my license',
      };
    }
    if (state === 'paused_ready') {
      return {
        card: {
          title: 'Not ready after all?',
          paragraphs: ["You'll leave the line for re-invitation, and keep the right to come back: say **ready** again later."],
        },
        confirm: 'Yes, not yet',
        keep: 'No, keep me in line',
      };
    }
    const headline = state === 'on_hold' || state === 'paused' ? "You're already paused" : 'There is nothing to pause';
    await this.showStanding(step, asker, headline);
    return undefined;
  }

  protected async change(asker: Asker): Promise<Done | undefined> {
    const outcome = await this.services.licensing.pause(asker.person._id, asker.actor, 'asked in Teams');
    return { outcome, headline: outcome.changed ? 'Done: paused' : "You're already paused" };
  }
}
