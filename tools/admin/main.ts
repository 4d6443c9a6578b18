// `npm run admin -- <command>`: the admin console for a terminal. The same commands as
// /coursera in Slack (bot/console), plus what-if simulations. A command that changes
// licenses, capacity or settings shows what it would do and does it only with --yes.
// Exit codes: 0 done, 1 refused or failed, 2 the command line is wrong, 3 not confirmed.
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError as CommandUsageError } from '../../bot/console/command.js';
import { answer, commandList } from '../../bot/console/commands.js';
import { consoleContext } from '../../bot/console/context.js';
import { ConfigError, readConfig } from '../../bot/config.js';
import { connectDatabase } from '../../bot/database.js';
import { ManualClock, systemClock, type Clock } from '../../services/clock.js';
import { CourseraApi } from '../../services/coursera.js';
import { DomainError } from '../../services/errors.js';
import { Licensing } from '../../services/licensing.js';
import { createLogger } from '../../services/log.js';
import { parseOrgTime } from '../../services/policy.js';
import { loadSettings, type Settings } from '../../services/settings.js';
import { withScratchDatabase } from '../localDatabase/scratch.js';
import { formatSimulation } from '../simulation/format.js';
import { parseScenario } from '../simulation/scenario.js';
import { simulate } from '../simulation/simulate.js';
import { runCommand, UsageError } from '../cli.js';
import { replyText } from './replyText.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands (the same as /coursera in Slack):
${commandList()
  .map((command) => `  ${command.usage.padEnd(40)} ${command.summary}`)
  .join('\n')}
  simulate FILE.json                       replay a what-if scenario on a scratch database (see README)

Files: import and import-queue read the CSV at the path given; export writes its CSV in
the current folder.

Options:
  --yes          do a change that would otherwise only be shown (exit code 3 without it)
  --dry-run      the same as "preview": show what a job or import would do
  --as-of DATE   act as of DATE (e.g. 2027-02-01 or 2027-02-01T06:00, org time)
  --json         print the result as JSON`;

const quiet = createLogger('error', (line) => process.stderr.write(`${line}\n`));
const NOT_CONFIRMED = 3;

/** The system clock, or one standing at --as-of (org time). */
function clockFor(asOf: string | undefined, settings: Settings): Clock {
  if (asOf === undefined) return systemClock;
  const at = parseOrgTime(asOf, settings.timeZone);
  if (!at) throw new UsageError(`--as-of ${JSON.stringify(asOf)} is not a date; write it like 2027-02-01 or 2027-02-01T06:00.`);
  return new ManualClock(at);
}

function openPath(source: string | undefined) {
  if (!source) throw new CommandUsageError('Give the path of the CSV file.');
  if (!existsSync(source)) throw new CommandUsageError(`No file at ${source}.`);
  const path = resolve(source);
  return Promise.resolve({ name: source, ref: path, content: createReadStream(path) });
}

interface Options {
  yes: boolean;
  json: boolean;
  dryRun: boolean;
  asOf?: string;
}

async function consoleCommand(words: string[], options: Options): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const database = await connectDatabase(config, quiet);
  try {
    const { models } = database;
    const clock = clockFor(options.asOf, await loadSettings(models));
    const coursera = config.coursera ? new CourseraApi(config.coursera) : undefined;
    const ctx = consoleContext({
      models,
      clock,
      licensing: new Licensing(models, clock),
      log: quiet,
      actor: { kind: 'admin', id: `cli:${userInfo().username}` },
      ...(coursera ? { coursera } : {}),
      openFile: openPath,
    });
    const [command = 'help', ...rest] = words;
    const line = [command, ...(options.dryRun ? ['preview'] : []), ...rest].join(' ');
    const result = await answer(ctx, line, { confirmed: options.yes });
    if (result.problem === 'usage') throw new UsageError(result.reply.title);
    if (result.problem === 'refused') throw new DomainError('invalid-input', result.reply.title);

    const file = result.reply.file;
    if (file) await writeFile(file.name, file.content, 'utf8');
    process.stdout.write(`${options.json ? JSON.stringify(result.reply.data ?? result.reply, null, 2) : replyText(result.reply)}\n`);
    if (file) process.stderr.write(`wrote ${resolve(file.name)}\n`);
    if (result.confirm !== undefined) {
      process.stderr.write('Nothing was changed: run it again with --yes to do it.\n');
      process.exitCode = NOT_CONFIRMED;
    }
  } finally {
    await database.close();
  }
}

async function simulateCommand(file: string | undefined, json: boolean): Promise<void> {
  if (!file) throw new UsageError('simulate needs the path of a scenario JSON file.');
  if (!existsSync(file)) throw new UsageError(`No file at ${file}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const scenario = parseScenario(raw);
  await withScratchDatabase('simulation', async (models) => {
    const result = await simulate(models, scenario);
    process.stdout.write(`${json ? JSON.stringify(result, null, 2) : formatSimulation(result)}\n`);
  });
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        yes: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'as-of': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals[0] === 'simulate') {
    if (positionals.length > 2) throw new UsageError(`Unexpected ${positionals.slice(2).join(' ')}.`);
    return simulateCommand(positionals[1], values.json);
  }
  return consoleCommand(positionals, {
    yes: values.yes,
    json: values.json,
    dryRun: values['dry-run'],
    ...(values['as-of'] !== undefined ? { asOf: values['as-of'] } : {}),
  });
}

runCommand(main(process.argv.slice(2)), USAGE, {
  refusal: (error) => (error instanceof DomainError ? { message: error.message } : undefined),
});
