import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import { canSend, type Channel } from '../channels/channel';
import type { Config } from '../config';
import { createConsoleRouter } from '../console';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AdminServices } from '../services/admin';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database } from '../store/sql';
import { homePage } from './home';
import { webPageHeaders } from './html';
import { metricsExposure, metricsRoute, type MetricsSettings } from './metrics';

/** The settings the app itself reads: which forwarded addresses to believe, and /metrics. */
export type AppSettings = MetricsSettings & Pick<Config, 'TRUST_PROXY'>;

export interface AppDeps {
  /** The same configuration as everything else (callers pass the context), so no caller can serve differently from main. */
  config: AppSettings;
  channels: Channel[];
  db: Database;
  store: EphemeralStore;
  metrics: Metrics;
  log: Logger;
  /** The ministries' REST API (src/api), mounted at /api/v1 with its own JSON errors. */
  api?: Router;
  /** The ministries' services; when given, the web console is mounted at /console. */
  admin?: AdminServices;
}

/**
 * The one Express app. Middleware order, top to bottom: security headers, health (cheap,
 * unauthenticated), the front page and metrics (as METRICS_TOKEN, METRICS_PORT and production mode say), the
 * ministries' API at /api/v1 (its own key check and JSON errors), channel webhooks (each
 * parses its own body), 404, and one terminal error handler that never leaks a stack trace.
 */
export function createApp({ config, channels, db, store, metrics, log, api, admin }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on every response: USSD screens, webhook replies and API answers are never cached,
  // and hashing each one cost CPU on every hop. Static assets set their own (http/html.ts).
  app.set('etag', false);
  // req.ip is the socket's address unless TRUST_PROXY names the proxies in front: believing
  // any X-Forwarded-For let a client pick its address (and another's) for every per-client limit.
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(helmet());

  // The front page: what this is and where to go, with the web pages' headers (CSP 'self', no-store).
  const home = homePage({ simulator: channels.some((channel) => channel.name === 'simulator'), console: admin !== undefined, api: api !== undefined });
  app.get('/', webPageHeaders(), (_req: Request, res: Response) => {
    res.type('html').send(home);
  });
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
  const exposure = metricsExposure(config);
  if (exposure === 'public' || exposure === 'token') app.get('/metrics', metricsRoute(metrics, config.METRICS_TOKEN));

  if (api) app.use('/api/v1', api);
  // The web console: pages for officers, authorised by the same API keys and services as /api/v1.
  if (admin) app.use('/console', createConsoleRouter({ admin, db, log, store, sendingChannels: channels.filter(canSend).map((channel) => channel.name) }));
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
