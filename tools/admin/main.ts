// `npm run admin -- <command>`: the admin console for a terminal. Runs jobs now or as of
// a date (optionally as a dry run), imports an activity report, and runs what-if
// simulations. Exit codes: 0 done, 1 refused or failed, 2 the command line is wrong.
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { connectDatabase } from '../../bot/database.js';
import { ConfigError, readConfig, type Config } from '../../bot/config.js';
import { isJobName, JOB_NAMES, runJob, type JobName } from '../../jobs/runners.js';
import type { Actor } from '../../models/index.js';
import { importActivity } from '../../services/activityImport.js';
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
import { formatImportReport, formatJobReport } from './format.js';
import { runCommand, UsageError } from '../cli.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  turnover | inactivity | year-end | activity-sync   run that job now (activity-sync needs COURSERA_*)
      --dry-run          only report what it would do
      --as-of DATE       run as of DATE (e.g. 2027-02-01 or 2027-02-01T06:00, org time)
  delivery --dry-run     count the notices due (the running bot delivers them)
  import FILE.csv        record learning activity from a Coursera membership or usage report
      --dry-run          only report what it would record
      --as-of DATE       judge the report as of DATE (activity after it is refused as future)
  simulate FILE.json     replay a what-if scenario on a scratch database (see README)
  help                   this text

Every command takes --json to print its result as JSON.`;

const admin: Actor = { kind: 'admin', id: `cli:${userInfo().username}` };
const quiet = createLogger('error', (line) => process.stderr.write(`${line}\n`));

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text()}\n`);
}

async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof connectDatabase>>, config: Config) => Promise<T>): Promise<T> {
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const database = await connectDatabase(config, quiet);
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}

interface Options {
  dryRun: boolean;
  json: boolean;
  asOf?: string;
}

/** The system clock, or one standing at --as-of (org time). */
function clockFor(asOf: string | undefined, settings: Settings): Clock {
  if (asOf === undefined) return systemClock;
  const at = parseOrgTime(asOf, settings.timeZone);
  if (!at) throw new UsageError(`--as-of ${JSON.stringify(asOf)} is not a date; write it like 2027-02-01 or 2027-02-01T06:00.`);
  return new ManualClock(at);
}

async function runJobCommand(name: JobName, options: Options): Promise<void> {
  await withDatabase(async ({ models }, config) => {
    const settings = await loadSettings(models);
    const clock = clockFor(options.asOf, settings);
    const coursera = config.coursera ? new CourseraApi(config.coursera) : undefined;
    const ctx = { models, clock, licensing: new Licensing(models, clock), log: quiet, ...(coursera ? { coursera } : {}) };
    const report = await runJob(name, ctx, { dryRun: options.dryRun });
    print(options.json, report, () => formatJobReport(report, settings.timeZone));
  });
}

async function importCommand(file: string | undefined, options: Options): Promise<void> {
  if (!file) throw new UsageError('import needs the path of a CSV file.');
  if (!existsSync(file)) throw new UsageError(`No file at ${file}.`);
  await withDatabase(async ({ models }) => {
    const clock = clockFor(options.asOf, await loadSettings(models));
    const report = await importActivity(models, new Licensing(models, clock), createReadStream(file), {
      actor: admin,
      dryRun: options.dryRun,
    });
    print(options.json, report, () => formatImportReport(report));
  });
}

async function simulateCommand(file: string | undefined, options: Options): Promise<void> {
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
    print(options.json, result, () => formatSimulation(result));
  });
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
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
  const [command = 'help', argument, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (rest.length > 0) throw new UsageError(`Unexpected ${rest.join(' ')}.`);
  const options: Options = { dryRun: values['dry-run'], json: values.json, ...(values['as-of'] !== undefined ? { asOf: values['as-of'] } : {}) };
  const job = command === 'yearend' ? 'year-end' : command;

  if (isJobName(job)) {
    if (argument) throw new UsageError(`${command} takes no argument; did you mean --as-of ${argument}?`);
    return runJobCommand(job, options);
  }
  if (command === 'import') return importCommand(argument, options);
  if (options.asOf !== undefined || options.dryRun) throw new UsageError(`${command} takes neither --as-of nor --dry-run.`);
  if (command === 'simulate') return simulateCommand(argument, options);
  throw new UsageError(`Unknown command ${command}. Commands: ${[...JOB_NAMES, 'import', 'simulate', 'help'].join(', ')}.`);
}

runCommand(main(process.argv.slice(2)), USAGE, {
  refusal: (error) => (error instanceof DomainError ? { message: error.message } : undefined),
});
