// FerretDB v1.24 with its SQLite backend, built from the Go wrapper in tools/ferretdb.
// The binary is cached under .cache/ferretdb/<hash of the wrapper's sources>, so it is
// rebuilt only when the wrapper or its module versions change.
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalDatabase } from './index.js';

const run = promisify(execFile);
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wrapperDir = join(projectRoot, 'tools', 'ferretdb');
const MIN_GO = [1, 24] as const;

export class MissingGoError extends Error {}

async function goVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('go', ['env', 'GOVERSION'], { env: goEnv() });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

function goEnv(): NodeJS.ProcessEnv {
  // Never let `go` fetch a different toolchain: only the module proxy is reachable.
  return { ...process.env, GOTOOLCHAIN: 'local' };
}

function isRecentEnough(version: string): boolean {
  const match = /^go(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1]);
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(await readFile(join(wrapperDir, file)));
  return hash.digest('hex').slice(0, 16);
}

export const DEFAULT_CACHE_DIR = join(projectRoot, '.cache', 'ferretdb');

/** Builds the wrapper once and returns the binary's path. */
export async function buildFerretdb(cacheDir: string, report: (line: string) => void): Promise<string> {
  const binary = join(cacheDir, await sourceHash(), 'ferretdb');
  if (existsSync(binary)) return binary;

  const version = await goVersion();
  if (!version) throw new MissingGoError('Go is not installed');
  if (!isRecentEnough(version)) {
    throw new MissingGoError(`Go ${version.slice(2)} is too old; FerretDB v1.24.2 needs Go ${MIN_GO.join('.')} or newer`);
  }

  report(`building FerretDB v1.24.2 with ${version} (once; about two minutes on a new machine)`);
  await mkdir(dirname(binary), { recursive: true });
  // Build beside the final path and rename, so a concurrent build never sees half a file.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run('go', ['build', '-trimpath', '-o', partial, '.'], {
      cwd: wrapperDir,
      env: goEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, binary);
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`building FerretDB failed${stderr ? `:\n${stderr}` : ''}`, { cause: error });
  }
  return binary;
}

/** Starts FerretDB on a free loopback port with its SQLite files in `dataDir`. */
export async function startFerretdb(
  dataDir: string,
  cacheDir: string,
  report: (line: string) => void,
): Promise<LocalDatabase> {
  const binary = await buildFerretdb(cacheDir, report);
  await mkdir(dataDir, { recursive: true });

  // stdin stays a pipe: the wrapper exits when it closes, so it never outlives us.
  const child = spawn(binary, ['-data', dataDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  const uri = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`FerretDB exited with code ${code}: ${stderr.trim()}`)));
  });
  child.removeAllListeners('exit');

  return {
    uri,
    engine: 'ferretdb',
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
