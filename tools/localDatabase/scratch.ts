// A throwaway database for one piece of work (a what-if simulation, a benchmark): a fresh
// database in MONGODB_URI's server when set, else a local server of its own. Dropped after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Models } from '../../models/index.js';
import { startLocalDatabase } from './index.js';

export async function withScratchDatabase<T>(
  name: string,
  work: (models: Models) => Promise<T>,
  report: (line: string) => void = () => undefined,
): Promise<T> {
  const scratchDir = await mkdtemp(join(tmpdir(), `license-desk-${name}-`));
  const local = process.env.MONGODB_URI ? undefined : await startLocalDatabase({ scratchDir, report });
  try {
    const models = await openDatabase(process.env.MONGODB_URI ?? local!.uri, `${name}_${Date.now()}`);
    try {
      return await work(models);
    } finally {
      await models.connection.dropDatabase();
      await models.connection.close();
    }
  } finally {
    await local?.stop();
    await rm(scratchDir, { recursive: true, force: true });
  }
}
