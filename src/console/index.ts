import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { CONTROL_CHARACTER_MESSAGE } from '../api/route';
import { AuthThrottle, ThrottledError } from '../api/throttle';
import { asset, html, ICON_SVG, webPageHeaders } from '../http/html';
import type { Logger } from '../log';
import { InvalidError } from '../services/access';
import type { AdminServices } from '../services/admin';
import type { RefusedLink } from '../services/first-start';
import { controlCharacterPath } from '../services/plain-text';
import type { EphemeralStore } from '../store/ephemeral';
import type { Queryable } from '../store/sql';
import { CONSOLE_CSS } from './assets/console-css';
import { consoleScript } from './assets/console-script';
import { assistedRoutes } from './assisted';
import { auditRoutes } from './audit';
import { broadcastRoutes } from './broadcasts';
import { charterRoutes } from './charter';
import { dashboardRoutes } from './dashboard';
import { deskRoutes } from './desk';
import { deliveryRoutes } from './deliveries';
import { formatMoment, plainPage } from './layout';
import { CatalogNames } from './names';
import { requestRoutes } from './requests';
import { loginCsrf, loginCsrfValid, officerOf, requireCsrf, requireOfficer, secureCookies, signIn, signOut } from './session';
import { ConsoleStats } from './stats';
import { translationRoutes } from './translations';

/** What the console is built from. */
export interface ConsoleDeps {
  admin: AdminServices;
  /** For the catalog's public names and the dashboard's counts. */
  db: Queryable;
  log: Logger;
  /** Channels that can push messages, offered as a broadcast's channels. */
  sendingChannels: readonly string[];
  /** Counts refused sign-ins per client and in total (with the API's refused keys), shared by every instance. */
  store: EphemeralStore;
}

/** Longest key the sign-in form hashes and looks up. */
const MAX_KEY_LENGTH = 200;

/** Everything a section of the console is given. */
export interface ConsoleContext extends ConsoleDeps {
  names: CatalogNames;
  stats: ConsoleStats;
  timeZone: string;
}

/**
 * The ministries' web console at /console: server-rendered pages, a small script of our own,
 * nothing from another origin. Middleware order: security headers (CSP 'self' only), static
 * assets, the sign-in form (refused keys throttled with the API's, src/api/throttle.ts), then for
 * everything else the session (src/console/session.ts), a centre key's fence (its assisted
 * requests and sign-out only) and, on every POST, the CSRF token. Each section calls the same
 * admin services as the API's routes, with the officer's key as the actor.
 */
