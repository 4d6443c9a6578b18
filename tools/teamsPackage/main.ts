// `npm run package:teams [-- --out PATH]`: builds the Teams app package (manifest.json,
// color.png, outline.png) into dist/license-desk-teams.zip, after checking the manifest
// against the bundled Teams schema and the icons. Exit codes: 0 written, 1 refused or
// failed, 2 the command line or the environment is wrong. See manifest/teams/README.md.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPackage, DEFAULT_OUT, PackageConfigError, PackageError } from './index.js';
import { runCommand, UsageError } from '../cli.js';

const USAGE = `Usage: npm run package:teams [-- --out PATH]

Needs MICROSOFT_APP_ID and TEAMS_WEBSITE_URL; TEAMS_DEVELOPER_NAME, TEAMS_PRIVACY_URL and
TEAMS_TERMS_URL are optional (environment or .env). Writes dist/license-desk-teams.zip
unless --out says otherwise.`;

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', default: false } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a file path.');
  if (existsSync('.env')) process.loadEnvFile('.env');
  const outPath = values.out !== undefined ? resolve(values.out) : DEFAULT_OUT;
  const built = await buildPackage({ env: process.env, outPath });
  const near = relative(process.cwd(), built.outPath);
  const shown = near && !near.startsWith('..') ? near : built.outPath;
  process.stdout.write(`Wrote ${shown}: ${built.entries.join(', ')} (manifest ${String(built.manifest.manifestVersion)}, version ${String(built.manifest.version)}).\n`);
}

runCommand(main(process.argv.slice(2)), USAGE, {
  refusal(error) {
    if (error instanceof PackageConfigError) return { message: error.message, exitCode: 2 };
    if (error instanceof PackageError) return { message: [error.message, ...error.problems.map((problem) => `  ${problem}`)].join('\n') };
    return undefined;
  },
});
