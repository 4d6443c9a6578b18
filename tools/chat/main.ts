// `npm run chat -- --as alex@example.org [--name "Alex Doe"] [--url http://127.0.0.1:3978]`:
// talk to the bot in a terminal as that Teams user. The bot is --url, else the one
// `npm start` runs (when its /healthz answers), else one started in this process.
// Exit codes: 0 done, 1 failed, 2 the command line is wrong.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, readConfig } from '../../bot/config.js';
import { createLogger } from '../../services/log.js';
import { ChatError, runChat } from './chat.js';
import { runCommand, UsageError } from '../cli.js';

const USAGE = `Usage: npm run chat -- --as EMAIL [--name "Full Name"] [--url http://127.0.0.1:3978]

  --as EMAIL    who you are in Teams (ids are derived from the address)
  --name NAME   your display name (default: from the address)
  --url URL     the bot to talk to (default: the one npm start runs, else one started here)

Type a message; a number (or #number) clicks that button on the latest card; /quit leaves.`;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Bot {
  url: string;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1500) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** --url, else the running `npm start`, else the app started in this process. */
async function findBot(url: string | undefined): Promise<Bot> {
  if (url !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL; got "${url}".`);
    return { url: url.replace(/\/+$/, ''), stop: async () => undefined };
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new ChatError(error.message);
    throw error;
  }
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  const running = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  if (await healthy(running)) {
    process.stderr.write(`Using the bot running at ${running}.\n`);
    return { url: running, stop: async () => undefined };
  }
  process.stderr.write(`No bot answers at ${running}; starting one in this process…\n`);
  const { startApp } = await import('../../bot/app.js');
  const log = createLogger('warn', (line) => process.stderr.write(`${line}\n`));
  // The chat signs nothing, so the bot it starts checks no tokens, whatever .env says.
  const app = await startApp({ ...config, port: 0, teams: undefined }, { log });
  return app;
}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        as: { type: 'string' },
        name: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.as === undefined) throw new UsageError('Say who you are with --as EMAIL.');
  if (!EMAIL.test(values.as)) throw new UsageError(`--as needs an email address; got "${values.as}".`);

  const bot = await findBot(values.url);
  const stopping = new AbortController();
  const onSignal = () => stopping.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runChat({
      input: process.stdin,
      output: process.stdout,
      botUrl: bot.url,
      user: { email: values.as, ...(values.name ? { name: values.name } : {}) },
      prompt: process.stdin.isTTY === true,
      signal: stopping.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bot.stop();
  }
}

runCommand(main(process.argv.slice(2)), USAGE, {
  refusal: (error) => (error instanceof ChatError ? { message: `chat: ${error.message}` } : undefined),
  faultPrefix: 'chat: ',
});
