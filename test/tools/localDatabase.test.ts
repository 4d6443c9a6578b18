import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoLocalDatabaseError, startLocalDatabase } from '../../tools/localDatabase/index.js';

describe('the local database resolver', () => {
  let scratch: string;
  const saved = { PATH: process.env.PATH, MONGOMS_SYSTEM_BINARY: process.env.MONGOMS_SYSTEM_BINARY };

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'license-desk-resolver-'));
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(scratch, { recursive: true, force: true });
  });

  it('says exactly what to install when neither mongod nor Go is there', async () => {
    // A machine without Go, without a FerretDB build, and whose mongod is missing.
    process.env.PATH = join(scratch, 'empty-bin');
    process.env.MONGOMS_SYSTEM_BINARY = join(scratch, 'no-such-mongod');
    const lines: string[] = [];
    let problem: unknown;
    try {
      await startLocalDatabase({ scratchDir: scratch, ferretdbCacheDir: join(scratch, 'cache'), report: (l) => lines.push(l) });
    } catch (error) {
      problem = error;
    }
    expect(problem).to.be.instanceOf(NoLocalDatabaseError);
    const message = (problem as Error).message;
    expect(message).to.include('MONGODB_URI is not set');
    expect(message).to.include('FerretDB: Go is not installed.');
    expect(message).to.include('install Go 1.24 or newer');
    expect(message).to.include('MONGOMS_SYSTEM_BINARY');
    expect(lines).to.deep.equal([]);
  });
});
