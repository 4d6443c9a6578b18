// Finds a MongoDB-compatible database when MONGODB_URI is not set (DESIGN.md, "MongoDB,
// locally and in tests"): a real mongod first, else FerretDB built from tools/ferretdb.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CACHE_DIR, MissingGoError, startFerretdb } from './ferretdb.js';
import { startMongod } from './mongod.js';

const SERVER_RECORD = 'server.json';

export interface LocalDatabase {
  uri: string;
  engine: 'mongod' | 'ferretdb';
  stop(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** Where the data lives. Kept between runs; omit for a throwaway database. */
  dataDir?: string;
  /** Scratch folder for a throwaway FerretDB (mongod keeps its own temporary folder). */
  scratchDir: string;
  /** Where built FerretDB binaries are kept; defaults to the project's .cache/ferretdb. */
  ferretdbCacheDir?: string;
  report: (line: string) => void;
}

export class NoLocalDatabaseError extends Error {}

interface ServerRecord {
  uri: string;
  engine: LocalDatabase['engine'];
  pid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The database another process of ours already runs on this data folder, if any. */
async function runningOn(dataDir: string): Promise<ServerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(dataDir, SERVER_RECORD), 'utf8')) as ServerRecord;
    return isAlive(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a local database, or, when one is already running on `dataDir` (npm start while
 * the admin CLI runs), returns that one: two servers must never share the same files.
 */
export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const { dataDir } = options;
  if (!dataDir) return startOwn(options);
  const running = await runningOn(dataDir);
  if (running) {
    options.report(`database: the ${running.engine} already running for ${dataDir} (process ${running.pid})`);
    return { uri: running.uri, engine: running.engine, stop: async () => undefined };
  }
  const database = await startOwn(options);
  const record = join(dataDir, SERVER_RECORD);
  await writeFile(record, JSON.stringify({ uri: database.uri, engine: database.engine, pid: process.pid }));
  return {
    ...database,
    async stop() {
      await rm(record, { force: true });
      await database.stop();
    },
  };
}

async function startOwn(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const { dataDir, scratchDir, report, ferretdbCacheDir = DEFAULT_CACHE_DIR } = options;
  let mongodProblem: string;
  try {
    const database = await startMongod(dataDir && join(dataDir, 'mongod'));
    report(`database: mongod (mongodb-memory-server)${dataDir ? ` with data in ${dataDir}` : ''}`);
    return database;
  } catch (error) {
    mongodProblem = firstLine(error);
  }

  try {
    const ferretDir = join(dataDir ?? scratchDir, 'ferretdb');
    const database = await startFerretdb(ferretDir, ferretdbCacheDir, report);
    report(`database: FerretDB v1.24.2 (SQLite) with data in ${ferretDir}; no mongod: ${mongodProblem}`);
    return database;
  } catch (error) {
    const ferretProblem = error instanceof MissingGoError ? `${error.message}.` : firstLine(error);
    throw new NoLocalDatabaseError(
      [
        'No database to use: MONGODB_URI is not set and no local database could start.',
        `  mongod: ${mongodProblem}`,
        `  FerretDB: ${ferretProblem}`,
        'Do one of these:',
        '  - set MONGODB_URI to a MongoDB you can reach, or',
        '  - install Go 1.24 or newer (Debian: apt-get install golang-go, if its version is new enough) so FerretDB can be built, or',
        '  - point MONGOMS_SYSTEM_BINARY at a mongod binary.',
      ].join('\n'),
    );
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
