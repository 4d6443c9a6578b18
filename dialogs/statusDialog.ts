// "Where am I?": the person's state, place and estimate, or their license's dates.
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { sendCard } from './replies.js';
import { whoIsAsking, type StaffServices } from './staffServices.js';
import { standingCard } from './standingView.js';

export const STATUS_DIALOG = 'status';

export class StatusDialog extends Dialog {
  constructor(private readonly services: StaffServices) {
    super(STATUS_DIALOG);
  }

  async beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const asker = await whoIsAsking(dc.context, this.services);
    if (asker) {
      const standing = await this.services.licensing.standing(asker.person);
      await sendCard(dc.context, 'message', standingCard(standing, asker.settings, this.services.clock.now()));
    }
    return dc.endDialog();
  }
}
