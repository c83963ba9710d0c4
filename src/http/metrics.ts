import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import type { Metrics } from '../metrics';
import { sameSecret } from '../secret';

/** The settings that decide where /metrics is served, and to whom. */
export type MetricsSettings = Pick<Config, 'production' | 'METRICS_TOKEN' | 'METRICS_PORT'>;

/**
 * Where /metrics is served: on the main port to anyone (a developer's machine), on the main
 * port to bearers of METRICS_TOKEN, on 127.0.0.1:METRICS_PORT only (`own-port`), or nowhere
 * (production with neither set: metrics name channels and show load, which is an outsider's
 * map of the service).
 */
export type MetricsExposure = 'public' | 'token' | 'own-port' | 'off';

export function metricsExposure(settings: MetricsSettings): MetricsExposure {
  if (settings.METRICS_PORT !== undefined) return 'own-port';
  if (settings.METRICS_TOKEN !== undefined) return 'token';
  return settings.production ? 'off' : 'public';
}

/** What start-up says once when production leaves /metrics off. */
export const METRICS_OFF_NOTICE =
  '/metrics is off in production: set METRICS_TOKEN (scrapers send Authorization: Bearer <token>) or METRICS_PORT (served on 127.0.0.1 only) to turn it on';


/**
 * GET /metrics in Prometheus's text format; with `token`, only for `Authorization: Bearer
 * <token>` (compared in constant time), else 401 with a `WWW-Authenticate` challenge.
 */
export function metricsRoute(metrics: Metrics, token?: string): RequestHandler {
  return async (req: Request, res: Response) => {
    if (token !== undefined) {
      const given = /^Bearer (\S+)$/.exec(req.header('authorization') ?? '')?.[1];
      if (given === undefined || !sameSecret(given, token)) {
        res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('Unauthorized: /metrics needs Authorization: Bearer <METRICS_TOKEN>');
        return;
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * The app of the METRICS_PORT listener: /metrics and nothing else (METRICS_TOKEN, when set
 * too, is required here as well: other users of the machine reach loopback).
 */
export function createMetricsApp(metrics: Metrics, token?: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsRoute(metrics, token));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  return app;
}
