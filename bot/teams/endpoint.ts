// POST /api/messages: where Teams (through the Bot Connector) delivers activities. The
// body is checked here so that bad requests get a clear 4xx, and authentication
// failures a 401, with one structured log line and no stack traces on the console.
import type { Activity } from 'botbuilder';
import restify from 'restify';
import type { Logger } from '../../services/log.js';
import type { TeamsAdapter } from './adapter.js';
import type { TeamsBot } from './teamsBot.js';

/** The Bot Framework caps activities well below this. */
export const MAX_ACTIVITY_BYTES = 256 * 1024;

function isActivity(body: unknown): body is Activity {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof (body as { type?: unknown }).type === 'string';
}

/** Timestamps arrive as text; botbuilder expects Dates (as its own request validation does). */
function withDates(activity: Activity): Activity {
  for (const field of ['timestamp', 'localTimestamp', 'expiration'] as const) {
    const value = activity[field] as unknown;
    if (typeof value === 'string') Object.assign(activity, { [field]: new Date(value) });
  }
  return activity;
}

function isStatusError(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === status;
}

export function mountTeamsEndpoint(server: restify.Server, adapter: TeamsAdapter, bot: TeamsBot, log: Logger): void {
  server.post(
    '/api/messages',
    restify.plugins.bodyReader({ maxBodySize: MAX_ACTIVITY_BYTES }),
    ...restify.plugins.jsonBodyParser({ bodyReader: true, mapParams: false }),
    async (req: restify.Request, res: restify.Response) => {
      if (!req.is('json')) {
        res.send(415, { error: 'Send the activity as JSON (Content-Type: application/json).' });
        return;
      }
      if (!isActivity(req.body)) {
        res.send(400, { error: 'The body must be a Bot Framework activity: a JSON object with a "type".' });
        return;
      }
      const activity = withDates(req.body);
      try {
        const invokeResponse = await adapter.handle(req.header('authorization') ?? '', activity, (context) => bot.run(context));
        res.send(invokeResponse?.status ?? 200, invokeResponse?.body);
      } catch (error) {
        if (isStatusError(error, 401) || isStatusError(error, 403)) {
          log.warn('teams.unauthorized', { message: error instanceof Error ? error.message : String(error) });
          res.send(401, { error: 'The request is not signed by the Bot Framework.' });
          return;
        }
        log.error('teams.request_failed', { error, activityType: activity.type });
        res.send(500, { error: 'The activity could not be processed.' });
      }
    },
  );
}
