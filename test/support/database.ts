import { randomBytes } from 'node:crypto';
import { openDatabase, type Models } from '../../models/index.js';

let uri: string | undefined;

export function setTestDatabaseUri(value: string): void {
  uri = value;
}

export function testDatabaseUri(): string {
  if (!uri) throw new Error('the test database has not started (see test/support/rootHooks.ts)');
  return uri;
}

/**
 * Gives the calling `describe` block a database of its own, created before its tests
 * and dropped after them. Call the returned function inside a test to get the models.
 */
export function useTestDatabase(): () => Models {
  let models: Models | undefined;
  before(async function () {
    models = await openDatabase(testDatabaseUri(), `t_${randomBytes(6).toString('hex')}`);
  });
  after(async function () {
    if (!models) return;
    await models.connection.dropDatabase();
    await models.connection.close();
  });
  return () => {
    if (!models) throw new Error('useTestDatabase() models are only available inside tests');
    return models;
  };
}

/** Empties every collection, for tests that want a fresh start without a new database. */
export async function clearDatabase(models: Models): Promise<void> {
  const collections = await models.connection.db!.collections();
  await Promise.all(collections.map((collection) => collection.deleteMany({})));
}
