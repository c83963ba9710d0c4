import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Channel } from '../channels/channel';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database } from '../store/sql';

export interface AppDeps {
  channels: Channel[];
  db: Database;
  store: EphemeralStore;
  metrics: Metrics;
  log: Logger;
}

/**
 * The one Express app. Middleware order, top to bottom: security headers, health and
 * metrics (cheap, unauthenticated), channel webhooks (each parses its own body), 404, and one
 * terminal error handler that never leaks a stack trace.
 */
export function createApp({ channels, db, store, metrics, log }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(helmet());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [database, ephemeral] = await Promise.all([
      db.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      store.ping(),
    ]);
    const ready = database && ephemeral;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      database: { engine: db.engine, ok: database },
      ephemeral: { engine: store.engine, ok: ephemeral },
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const channel of channels) app.use(channel.router);

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    // Body-parser errors (too large, malformed, wrong charset) are the caller's: 4xx with a reason.
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, 'unhandled error in a request');
    res.status(status).type('text/plain').send(status === 500 ? 'Internal error' : `Bad request: ${error.type ?? error.message}`);
  });
  return app;
}
