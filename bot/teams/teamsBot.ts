// The Teams bot: works out who is writing and remembers how to reach them, then hands
// the turn to the staff dialogs. Conversation state is saved once, at the end of the turn.
import {
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationState,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import { setLearner } from '../../dialogs/learner.js';
import type { StaffRouter } from '../../dialogs/router.js';
import type { TeamsIdentity } from './identity.js';

export class TeamsBot extends TeamsActivityHandler {
  private readonly welcomed: StatePropertyAccessor<boolean>;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly identity: TeamsIdentity,
    private readonly router: StaffRouter,
  ) {
    super();
    this.welcomed = conversationState.createProperty<boolean>('welcomed');

    this.onMessage(async (context, next) => {
      await this.identify(context);
      await this.router.onMessage(context);
      await next();
    });
    // Teams sends both of these when someone installs the app; greet once.
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.identify(context);
      await this.welcomeOnce(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = context.activity.membersAdded?.some((member) => member.id === context.activity.recipient?.id);
      if (botAdded) {
        await this.identify(context);
        await this.welcomeOnce(context);
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }

  /** Action.Execute (Universal Actions) arrives as an invoke; it is read like an Action.Submit. */
  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    context.activity.value = invokeValue.action.data;
    await this.identify(context);
    await this.router.onMessage(context);
    // Teams wants a plain text value with this type; botbuilder's typing only knows card values.
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Done' } as unknown as AdaptiveCardInvokeResponse;
  }

  private async identify(context: TurnContext): Promise<void> {
    setLearner(context, await this.identity.identify(context));
  }

  private async welcomeOnce(context: TurnContext): Promise<void> {
    if (await this.welcomed.get(context, false)) return;
    await this.welcomed.set(context, true);
    await this.router.welcome(context);
  }
}
