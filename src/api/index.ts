import express, { type Router } from 'express';
import type { Logger } from '../log';
import type { AdminServices } from '../services/admin';
import type { EphemeralStore } from '../store/ephemeral';
import { authenticate } from './auth';
import { apiErrorHandler } from './errors';
import { openApiDocument } from './openapi';
import { mountRoutes, type Route } from './route';
import { assistedRoutes } from './routes/assisted';
import { auditRoutes } from './routes/audit';
import { broadcastRoutes } from './routes/broadcasts';
import { catalogRoutes } from './routes/catalog';
import { charterRoutes } from './routes/charter';
import { ministryRoutes } from './routes/ministries';
import { privacyRoutes } from './routes/privacy';
import { requestRoutes } from './routes/requests';
import { voicePromptRoutes } from './routes/voice-prompts';
import { threadRoutes } from './routes/threads';
import { translationRoutes } from './routes/translations';
import { AuthThrottle } from './throttle';

/** The API's version, in the document and the path. */
const API_VERSION = '1.0.0';

/** Every operation of the API, in the order the document lists them. */
export function apiRoutes(services: AdminServices): Route[] {
  return [
    ...ministryRoutes(services),
    ...catalogRoutes(services),
    ...requestRoutes(services),
    ...broadcastRoutes(services),
    ...auditRoutes(services),
    ...assistedRoutes(services),
    ...voicePromptRoutes(services),
    ...threadRoutes(services),
    ...charterRoutes(services),
    ...translationRoutes(),
    ...privacyRoutes(services),
  ];
}

/**
 * The ministries' REST API, mounted at /api/v1. Order: JSON body parser, the OpenAPI document
 * (public), the API key check (401; 429 past the refused-key limits, counted in `store`), the
 * routes (each checks ownership: 403, or 404 for a record another ministry's), a JSON 404, and
 * a JSON error handler that never shows a stack trace.
 */
export function createApiRouter(services: AdminServices, log: Logger, store: EphemeralStore): Router {
  const routes = apiRoutes(services);
  const document = openApiDocument(routes, API_VERSION);
  const router = express.Router();
  router.use(express.json({ limit: '100kb' }));
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  const throttle = new AuthThrottle(store, { perClient: services.config.AUTH_FAILURES_PER_CLIENT, total: services.config.AUTH_FAILURES_TOTAL });
  router.use(authenticate(services.apiKeys, throttle));
  mountRoutes(router, routes);
  router.use((_req, res) => {
    res.status(404).json({ error: 'No such API route; see /api/v1/openapi.json' });
  });
  router.use(apiErrorHandler(log));
  return router;
}
