// Finds a MongoDB-compatible database when MONGODB_URI is not set (DESIGN.md, "MongoDB,
// locally and in tests"): a real mongod first, else FerretDB built from tools/ferretdb.
import { join } from 'node:path';
import { DEFAULT_CACHE_DIR, MissingGoError, startFerretdb } from './ferretdb.js';
import { startMongod } from './mongod.js';

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

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
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
