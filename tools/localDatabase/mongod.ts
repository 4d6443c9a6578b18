// A real mongod through mongodb-memory-server, when a binary is on this machine or can be
// downloaded. The binary is looked up first so that a failed download costs one quiet try.
import { MongoBinary, MongoMemoryServer } from 'mongodb-memory-server-core';
import { mkdir } from 'node:fs/promises';
import type { LocalDatabase } from './index.js';

export async function startMongod(dataDir: string | undefined): Promise<LocalDatabase> {
  process.env.MONGOMS_MAX_RETRIES ??= '1';
  let systemBinary: string;
  try {
    systemBinary = await MongoBinary.getPath();
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Error(`no mongod binary on this machine, and downloading one failed${code ? ` (${code})` : ''}`, { cause: error });
  }
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const server = await MongoMemoryServer.create({
    binary: { systemBinary },
    instance: dataDir ? { dbPath: dataDir, storageEngine: 'wiredTiger' } : {},
  });
  return {
    uri: server.getUri(),
    engine: 'mongod',
    async stop() {
      await server.stop({ doCleanup: !dataDir });
    },
  };
}