export function createConsoleRouter(deps: ConsoleDeps): Router {
  const timeZone = deps.admin.config.TIME_ZONE;
  const context: ConsoleContext = { ...deps, names: new CatalogNames(deps.db), stats: new ConsoleStats(deps.db, timeZone), timeZone };
  const log = deps.log.child({ name: 'console' });
  const { config } = deps.admin;
  const throttle = new AuthThrottle(deps.store, { perClient: config.AUTH_FAILURES_PER_CLIENT, total: config.AUTH_FAILURES_TOTAL });
  const sessions = deps.admin.consoleSessions;
  // The simulator is a sending channel of its own: served when it is among them (SIMULATOR on).
  const simulator = deps.sendingChannels.includes('simulator');
  const router = express.Router();
  router.use(webPageHeaders());
  router.use(secureCookies(config.production));
  router.get('/console.css', asset('text/css', CONSOLE_CSS));
  router.get('/icon.svg', asset('image/svg+xml', ICON_SVG));
  router.get('/console.js', asset('text/javascript', `(${consoleScript.toString()})();\n`));
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));
  router.use(refuseControlCharacters);

  const loginForm = (res: Response, token: string, error?: string) =>
    res.type('html').send(
      plainPage(
        'Sign in',
        html`<h1>Lingkod console</h1>
<p>Sign in with your API key. Your administrator makes one in your name through the API (<code>POST /api/v1/keys</code>), or on the server with <code>npm run admin -- create-key --ministry CODE --holder "YOUR NAME"</code> (with the embedded database, while the server is stopped). On a first start, with no key yet, open the one-time sign-in link in the server's log instead.</p>
${error ? html`<p class="error-text" role="alert">${error}</p>` : ''}
<form method="post" action="/console/login" class="card">
  <input type="hidden" name="_csrf" value="${token}">
  <label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="current-password" required maxlength="200" spellcheck="false">
  <button type="submit">Sign in</button>
</form>
<p class="hint">The key is checked once and not kept: this browser keeps only a session, which ends when you sign out, after ${config.CONSOLE_SESSION_IDLE_MINUTES} minutes without use, or ${config.CONSOLE_SESSION_MAX_HOURS} hours after signing in. Sign out on a shared computer.</p>`,
        { simulator },
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
    const client = AuthThrottle.clientOf(req);
    try {
      await throttle.assertClientAllowed(client);
      const record = key && key.length <= MAX_KEY_LENGTH ? await deps.admin.apiKeys.authenticate(key) : undefined;
      if (!record) {
        await throttle.refused(client);
        log.info('console sign-in refused: unknown or revoked key');
        res.status(401);
        loginForm(res, loginCsrf(req, res), 'That key is unknown or has been revoked.');
        return;
      }
      log.info({ keyId: record.id }, 'console sign-in');
      await signIn(req, res, sessions, record.id);
      res.redirect(303, '/console');
    } catch (error) {
      if (!(error instanceof ThrottledError)) throw error;
      res.status(429).set('Retry-After', String(error.retryAfterSeconds));
      const why = error.scope === 'client' ? 'Too many refused sign-ins from here.' : 'Too many refused sign-ins at once: unknown keys are refused for a while.';
      loginForm(res, loginCsrf(req, res), `${why} Please wait 15 minutes and try again.`);
    }
  });

  // A first start's one-time link (src/services/first-start.ts): the page asks for a name, its POST makes the first key.
  const linkRefused = (res: Response, refused: RefusedLink) => {
    const why =
      refused.refused === 'used'
        ? html`This link was already used, at ${formatMoment(refused.usedAt, timeZone)}. If that was not you, someone else holds the first super-admin key: revoke it (<code>npm run admin -- list-keys</code>, then <code>revoke-key ID</code>, with the server stopped) and check the audit log.`
        : refused.refused === 'expired'
          ? html`This link has expired (it lasts 15 minutes). Restart the server for a new one, printed in its log, while no key exists.`
          : refused.refused === 'key-exists'
            ? html`An API key exists already, so first-start links no longer work: sign in with a key.`
            : html`This sign-in link is not known. Copy the whole link from the server's log.`;
    res.status(401).type('html').send(plainPage('Sign-in link refused', html`<h1>Sign-in link refused</h1><p class="error-text" role="alert">${why}</p><p><a href="/console/login">Sign in with an API key</a></p>`));
  };
  const linkForm = (res: Response, token: string, csrf: string, error?: string) =>
    res.type('html').send(
      plainPage(
        'First sign-in',
        html`<h1>Lingkod console: first sign-in</h1>
<p>No API key exists yet. This one-time link makes the first <strong>super-admin key</strong>, in your name, and signs you in with it. The key is shown once, on the next page: keep it somewhere safe.</p>
${error ? html`<p class="error-text" role="alert">${error}</p>` : ''}
<form method="post" action="/console/first-start/${token}" class="card">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="holder">Your name (the key's holder)</label>
  <input id="holder" name="holder" autocomplete="name" required minlength="2" maxlength="80">
  <button type="submit">Make the key and sign in</button>
</form>`,
      ),
    );
  router.get('/first-start/:token', async (req: Request, res: Response) => {
    const token = String(req.params.token);
    const refused = await deps.admin.firstStart.check(token);
    if (refused) {
      linkRefused(res, refused);
      return;
    }
    linkForm(res, token, loginCsrf(req, res));
  });
  router.post('/first-start/:token', async (req: Request, res: Response) => {
    const token = String(req.params.token);
    if (!loginCsrfValid(req)) {
      res.status(403);
      linkForm(res, token, loginCsrf(req, res), 'The form expired. Please try again.');
      return;
    }
    const client = AuthThrottle.clientOf(req);
    try {
      await throttle.assertClientAllowed(client);
      const made = await deps.admin.firstStart.redeem(token, typeof req.body?.holder === 'string' ? req.body.holder : '');
      if ('refused' in made) {
        if (made.refused === 'unknown') await throttle.refused(client);
        log.info({ why: made.refused }, 'first-start link refused');
        linkRefused(res, made);
        return;
      }
      log.info({ keyId: made.record.id }, 'first super-admin key made with the first-start link; signed in');
      await signIn(req, res, sessions, made.record.id);
      res.type('html').send(
        plainPage(
          'Your key',
          html`<h1>Your super-admin key</h1>
<p>You are signed in. This is your API key, shown only this once: copy it somewhere safe (a password manager). You sign in with it next time, and the API takes it as <code>Authorization: Bearer KEY</code>.</p>
<p class="card"><code id="new-key">${made.key}</code></p>
<p>Make each ministry's first admin key through the API (<code>POST /api/v1/keys</code>, see <a href="/api/v1/openapi.json">the API document</a>), or with <code>npm run admin -- create-key</code> while the server is stopped.</p>
<p><a href="/console">Go to the console</a></p>`,
        ),
      );
    } catch (error) {
      if (error instanceof InvalidError) {
        res.status(400);
        linkForm(res, token, loginCsrf(req, res), error.message);
        return;
      }
      if (!(error instanceof ThrottledError)) throw error;
      res.status(429).set('Retry-After', String(error.retryAfterSeconds));
      linkRefused(res, { refused: 'unknown' });
    }
  });

  router.use(requireOfficer(sessions, { simulator }));
  router.post('/*splat', requireCsrf);
  router.post('/logout', async (req: Request, res: Response) => {
    await signOut(req, res, sessions);
    res.redirect(303, '/console/login');
  });
  // A service centre's key opens its assisted requests and nothing else (the dashboard sends it there).
  router.use(centreFence);
  assistedRoutes(router, context, log);
  dashboardRoutes(router, context, log);
  requestRoutes(router, context, log);
  deskRoutes(router, context, log);
  charterRoutes(router, context, log);
  broadcastRoutes(router, context, log);
  deliveryRoutes(router, context, log);
  auditRoutes(router, context, log);
  translationRoutes(router, context, log);
  return router;
}

