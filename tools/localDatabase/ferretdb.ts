// FerretDB v1.24 with its SQLite backend, built from the Go wrapper in tools/ferretdb.
// The binary is cached under .cache/ferretdb/<hash of the wrapper's sources and patches>,
// so it is rebuilt only when the wrapper, its module versions or the patches change.
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/**
 * Edits made to a copy of FerretDB's sources at build time, each a
 * literal text replacement that must match exactly once.
 *
 * FerretDB v1.24's SQLite backend looks documents up by `_ferretdb_sjson->'$._id'` but
 * indexes `_ferretdb_sjson->"_id"`. SQLite matches index expressions by their text, so every
 * update, delete and find by `_id` scanned the whole table: 60 ms per update at 10,000
 * documents, where MongoDB takes well under one. Writing the lookup the way the index is
 * written makes them index searches. Databases created before the patch keep working: the
 * index was always there, only unused.
 */
const PATCHES = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + "->'_id'"`,
  },
];

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(await readFile(join(wrapperDir, file)));
  hash.update(JSON.stringify(PATCHES));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A patched copy of the FerretDB module and a go.mod that builds against it (Go refuses
 * overlays of files in its module cache). Returns the go.mod to pass as `-modfile`.
 */
async function writePatchedModule(dir: string): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', 'github.com/FerretDB/FerretDB'], {
    cwd: wrapperDir,
    env: goEnv(),
  });
  const copy = join(dir, 'FerretDB');
  await cp((JSON.parse(stdout) as { Dir: string }).Dir, copy, { recursive: true });
  // The module cache is read-only, and so is a copy of it; make it ours to patch and remove.
  await chmod(copy, 0o755);
  for (const entry of await readdir(copy, { recursive: true, withFileTypes: true })) {
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  for (const patch of PATCHES) {
    const file = join(copy, patch.file);
    const source = await readFile(file, 'utf8');
    if (source.split(patch.from).length !== 2) throw new Error(`FerretDB patch no longer applies to ${patch.file}`);
    await writeFile(file, source.replace(patch.from, () => patch.to));
  }
  const goMod = await readFile(join(wrapperDir, 'go.mod'), 'utf8');
  await writeFile(join(dir, 'go.mod'), `${goMod}\nreplace github.com/FerretDB/FerretDB => ${JSON.stringify(copy)}\n`);
  await cp(join(wrapperDir, 'go.sum'), join(dir, 'go.sum'));
  return join(dir, 'go.mod');
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
  const patchDir = await mkdtemp(join(tmpdir(), 'license-desk-ferretdb-'));
  try {
    const goMod = await writePatchedModule(patchDir);
    await run('go', ['build', '-trimpath', `-modfile=${goMod}`, '-o', partial, '.'], {
      cwd: wrapperDir,
      env: goEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, binary);
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`building FerretDB failed${stderr ? `:\n${stderr}` : ''}`, { cause: error });
  } finally {
    await rm(patchDir, { recursive: true, force: true });
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
