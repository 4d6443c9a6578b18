// What the bot can do, as a card; also the greeting when someone installs the app.
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { HelpCard } from '../cards/render.js';
import { loadSettings } from '../services/settings.js';
import { learnerOf } from './learner.js';
import { sendCard } from './replies.js';
import type { StaffServices } from './staffServices.js';

export const HELP_DIALOG = 'help';

export interface HelpOptions {
  welcome?: boolean;
}

const COMMANDS: HelpCard['commands'] = [
  { label: 'Apply', description: 'Join the waitlist for a Coursera license.', example: 'apply', data: { action: 'apply' } },
  {
    label: 'Status',
    description: 'Your place in line and when to expect a license, or your license dates.',
    example: 'where am I in the queue?',
    data: { action: 'status' },
  },
  { label: 'Pause', description: 'Too busy? Step aside for now and keep the right to come back.', example: "I'm too busy", data: { action: 'pause' } },
  { label: 'Ready', description: 'Back after a pause: get in line to be invited again.', example: "I'm ready again", data: { action: 'ready' } },
  {
    label: 'Give it back',
    description: 'Release your license, or leave the waitlist.',
    example: "I don't need it any more",
    data: { action: 'release' },
  },
  {
    label: 'Link accounts',
    description: 'Step-by-step help to link or merge Coursera accounts.',
    example: 'merge my accounts',
    data: { action: 'merge' },
  },
  {
    label: 'Questions',
    description: 'Unenrolling, deadlines, certificates, the mobile app and more.',
    example: 'how do I reset my deadlines?',
    data: { action: 'faq' },
  },
];

export class HelpDialog extends Dialog<HelpOptions> {
  constructor(private readonly services: StaffServices) {
    super(HELP_DIALOG);
  }

  async beginDialog(dc: DialogContext, options: HelpOptions = {}): Promise<DialogTurnResult> {
    const settings = await loadSettings(this.services.models);
    const firstName = learnerOf(dc.context)?.name?.split(' ')[0];
    await sendCard(dc.context, 'help', {
      title: options.welcome ? `Hi${firstName ? ` ${firstName}` : ''}, I'm License Desk` : 'What I can do',
      intro: options.welcome
        ? 'I look after the Coursera licenses: there are only a few hundred each year, handed out first come, first served. Click a line below or just tell me what you need.'
        : 'Click a line below, or type what you need in your own words.',
      commands: COMMANDS,
      contact: settings.programContact ? `Program admins: ${settings.programContact}` : '',
    });
    return dc.endDialog();
  }
}
