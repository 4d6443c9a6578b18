// `npm start`: configuration, the database (MONGODB_URI or a local one), the scheduled
// jobs, the HTTP server, and a clean stop on SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { startScheduler } from '../jobs/scheduler.js';
import { systemClock } from '../services/clock.js';
import { CourseraApi } from '../services/coursera.js';
import { Licensing } from '../services/licensing.js';
import { createLogger } from '../services/log.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { connectDatabase } from './database.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`license-desk: ${error.message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);

  const database = await connectDatabase(config, log);
  const { models } = database;
  const licensing = new Licensing(models, systemClock);
  const coursera = config.coursera ? new CourseraApi(config.coursera) : undefined;
  const scheduler = await startScheduler({ models, clock: systemClock, licensing, log, ...(coursera ? { coursera } : {}) });
  const server = createServer({ models, log });
  await new Promise<void>((ready) => server.listen(config.port, config.host, ready));
  log.info('server.listening', { url: server.url });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('server.stopping', { signal });
    await new Promise<void>((closed) => server.close(() => closed()));
    await scheduler.stop();
    await database.close();
    log.info('server.stopped');
    // Agenda keeps a timer per job run that has ran (its liveness check) for up to half the
    // lock lifetime; everything is closed, so do not wait for those.
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`license-desk: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
