import { document, html, type SafeHtml } from '../http/html';
import { isSuperAdmin } from '../services/access';
import { languageNames } from '../i18n';
import type { Flash, Officer } from './session';

/** The console's sections, in the navigation's order. */
const SECTIONS = [
  { path: '/console', label: 'Dashboard' },
  { path: '/console/requests', label: 'Requests' },
  { path: '/console/desk', label: 'Desk' },
  { path: '/console/broadcasts', label: 'Broadcasts' },
  { path: '/console/routes', label: 'SMS routes' },
  { path: '/console/audit', label: 'Audit log' },
  { path: '/console/translations', label: 'Translations' },
  { path: '/console/assisted', label: 'Assisted requests' },
] as const;

/** The console's own stylesheet, script and icon: the only things its pages load. */
const CONSOLE_STYLES = ['/console/console.css'];
const CONSOLE_SCRIPTS = ['/console/console.js'];
const CONSOLE_ICON = '/console/icon.svg';

/** What every signed-in page is made of. */
export interface ConsolePage {
  title: string;
  /** The section this page belongs to, marked in the navigation. */
  section: (typeof SECTIONS)[number]['path'];
  officer: Officer;
  body: SafeHtml;
  flash?: Flash;
}

/** Who the officer is, as the header says it: the key's holder, the ministry (or super-admin, or centre) and the key's id. */
function whoIs(officer: Officer): string {
  const { actor } = officer;
  if (actor.centreCode !== undefined) return `${officer.holder} · Centre ${actor.centreCode} · key ${actor.keyId ?? ''}`;
  const ministry = isSuperAdmin(actor) ? 'Super-admin' : `Ministry ${actor.ministryCode?.toUpperCase()}`;
  return `${officer.holder} · ${ministry} · key ${actor.keyId ?? ''}`;
}

/** A signed-in page: skip link, header with navigation and sign-out, the flash message, the content. */
export function consolePage(page: ConsolePage): string {
  const body = html`<a class="skip" href="#main">Skip to content</a>
<header class="bar">
  <a class="brand" href="/console">Lingkod console</a>
  <nav aria-label="Console sections">
    <ul>
      ${SECTIONS.filter((section) => page.officer.actor.centreCode === undefined || section.path === '/console/assisted').map((section) => html`<li><a href="${section.path}"${section.path === page.section ? html` aria-current="page"` : ''}>${section.label}</a></li>`)}
    </ul>
  </nav>
  <div class="who">
    ${page.officer.simulator ? html`<a href="/simulator">Phone simulator</a>` : ''}
    <span>${whoIs(page.officer)}</span>
    <form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${page.officer.csrf}"><button type="submit" class="link">Sign out</button></form>
  </div>
</header>
<main id="main" tabindex="-1">
  ${flashMessage(page.flash)}
  ${page.body}
</main>`;
  return document({ title: `${page.title} · Lingkod console`, styles: CONSOLE_STYLES, scripts: CONSOLE_SCRIPTS, icon: CONSOLE_ICON, body });
}

/** The one-time message: what was done in the green banner (a status), a refusal as an error (an alert). */
export function flashMessage(flash: Flash | undefined): SafeHtml | string {
  if (!flash) return '';
  return flash.tone === 'error' ? html`<p class="flash error" role="alert">${flash.message}</p>` : html`<p class="flash" role="status">${flash.message}</p>`;
}

/** A page without the signed-in chrome (sign-in, errors before sign-in); `links` adds the front page's and the simulator's. */
export function plainPage(title: string, body: SafeHtml, links?: { simulator: boolean }): string {
  const nav = links
    ? html`<nav class="narrow-links" aria-label="Lingkod"><a href="/">Lingkod home</a>${links.simulator ? html` · <a href="/simulator">Phone simulator</a>` : ''}</nav>`
    : '';
  return document({ title: `${title} · Lingkod console`, styles: CONSOLE_STYLES, scripts: [], icon: CONSOLE_ICON, body: html`<main id="main" class="narrow">${body}${nav}</main>` });
}

/** Dates and times as officers read them, in the configured time zone. */
export function formatMoment(value: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(value);
}

/** Each supported language's name, as officers read it. */
export const LANGUAGE_NAMES: Record<string, string> = Object.fromEntries(languageNames().map(({ code, english }) => [code, english]));

/** A status as a label, capitalised: `ready_for_pickup` → `Ready for pickup`. */
export function statusLabel(code: string): string {
  const text = words(code);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A status or code as words: `ready_for_pickup` → `ready for pickup`. */
export function words(code: string): string {
  return code.replace(/_/g, ' ');
}
