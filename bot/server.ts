// The HTTP front door. The Teams and Slack endpoints are mounted here as they arrive.
import restify from 'restify';
import type { Models } from '../models/index.js';
import type { Logger } from '../services/log.js';

const HEALTH_TIMEOUT_MS = 2000;

export function createServer({ models, log }: { models: Models; log: Logger }): restify.Server {
  const server = restify.createServer({ name: 'license-desk' });

  server.get('/healthz', async (_req, res) => {
    const database = await databaseReachable(models);
    res.send(database ? 200 : 503, { status: database ? 'ok' : 'degraded', database: database ? 'reachable' : 'unreachable' });
  });

  server.on('restifyError', (req, _res, error, callback) => {
    log.warn('http.error', { method: req.method, path: req.path(), status: error.statusCode, message: error.message });
    return callback();
  });
  return server;
}

async function databaseReachable(models: Models): Promise<boolean> {
  const db = models.connection.db;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
  });
  const ping = db.command({ ping: 1 }).then(() => true, () => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
