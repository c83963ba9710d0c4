import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { actorOf, authenticate, UnauthorizedError } from '../api/auth';
import type { Actor } from '../services/access';
import type { ApiKeyService } from '../services/api-keys';

/**
 * The console's sign-in: the officer's API key itself is the session, kept in a cookie the
 * page's script cannot read (HttpOnly), that no other site's page can make the browser send
 * (SameSite=Strict), only to /console, and only over HTTPS when the console is served over
 * HTTPS. Every request is authenticated by the REST API's own middleware (src/api/auth.ts), so
 * the console can do exactly what the key can do through /api/v1, no more.
 *
 * Forms carry a CSRF token as well (defence in depth behind SameSite): before sign-in a random
 * value doubled in a cookie; after, an HMAC of the key, which no one without the key can make.
 */

/** The cookie that holds the API key. */
export const KEY_COOKIE = 'lingkod_key';
/** The sign-in form's CSRF value, before there is a key. */
const LOGIN_CSRF_COOKIE = 'lingkod_login_csrf';
/** A one-time message for the next page (after a redirect). */
const FLASH_COOKIE = 'lingkod_flash';
/** Where the console's cookies are sent. */
const COOKIE_PATH = '/console';
/** Signed-in officers stay signed in this long without activity: a working day. */
const SESSION_SECONDS = 12 * 3600;

/** Longest cookie value we read (an API key is 46 characters; ADMIN_API_KEY may be longer). */
const MAX_COOKIE_VALUE = 400;

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

function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (req.secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

/** Constant-time comparison of two strings (a length difference returns at once, which leaks nothing useful). */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The CSRF token of a signed-in officer: an HMAC of their key. */
function csrfTokenFor(key: string): string {
  return createHmac('sha256', key).update('lingkod-console-csrf').digest('base64url');
}

/** Who is signed in, and the token their forms carry. */
export interface Officer {
  actor: Actor;
  csrf: string;
}

const officers = new WeakMap<Request, Officer>();

/** The signed-in officer of a request that passed `requireOfficer`. */
export function officerOf(req: Request): Officer {
  const officer = officers.get(req);
  if (!officer) throw new UnauthorizedError('Not signed in');
  return officer;
}

/**
 * Authenticates the key in the cookie with the REST API's middleware; a missing, unknown or
 * revoked key sends a page request to the sign-in form and refuses anything else with 401.
 * On success the cookie's lifetime is renewed.
 */
export function requireOfficer(apiKeys: ApiKeyService): RequestHandler {
  const check = authenticate(apiKeys);
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = cookiesOf(req)[KEY_COOKIE];
    try {
      if (!key) throw new UnauthorizedError('Not signed in');
      // The API's own check, given the key as the API receives it.
      req.headers.authorization = `Bearer ${key}`;
      await check(req, res, () => undefined);
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') res.redirect(303, '/console/login');
      else res.status(401).json({ error: 'Not signed in, or the key was revoked: sign in again' });
      return;
    } finally {
      delete req.headers.authorization;
    }
    officers.set(req, { actor: actorOf(req), csrf: csrfTokenFor(key) });
    setCookie(req, res, KEY_COOKIE, key, SESSION_SECONDS);
    next();
  };
}

/** Refuses a state-changing request whose `_csrf` field does not match the officer's token. */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  const sent = typeof req.body?._csrf === 'string' ? req.body._csrf : (req.get('x-csrf-token') ?? '');
  if (!sameText(sent, officerOf(req).csrf)) {
    res.status(403).type('text/plain').send('This form has expired or did not come from the console. Reload the page and try again.');
    return;
  }
  next();
}

/** Signs in: remembers the key. */
export function signIn(req: Request, res: Response, key: string): void {
  setCookie(req, res, KEY_COOKIE, key, SESSION_SECONDS);
  setCookie(req, res, LOGIN_CSRF_COOKIE, '', 0);
}

/** Signs out: forgets the key. */
export function signOut(req: Request, res: Response): void {
  setCookie(req, res, KEY_COOKIE, '', 0);
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
  return cookie !== '' && sameText(cookie, sent);
}

/** A message shown once on the next page (a status changed, a broadcast approved). */
export function flash(req: Request, res: Response, message: string): void {
  setCookie(req, res, FLASH_COOKIE, message.slice(0, 300), 60);
}

/** The pending one-time message, cleared as it is read. */
export function takeFlash(req: Request, res: Response): string | undefined {
  const message = cookiesOf(req)[FLASH_COOKIE];
  if (!message) return undefined;
  setCookie(req, res, FLASH_COOKIE, '', 0);
  return message;
}
