// "I'm ready again": back to the same place in line after a hold, or in line to be
// re-invited after a pause, with when to expect the invitation.
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { isSeatHolder } from '../services/policy.js';
import { sendCard } from './replies.js';
import { sendRefusal, whoIsAsking, type StaffServices } from './staffServices.js';
import { standingCard } from './standingView.js';

export const READY_DIALOG = 'ready';

export class ReadyDialog extends Dialog {
  constructor(private readonly services: StaffServices) {
    super(READY_DIALOG);
  }

  async beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(dc.context, this.services);
    if (!asker) return dc.endDialog();
    const { licensing, clock } = this.services;
    const { person, settings, actor } = asker;
    let headline: string;
    let current = person;
    if (person.state === 'on_hold' || person.state === 'paused') {
      try {
        current = (await licensing.ready(person._id, actor, 'asked in Teams')).person;
      } catch (error) {
        await sendRefusal(dc.context, error, asker, this.services);
        return dc.endDialog();
      }
      headline = person.state === 'on_hold' ? "You're back in line" : "You're in line to be re-invited";
    } else if (person.state === 'waiting' || person.state === 'paused_ready') {
      headline = "You're already in line";
    } else if (isSeatHolder(person.state)) {
      headline = 'You already have a license';
    } else {
      headline = 'Nothing was paused';
    }
    const standing = await licensing.standing(current);
    await sendCard(dc.context, 'message', standingCard(standing, settings, clock.now(), headline));
    return dc.endDialog();
  }
}
