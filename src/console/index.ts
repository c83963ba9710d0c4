import express, { type Request, type Response, type Router } from 'express';
import { asset, html, ICON_SVG, webPageHeaders } from '../http/html';
import type { Logger } from '../log';
import type { AdminServices } from '../services/admin';
import type { EphemeralStore } from '../store/ephemeral';
import type { Queryable } from '../store/sql';
import { CONSOLE_CSS } from './assets/console-css';
import { consoleScript } from './assets/console-script';
import { assistedRoutes } from './assisted';
import { auditRoutes } from './audit';
import { broadcastRoutes } from './broadcasts';
import { dashboardRoutes } from './dashboard';
import { plainPage } from './layout';
import { CatalogNames } from './names';
import { requestRoutes } from './requests';
import { loginCsrf, loginCsrfValid, requireCsrf, requireOfficer, signIn, signOut } from './session';
import { ConsoleStats } from './stats';

/** What the console is built from. */
export interface ConsoleDeps {
  admin: AdminServices;
  /** For the catalog's public names and the dashboard's counts. */
  db: Queryable;
  log: Logger;
  /** Channels that can push messages, offered as a broadcast's channels. */
  sendingChannels: readonly string[];
  /** Counts refused sign-ins per client, shared by every instance. */
  store: EphemeralStore;
}

/**
 * Refused sign-ins one client (IP address) may make per window before the form stops checking
 * keys. A key is 256 random bits, so this is not what keeps keys safe: it keeps a script from
 * making the console hash and look up keys without end.
 */
const SIGN_IN_FAILURES = 20;
const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/** Everything a section of the console is given. */
export interface ConsoleContext extends ConsoleDeps {
  names: CatalogNames;
  stats: ConsoleStats;
  timeZone: string;
}

/**
 * The ministries' web console at /console: server-rendered pages, a small script of our own,
 * nothing from another origin. Middleware order: security headers (CSP 'self' only), static
 * assets, the sign-in form, then for everything else the API key check (the REST API's
 * own) and, on every POST, the CSRF token. Each section calls the same admin services as the
 * API's routes, with the officer's key as the actor.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const timeZone = deps.admin.config.TIME_ZONE;
  const context: ConsoleContext = { ...deps, names: new CatalogNames(deps.db), stats: new ConsoleStats(deps.db, timeZone), timeZone };
  const log = deps.log.child({ name: 'console' });
  const router = express.Router();
  router.use(webPageHeaders());
  router.get('/console.css', asset('text/css', CONSOLE_CSS));
  router.get('/icon.svg', asset('image/svg+xml', ICON_SVG));
  router.get('/console.js', asset('text/javascript', `(${consoleScript.toString()})();\n`));
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));

  const loginForm = (res: Response, token: string, error?: string) =>
    res.type('html').send(
      plainPage(
        'Sign in',
        html`<h1>Lingkod console</h1>
<p>Sign in with your API key. Your administrator makes one with <code>npm run admin -- create-key --ministry CODE</code>.</p>
${error ? html`<p class="error-text" role="alert">${error}</p>` : ''}
<form method="post" action="/console/login" class="card">
  <input type="hidden" name="_csrf" value="${token}">
  <label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required maxlength="200" spellcheck="false">
  <button type="submit">Sign in</button>
</form>
<p class="hint">The key is kept in a cookie this browser sends only to the console. Sign out on a shared computer.</p>`,
      ),
    );
  router.get('/login', (req: Request, res: Response) => {
    loginForm(res, loginCsrf(req, res));
  });
  router.post('/login', async (req: Request, res: Response) => {
    const key = typeof req.body?.key === 'string' ? req.body.key.trim() : '';
    if (!loginCsrfValid(req)) {
      res.status(403);
      loginForm(res, loginCsrf(req, res), 'The form expired. Please sign in again.');
      return;
    }
    const failures = `console-sign-in:${req.ip ?? 'unknown'}`;
    if (Number((await deps.store.get(failures)) ?? 0) >= SIGN_IN_FAILURES) {
      res.status(429).set('Retry-After', String(SIGN_IN_WINDOW_SECONDS));
      loginForm(res, loginCsrf(req, res), 'Too many refused sign-ins from here. Please wait 15 minutes and try again.');
      return;
    }
    const record = key && key.length <= 200 ? await deps.admin.apiKeys.authenticate(key) : undefined;
    if (!record) {
      await deps.store.increment(failures, SIGN_IN_WINDOW_SECONDS);
      log.info('console sign-in refused: unknown or revoked key');
      res.status(401);
      loginForm(res, loginCsrf(req, res), 'That key is unknown or has been revoked.');
      return;
    }
    log.info({ keyId: record.id }, 'console sign-in');
    signIn(req, res, key);
    res.redirect(303, '/console');
  });

  router.use(requireOfficer(deps.admin.apiKeys));
  router.post('/*splat', requireCsrf);
  router.post('/logout', (req: Request, res: Response) => {
    signOut(req, res);
    res.redirect(303, '/console/login');
  });
  // Before the dashboard: a service centre's key is sent from it to its one page.
  assistedRoutes(router, context, log);
  dashboardRoutes(router, context, log);
  requestRoutes(router, context, log);
  broadcastRoutes(router, context, log);
  auditRoutes(router, context, log);
  return router;
}
