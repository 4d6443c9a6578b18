// "I don't need it any more" and "take me off the waitlist": one conversation, since
// what the person gives up depends on where they stand: a license (or the right to be
// re-invited) is released; a place in line is withdrawn.
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { commandButton } from '../cards/render.js';
import type { PersonState } from '../models/index.js';
import { ConfirmedChange, type Done, type Proposal } from './confirmedChange.js';
import type { Asker, StaffServices } from './staffServices.js';

export const RELEASE_DIALOG = 'release';

const IN_LINE: readonly PersonState[] = ['waiting', 'on_hold'];
const HAS_LICENSE: readonly PersonState[] = ['invited', 'active', 'warned', 'paused', 'paused_ready'];

export class ReleaseDialog extends ConfirmedChange {
  constructor(services: StaffServices) {
    super(RELEASE_DIALOG, services);
  }

  protected async proposal(step: WaterfallStepContext, asker: Asker): Promise<Proposal | undefined> {
    const { state } = asker.person;
    if (IN_LINE.includes(state)) {
      const standing = await this.services.licensing.standing(asker.person);
      const place = standing.position !== undefined ? ` (number ${standing.position})` : '';
      return {
        card: {
          title: 'Leave the waitlist?',
          paragraphs: [
            `You'll give up your place${place}. If you apply again later, you start at the back of the line.`,
            state === 'waiting' ? 'Only busy for a while? You can keep your place on hold instead.' : '',
          ].filter(Boolean),
          buttons: state === 'waiting' ? [commandButton('Hold my place instead', 'pause')] : [],
        },
        confirm: 'Yes, leave the waitlist',
        final: true,
        keep: 'No, stay in line',
      };
    }
    if (HAS_LICENSE.includes(state)) {
      const paused = state === 'paused' || state === 'paused_ready';
      return {
        card: {
          title: paused ? 'Give up your paused license for good?' : 'Give your license back for good?',
          paragraphs: [
            paused
              ? "You'll lose the right to be invited again after your pause."
              : 'Your seat goes to the next person in line, and your Coursera access through the program ends.',
            'Want a license again later? Apply again and you join the back of the line. Your progress stays in your Coursera account.',
            paused ? '' : 'Only busy for a while? Pausing keeps your right to be re-invited.',
          ].filter(Boolean),
          buttons: paused ? [] : [commandButton('Pause instead', 'pause')],
        },
        confirm: 'Yes, give it back',
        final: true,
        keep: 'No, keep it',
      };
    }
    await this.showStanding(step, asker, 'You have no license or place in line to give up');
    return undefined;
  }

  protected async change(asker: Asker): Promise<Done | undefined> {
    const { licensing } = this.services;
    const { state, _id } = asker.person;
    if (IN_LINE.includes(state)) {
      return { outcome: await licensing.withdraw(_id, asker.actor, 'asked in Teams'), headline: "Done: you've left the waitlist" };
    }
    if (HAS_LICENSE.includes(state)) {
      return { outcome: await licensing.release(_id, asker.actor, 'asked in Teams'), headline: 'Done: license given back' };
    }
    return undefined;
  }
}