/**
 * Keeps a service centre's key on its one section: the dashboard sends it to its assisted
 * requests, and every other page (the broadcast compose page, requests, audit) answers 403,
 * before anything is rendered. The services refuse a centre key too; this is the console's own fence.
 */
function centreFence(req: Request, res: Response, next: NextFunction): void {
  if (officerOf(req).actor.centreCode === undefined || req.path === '/assisted' || req.path.startsWith('/assisted/')) {
    next();
    return;
  }
  if (req.method === 'GET' && req.path === '/') {
    res.redirect(303, '/console/assisted');
    return;
  }
  res.status(403).type('html').send(
    plainPage('Not allowed', html`<h1>Not allowed</h1><p class="error-text">A service centre's key can only file assisted requests and list its centre's.</p><p><a href="/console/assisted">Assisted requests</a></p>`),
  );
}

/**
 * Every form and query the console reads, checked once for control characters (as the API
 * checks every request, src/api/route.ts): 400 naming the field, nothing stored.
 */
function refuseControlCharacters(req: Request, res: Response, next: NextFunction): void {
  const field = controlCharacterPath(req.body) ?? controlCharacterPath(req.query);
  if (!field) {
    next();
    return;
  }
  res.status(400).type('html').send(plainPage('That did not work', html`<h1>That did not work</h1><p class="error-text">Check ${field.join('.')}: it ${CONTROL_CHARACTER_MESSAGE}.</p>`));
}
