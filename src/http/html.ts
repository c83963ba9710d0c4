import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Server-rendered HTML for the simulator and the console: a tagged template that escapes every
 * interpolated value unless it is already `SafeHtml`, so user data (notes, answers, names)
 * can never become markup.
 */

/** Markup that is already safe: made by `html` or `raw`, never from user input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes the five characters that matter in text and attribute values. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Markup written in our own code (an SVG path we computed, say); never pass user input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** `html\`<p>${name}</p>\`` with `name` escaped; arrays are joined; null, undefined and false render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new SafeHtml(out);
}

/** What a whole page is made of. */
export interface PageParts {
  title: string;
  /** Stylesheet and script URLs, all on this origin (the CSP allows nothing else). */
  styles: string[];
  scripts: string[];
  /** The page's icon on this origin (without one, browsers ask for /favicon.ico). */
  icon: string;
  body: SafeHtml;
}

/** A complete HTML document: no inline script or style, so the CSP can forbid both. */
export function document(parts: PageParts): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title}</title>
<link rel="icon" href="${parts.icon}" type="image/svg+xml">
${parts.styles.map((href) => html`<link rel="stylesheet" href="${href}">\n`)}${parts.scripts.map((src) => html`<script src="${src}" defer></script>\n`)}</head>
<body>
${parts.body}
</body>
</html>
`.value;
}

/**
 * Security headers for the web pages: helmet with a Content-Security-Policy that allows only
 * this origin (no inline script or style, no CDN, no framing), no referrer, and no caching of
 * pages that may show personal data.
 */
export function webPageHeaders(): RequestHandler[] {
  const self = ["'self'"];
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: self,
          scriptSrc: self,
          styleSrc: self,
          imgSrc: self,
          connectSrc: self,
          fontSrc: self,
          formAction: self,
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    }),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}

/** Lingkod's icon: a white L on the console's blue, a few hundred bytes. */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b4f6c"/>' +
  '<path d="M10 7v18h13v-4h-9V7z" fill="#fff"/></svg>';

/**
 * Serves one script or stylesheet made at start-up, cacheable for an hour. Its ETag is computed
 * once here (the app turns Express's per-response ETag off: hashing every USSD answer and
 * webhook reply cost CPU and served no cache); Express still answers 304 to a matching
 * If-None-Match.
 */
export function asset(type: 'text/javascript' | 'text/css' | 'image/svg+xml', body: string): RequestHandler {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('ETag', etag);
    res.type(type).send(body);
  };
}
