// The database for a front door (npm start, the admin CLI): MONGODB_URI when set, else
// the local one kept in DATA_DIR, shared with any other of our processes using it.
import { resolve } from 'node:path';
import { openDatabase, type Models } from '../models/index.js';
import type { Logger } from '../services/log.js';
import { startLocalDatabase } from '../tools/localDatabase/index.js';
import type { Config } from './config.js';

const DEFAULT_DATABASE = 'license_desk';

export interface Database {
  models: Models;
  close(): Promise<void>;
}

/** Ours, unless the connection string names a database (then undefined: the driver uses that one). */
function databaseName(uri: string): string | undefined {
  const named = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  return named ? undefined : DEFAULT_DATABASE;
}

export async function connectDatabase(config: Pick<Config, 'mongodbUri' | 'dataDir'>, log: Logger): Promise<Database> {
  if (config.mongodbUri) {
    log.info('database.configured', { source: 'MONGODB_URI' });
    const models = await openDatabase(config.mongodbUri, databaseName(config.mongodbUri));
    return { models, close: () => models.connection.close() };
  }
  const dataDir = resolve(config.dataDir);
  const local = await startLocalDatabase({
    dataDir,
    scratchDir: dataDir,
    report: (detail) => log.info('database.local', { detail }),
  });
  const models = await openDatabase(local.uri, DEFAULT_DATABASE);
  return {
    models,
    async close() {
      await models.connection.close();
      await local.stop();
    },
  };
}
