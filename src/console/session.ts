import { createHmac, randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnauthorizedError } from '../api/auth';
import { keyActor, type Actor } from '../services/access';
import type { ConsoleSessionService } from '../services/console-sessions';
import { sameSecret } from '../secret';

/**
 * The console's sign-in. The API key is checked once, at sign-in, and never leaves the server
 * again: the browser gets a session id (32 random bytes, stored server-side only as its
 * sha256, src/services/console-sessions.ts) in a cookie the page's script cannot read
 * (HttpOnly), that no other site's page can make the browser send (SameSite=Strict), only to
 * /console, and only over HTTPS when the console is served over HTTPS. The cookie is set at
 * sign-in and cleared at sign-out, never re-sent in between. Each request resumes the session,
 * which reads the key (revoked: signed out at once) and so acts with exactly what the key may
 * do through /api/v1, no more. A session id is not a key: sent as `Authorization: Bearer`, it is
 * an unknown key.
 *
 * Forms carry a CSRF token as well (defence in depth behind SameSite): before sign-in a random
 * value doubled in a cookie; after, an HMAC of the session id, which no one without it can make.
 */

/** The cookie that holds the session id. */
export const SESSION_COOKIE = 'lingkod_session';
/** The sign-in form's CSRF value, before there is a session. */
const LOGIN_CSRF_COOKIE = 'lingkod_login_csrf';
/** A one-time message for the next page (after a redirect). */
const FLASH_COOKIE = 'lingkod_flash';
/** Where the console's cookies are sent. */
const COOKIE_PATH = '/console';

/** Longest cookie value we read, encoded (a session id is 43 characters; a flash message is cut to fit). */
const MAX_COOKIE_VALUE = 1000;

/** The cookies of a request, by name (decoded; malformed ones skipped). */
function cookiesOf(req: Request): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (!name || value.length > MAX_COOKIE_VALUE) continue;
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      // A value that is not valid percent-encoding is not one of ours.
    }
  }
  return cookies;
}

/**
 * Marks this router's cookies `Secure` whatever the request says: in production the console is
 * reached over HTTPS even when the TLS proxy's `X-Forwarded-Proto` is not believed (TRUST_PROXY off).
 */
export function secureCookies(always: boolean): RequestHandler {
  return (_req, res, next) => {
    res.locals.secureCookies = always;
    next();
  };
}

function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (req.secure || res.locals.secureCookies === true) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}


/** The CSRF token of a signed-in officer: an HMAC keyed by their session id. */
function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('lingkod-console-csrf').digest('base64url');
}

/** Who is signed in (their key, as an actor, and its holder), and the token their forms carry. */
export interface Officer {
  actor: Actor;
  holder: string;
  csrf: string;
  /** The phone simulator is served here (SIMULATOR on): the header links to it. */
  simulator?: boolean;
}

const officers = new WeakMap<Request, Officer>();

/** The signed-in officer of a request that passed `requireOfficer`. */
export function officerOf(req: Request): Officer {
  const officer = officers.get(req);
  if (!officer) throw new UnauthorizedError('Not signed in');
  return officer;
}

/**
 * Resumes the session in the cookie; a missing, unknown, ended, idle or expired session (or one
 * whose key was revoked) sends a page request to the sign-in form and refuses anything else with 401.
 */
export function requireOfficer(sessions: ConsoleSessionService, options: { simulator?: boolean } = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const id = cookiesOf(req)[SESSION_COOKIE];
    const record = id ? await sessions.resume(id) : undefined;
    if (!id || !record) {
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') res.redirect(303, '/console/login');
      else res.status(401).json({ error: 'Not signed in, or the session ended: sign in again' });
      return;
    }
    officers.set(req, { actor: keyActor(record.id, record.ministryCode, record.centreCode, record.role), holder: record.holder, csrf: csrfTokenFor(id), simulator: options.simulator === true });
    next();
  };
}

/** Refuses a state-changing request whose `_csrf` field does not match the officer's token. */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : (req.get('x-csrf-token') ?? '');
  if (!sameSecret(sent, officerOf(req).csrf)) {
    res.status(403).type('text/plain').send('This form has expired or did not come from the console. Reload the page and try again.');
    return;
  }
  next();
}

/** Signs in with a key that has just been checked: starts a session and gives the browser its id, never the key. */
export async function signIn(req: Request, res: Response, sessions: ConsoleSessionService, keyId: number): Promise<void> {
  const session = await sessions.start(keyId);
  setCookie(req, res, SESSION_COOKIE, session.id, session.maxAgeSeconds);
  setCookie(req, res, LOGIN_CSRF_COOKIE, '', 0);
}

/** Signs out: ends the session at once (a copy of the cookie is refused from now on) and clears the cookie. */
export async function signOut(req: Request, res: Response, sessions: ConsoleSessionService): Promise<void> {
  const id = cookiesOf(req)[SESSION_COOKIE];
  if (id) await sessions.end(id);
  setCookie(req, res, SESSION_COOKIE, '', 0);
}

/** A fresh CSRF value for the sign-in form, set in its cookie. */
export function loginCsrf(req: Request, res: Response): string {
  const token = randomBytes(24).toString('base64url');
  setCookie(req, res, LOGIN_CSRF_COOKIE, token, 3600);
  return token;
}

/** True when the sign-in form's token matches its cookie. */
export function loginCsrfValid(req: Request): boolean {
  const cookie = cookiesOf(req)[LOGIN_CSRF_COOKIE] ?? '';
  const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : '';
  return cookie !== '' && sameSecret(sent, cookie);
}

/** A one-time message for the next page: what was done, or why it was not (shown as an error). */
export interface Flash {
  message: string;
  tone: 'done' | 'error';
}

/** A message shown once on the next page (a status changed, a broadcast approved, or a refusal). */
export function flash(req: Request, res: Response, message: string, tone: Flash['tone'] = 'done'): void {
  // Cut to what the cookie carries once encoded (a refusal in words, names and curly quotes can be long).
  let value = `${tone === 'error' ? 'e' : 'd'}:${message.slice(0, 400)}`;
  while (encodeURIComponent(value).length > MAX_COOKIE_VALUE) value = `${value.slice(0, -2)}…`;
  setCookie(req, res, FLASH_COOKIE, value, 60);
}

/** The pending one-time message, cleared as it is read. */
export function takeFlash(req: Request, res: Response): Flash | undefined {
  const value = cookiesOf(req)[FLASH_COOKIE];
  if (!value) return undefined;
  setCookie(req, res, FLASH_COOKIE, '', 0);
  const tone = value.startsWith('e:') ? 'error' : 'done';
  return { message: /^[de]:/.test(value) ? value.slice(2) : value, tone };
}
