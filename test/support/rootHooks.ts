// One database server for the whole run: MONGODB_URI when set, else whatever the local
// resolver finds (mongod, else FerretDB). Each test file then gets a database of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDatabase, type LocalDatabase } from '../../tools/localDatabase/index.js';
import { setTestDatabaseUri } from './database.js';

let local: LocalDatabase | undefined;
let scratchDir: string | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    // A first FerretDB build takes a couple of minutes.
    this.timeout(10 * 60 * 1000);
    if (process.env.MONGODB_URI) {
      setTestDatabaseUri(process.env.MONGODB_URI);
      return;
    }
    scratchDir = await mkdtemp(join(tmpdir(), 'license-desk-test-'));
    local = await startLocalDatabase({ scratchDir, report: (line) => console.log(`      ${line}`) });
    setTestDatabaseUri(local.uri);
  },
  async afterAll() {
    await local?.stop();
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  },
};
