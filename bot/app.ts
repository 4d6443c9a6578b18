// The running service: database, scheduled jobs, the Teams endpoint, the Slack admin
// console and the HTTP server.
// `npm start` (main.ts) and the terminal chat start it the same way; tests hand it their
// own database and clock.
import type { AddressInfo } from 'node:net';
import { ConversationState } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { loadFaq } from '../dialogs/knowledge/faq.js';
import { loadMergeGuide } from '../dialogs/knowledge/mergeGuide.js';
import { StaffRouter } from '../dialogs/router.js';
import { startScheduler, type Scheduler, type SchedulerOptions } from '../jobs/scheduler.js';
import type { Models } from '../models/index.js';
import { systemClock, type Clock } from '../services/clock.js';
import { CourseraApi } from '../services/coursera.js';
import { Licensing } from '../services/licensing.js';
import { createLogger, type Logger } from '../services/log.js';
import type { NoticeChannel } from '../services/notifications/channels.js';
import { RateLimiter, shareOf } from '../services/notifications/rateLimit.js';
import { deliverNotices, type DeliveryOptions, type DeliveryReport } from '../services/notifications/worker.js';
import type { Config } from './config.js';
import { connectDatabase } from './database.js';
import { createServer } from './server.js';
import { mountSlackConsole, SLACK_EVENTS_PATH } from './slack/console.js';
import { SLACK_RATE_LIMITS, SlackNoticeChannel } from './slack/noticeChannel.js';
import { slackWebClient } from './slack/webClient.js';
import { createTeamsAdapter } from './teams/adapter.js';
import { connectorHttpClient, TEAMS_RATE_LIMITS } from './teams/connectorHttp.js';
import { mountTeamsEndpoint } from './teams/endpoint.js';
import { TeamsIdentity } from './teams/identity.js';
import { MongoStorage } from './teams/mongoStorage.js';
import { TeamsNoticeChannel } from './teams/noticeChannel.js';
import { TeamsBot } from './teams/teamsBot.js';

export interface AppOptions {
  clock?: Clock;
  log?: Logger;
  /** An open database (tests); otherwise the configured or local one is connected. */
  models?: Models;
  /** False: no scheduled jobs (tests that drive jobs themselves). */
  scheduler?: SchedulerOptions | false;
  /** How the outbox is drained (tests shorten leases and waits). */
  delivery?: DeliveryOptions;
  /** How long Teams and Slack get to answer a request (default 15 s each). */
  platformTimeoutMs?: number;
}

export interface RunningApp {
  /** e.g. http://127.0.0.1:3978 */
  url: string;
  models: Models;
  /** Drains the outbox now, as the delivery job does. */
  deliverNotices(options?: DeliveryOptions): Promise<DeliveryReport>;
  stop(): Promise<void>;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  const database = options.models ? { models: options.models, close: async () => undefined } : await connectDatabase(config, log);
  const { models } = database;

  const licensing = new Licensing(models, clock);
  const coursera = config.coursera ? new CourseraApi(config.coursera) : undefined;

  // One limiter for everything this process sends, so replies and notices share the platforms' limits.
  const limiter = new RateLimiter();
  const conversationState = new ConversationState(new MongoStorage(models, clock));
  const instances = config.deliveryInstances;
  const teamsLimits = { ...TEAMS_RATE_LIMITS, perApp: shareOf(TEAMS_RATE_LIMITS.perApp, instances) };
  const adapter = createTeamsAdapter(config.teams, conversationState, log, connectorHttpClient({ limiter, limits: teamsLimits, ...(options.platformTimeoutMs ? { timeoutMs: options.platformTimeoutMs } : {}) }));
  const channels: NoticeChannel[] = [new TeamsNoticeChannel(adapter, config.teams?.appId ?? '')];
  if (config.slack) {
    const slackLimits = { ...SLACK_RATE_LIMITS, tier3: shareOf(SLACK_RATE_LIMITS.tier3, instances) };
    channels.push(new SlackNoticeChannel(slackWebClient(config.slack, options.platformTimeoutMs), limiter, slackLimits));
  }

  let scheduler: Scheduler | undefined;
  if (options.scheduler !== false) {
    scheduler = await startScheduler(
      { models, clock, licensing, log, channels, ...(coursera ? { coursera } : {}), ...(options.delivery ? { delivery: options.delivery } : {}) },
      options.scheduler ?? {},
    );
  }

  const router = new StaffRouter(
    { models, licensing, clock, faq: loadFaq(), mergeGuide: loadMergeGuide() },
    conversationState.createProperty<DialogState>('dialogState'),
  );
  const bot = new TeamsBot(conversationState, new TeamsIdentity(models, clock, log), router);
  const server = createServer({ models, log });
  mountTeamsEndpoint(server, adapter, bot, log);
  if (config.slack?.console) {
    mountSlackConsole(server, {
      slack: { ...config.slack, console: config.slack.console },
      models,
      clock,
      licensing,
      log,
      channels,
      ...(coursera ? { coursera } : {}),
      ...(scheduler ? { deliverSoon: async () => void (await scheduler.agenda.now('delivery')) } : {}),
      ...(options.platformTimeoutMs ? { timeoutMs: options.platformTimeoutMs } : {}),
    });
  }

  await new Promise<void>((ready) => server.listen(config.port, config.host, ready));
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info('server.listening', {
    url,
    teamsAuth: config.teams ? config.teams.appType : 'none (local only)',
    slackNotices: config.slack !== undefined,
    slackConsole: config.slack?.console ? SLACK_EVENTS_PATH : 'off',
  });

  return {
    url,
    models,
    deliverNotices: (delivery) => deliverNotices({ models, clock, log, channels }, { ...options.delivery, ...delivery }),
    async stop() {
      await new Promise<void>((closed) => server.close(() => closed()));
      await scheduler?.stop();
      await database.close();
    },
  };
}
