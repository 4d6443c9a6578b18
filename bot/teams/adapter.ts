// The Bot Framework adapter Teams talks through, and what happens when a turn fails.
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type TurnContext,
  type ConversationState,
  type InvokeResponse,
} from 'botbuilder';
import type { Logger } from '../../services/log.js';
import type { TeamsAuthConfig } from '../config.js';

/** CloudAdapter with its request handling open to our own endpoint (see endpoint.ts). */
export class TeamsAdapter extends CloudAdapter {
  /** Authenticates the request and runs the turn; throws a status-coded error when authentication fails. */
  async handle(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

/** Without a registration, tokens are neither checked nor sent: for local runs only. */
export function createTeamsAdapter(auth: TeamsAuthConfig | undefined, conversationState: ConversationState, log: Logger): TeamsAdapter {
  const adapter = new TeamsAdapter(
    new ConfigurationBotFrameworkAuthentication(
      auth
        ? {
            MicrosoftAppType: auth.appType,
            MicrosoftAppId: auth.appId,
            ...(auth.appPassword ? { MicrosoftAppPassword: auth.appPassword } : {}),
            ...(auth.tenantId ? { MicrosoftAppTenantId: auth.tenantId } : {}),
          }
        : {},
    ),
  );
  adapter.onTurnError = async (context, error) => {
    log.error('teams.turn_failed', { error, activityType: context.activity.type });
    try {
      // A half-finished dialog would fail the same way on the next message: start afresh.
      await conversationState.delete(context);
      await context.sendActivity('Sorry, something went wrong on my side. Please try again in a moment.');
    } catch (apology) {
      log.error('teams.apology_failed', { error: apology });
    }
  };
  return adapter;
}
