// How close a large fan-out of notices gets to Teams' per-app rate limit: N invitation
// notices (10,000 unless told) to N people, each in their own personal chat, delivered by
// the app's delivery worker through the Bot Connector fake, which keeps Teams' limits
// (50 requests a second per app, 7 per conversation) and answers 429 above them.
//
//   npm run bench:notices                        (10,000 notices, ≈ 3.5 minutes at the limit)
//   npm run bench:notices -- --notices 500       (a quick check, ≈ 11 s)
//   MONGODB_URI=mongodb://… npm run bench:notices
//
// "ratio" is delivered per second over the 50/s limit. The limiter adds a 50 ms guard to
// every window (services/notifications/rateLimit.ts), so ≈ 0.95 is the best it can do;
// well below 0.90 the worker is not keeping the limiter busy (services/notifications/README.md,
// Performance, says where the time went last).
// Every notice must arrive exactly once and nothing may be refused for the rate: the
// process exits 1 otherwise, or when the ratio falls short, so it can gate a change.
import { parseArgs } from 'node:util';
import { startApp } from '../bot/app.js';
import { readConfig } from '../bot/config.js';
import { TEAMS_RATE_LIMITS } from '../bot/teams/connectorHttp.js';
import { createLogger } from '../services/log.js';
import type { DeliveryReport } from '../services/notifications/worker.js';
import { seedOutbox } from '../test/support/outbox.js';
import { startBotConnector } from '../tools/botConnector/index.js';
import { withScratchDatabase } from '../tools/localDatabase/scratch.js';

const TARGET = 0.9;
const APP_LIMIT = TEAMS_RATE_LIMITS.perApp[0]!;
const LIMIT_PER_SECOND = (APP_LIMIT.count * 1000) / APP_LIMIT.perMs;

function noticesWanted(): number {
  const { values } = parseArgs({ options: { notices: { type: 'string', default: '10000' } } });
  const notices = Number(values.notices);
  if (!Number.isInteger(notices) || notices < 1) throw new Error(`--notices must be a whole number above 0; got "${values.notices}".`);
  return notices;
}

/** The highest resident set size seen while it runs, sampled every 100 ms. */
function watchPeakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 100).unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const row = (label: string, value: string) => console.log(`  ${label.padEnd(24)}${value}`);
const count = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<boolean> {
  const notices = noticesWanted();
  return withScratchDatabase(
    'notices',
    async (models) => {
      const connector = await startBotConnector({ rateLimits: { perConversation: 7, global: LIMIT_PER_SECOND } });
      try {
        const seedStarted = process.hrtime.bigint();
        const seeded = await seedOutbox(models, connector, undefined, { teams: notices }, new Date());
        const seedSeconds = Number(process.hrtime.bigint() - seedStarted) / 1e9;

        const app = await startApp(readConfig({ PORT: '0' }), { models, scheduler: false, log: createLogger('error') });
        const rss = watchPeakRss();
        let outcome: { report: DeliveryReport } | { error: unknown };
        const started = process.hrtime.bigint();
        try {
          outcome = { report: await app.deliverNotices() };
        } catch (error) {
          // A write the database refused, say: what had arrived by then still tells something.
          outcome = { error };
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        await app.stop();
        const peakRss = rss.stop();

        const perConversation = new Map<string, number>();
        let delivered = 0;
        for (const activity of connector.activities()) {
          // continueConversationAsync gives the turn an activity id, so a notice arrives as a reply to it.
          if (activity.operation !== 'sendToConversation' && activity.operation !== 'replyToActivity') continue;
          delivered += 1;
          perConversation.set(activity.conversationId, (perConversation.get(activity.conversationId) ?? 0) + 1);
        }
        const duplicates = [...perConversation.values()].filter((n) => n > 1).length;
        const missing = seeded.filter((notice) => !perConversation.has(notice.conversationId!)).length;
        const counters = connector.counters();
        const perSecond = delivered / seconds;
        const ratio = perSecond / LIMIT_PER_SECOND;

        console.log(`notice fan-out through Teams, ${count(notices)} notices (outbox seeded in ${seedSeconds.toFixed(1)} s)`);
        row('delivered', `${count(delivered)} in ${seconds.toFixed(1)} s`);
        row('delivered per second', `${perSecond.toFixed(1)} (limit ${LIMIT_PER_SECOND}/s per app; best with the 50 ms guard ≈ ${((APP_LIMIT.count * 1000) / (APP_LIMIT.perMs + 50)).toFixed(1)})`);
        if ('report' in outcome) {
          const { report } = outcome;
          row('report', `sent ${count(report.sent)}, retrying ${report.retrying}, failed ${report.failed.length}, undeliverable ${report.undeliverable.length}, uncertain ${report.uncertain.length}`);
        } else {
          row('report', `none: delivery stopped with ${firstLine(outcome.error)}`);
        }
        const statuses = await models.Notice.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]);
        row('outbox after', statuses.sort((a, b) => b.n - a.n).map(({ _id, n }) => `${_id} ${count(n)}`).join(', '));
        row('connector', `accepted ${count(counters.accepted)}, rejected ${counters.rejected}, of them over the limit ${counters.rateLimited}`);
        row('peak RSS', `${(peakRss / 2 ** 20).toFixed(0)} MB`);
        console.log(
          `ratio ${ratio.toFixed(2)} (target ≥ ${TARGET.toFixed(2)}), duplicates ${duplicates}, missing ${missing}, over the limit ${counters.rateLimited}`,
        );
        return 'report' in outcome && ratio >= TARGET && duplicates === 0 && missing === 0 && counters.rateLimited === 0;
      } finally {
        await connector.close();
      }
    },
    console.log,
  );
}

if (!(await main())) process.exitCode = 1;
