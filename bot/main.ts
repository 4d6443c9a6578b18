// `npm start`: configuration, the database (MONGODB_URI or a local one), the scheduled
// jobs, the HTTP server, and a clean stop on SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startScheduler } from '../jobs/scheduler.js';
import { openDatabase } from '../models/index.js';
import { systemClock } from '../services/clock.js';
import { Licensing } from '../services/licensing.js';
import { createLogger, type Logger } from '../services/log.js';
import { startLocalDatabase, type LocalDatabase } from '../tools/localDatabase/index.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { createServer } from './server.js';

const DEFAULT_DATABASE = 'license_desk';

async function database(config: Config, log: Logger): Promise<{ uri: string; local?: LocalDatabase }> {
  if (config.mongodbUri) {
    log.info('database.configured', { source: 'MONGODB_URI' });
    return { uri: config.mongodbUri };
  }
  const dataDir = resolve(config.dataDir);
  const local = await startLocalDatabase({
    dataDir,
    scratchDir: dataDir,
    report: (detail) => log.info('database.local', { detail }),
  });
  return { uri: local.uri, local };
}

/** Ours, unless the connection string names a database (then undefined: the driver uses that one). */
function databaseName(uri: string): string | undefined {
  const named = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  return named ? undefined : DEFAULT_DATABASE;
}

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

  const { uri, local } = await database(config, log);
  const models = await openDatabase(uri, databaseName(uri));
  const licensing = new Licensing(models, systemClock);
  const scheduler = await startScheduler({ models, clock: systemClock, licensing, log });
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
    await models.connection.close();
    await local?.stop();
    log.info('server.stopped');
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`license-desk: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
