// The Bot Framework adapter Teams talks through, and what happens when a turn fails.
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type TurnContext,
  type ConversationState,
  type InvokeResponse,
} from 'botbuilder';
import type { RequestPolicy } from '@azure/core-http-compat';
import type { Logger } from '../../services/log.js';
import type { TeamsAuthConfig } from '../config.js';

/** CloudAdapter with its request handling open to our own endpoint (see endpoint.ts). */
export class TeamsAdapter extends CloudAdapter {
  /** Authenticates the request and runs the turn; throws a status-coded error when authentication fails. */
  async handle(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

/**
 * Without a registration, tokens are neither checked nor sent: for local runs only.
 * `httpClient` carries every request to the Bot Connector (see connectorHttp.ts).
 */
export function createTeamsAdapter(
  auth: TeamsAuthConfig | undefined,
  conversationState: ConversationState,
  log: Logger,
  httpClient?: RequestPolicy,
): TeamsAdapter {
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
      undefined,
      undefined,
      undefined,
      httpClient ? { httpClient } : undefined,
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
