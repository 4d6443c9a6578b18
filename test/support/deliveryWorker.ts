// A delivery worker in a process of its own, for tests that kill it mid-batch: the app
// as `npm start` builds it (database from MONGODB_URI, Slack from SLACK_*), no schedule,
// one drain of the outbox. Says "ready" when it starts and prints its report at the end.
import { startApp } from '../../bot/app.js';
import { readConfig } from '../../bot/config.js';
import { createLogger } from '../../services/log.js';
import type { DeliveryOptions } from '../../services/notifications/worker.js';

const delivery = JSON.parse(process.env.DELIVERY_OPTIONS ?? '{}') as DeliveryOptions;
const app = await startApp(readConfig({ ...process.env, PORT: '0' }), {
  scheduler: false,
  log: createLogger('warn', (line) => process.stderr.write(`${line}\n`)),
  delivery,
  platformTimeoutMs: 2_000,
});
process.stdout.write('ready\n');
const report = await app.deliverNotices();
process.stdout.write(`${JSON.stringify(report)}\n`);
await app.stop();
process.exit(0);
