// `npm start`: configuration, then the app (database, jobs, HTTP), and a clean stop on
// SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { createLogger } from '../services/log.js';
import { startApp } from './app.js';
import { ConfigError, readConfig, type Config } from './config.js';

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
  const app = await startApp(config, { log });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('server.stopping', { signal });
    await app.stop();
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
