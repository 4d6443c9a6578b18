import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../bot/server.js';
import { openDatabase } from '../../models/index.js';
import { createLogger } from '../../services/log.js';
import { testDatabaseUri, useTestDatabase } from '../support/database.js';

describe('the HTTP server', () => {
  const db = useTestDatabase();
  const log = createLogger('error', () => undefined);

  async function serve(models = db()) {
    const server = createServer({ models, log });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const { port } = server.address() as AddressInfo;
    return { server, url: `http://127.0.0.1:${port}` };
  }

  it('reports a reachable database on /healthz', async () => {
    const { server, url } = await serve();
    try {
      const response = await fetch(`${url}/healthz`);
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ status: 'ok', database: 'reachable' });
    } finally {
      server.close();
    }
  });

  it('reports an unreachable database with 503 and stays up', async () => {
    const models = await openDatabase(testDatabaseUri(), `closed_${Date.now()}`);
    await models.connection.close();
    const { server, url } = await serve(models);
    try {
      const response = await fetch(`${url}/healthz`);
      expect(response.status).to.equal(503);
      expect(await response.json()).to.deep.equal({ status: 'degraded', database: 'unreachable' });
      expect((await fetch(`${url}/healthz`)).status).to.equal(503);
    } finally {
      server.close();
    }
  });
});
