import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { queryMoment } from '../api/schemas';
import { html, type SafeHtml } from '../http/html';
import { formatReference } from '../services/reference';
import type { Logger } from '../log';
import type { ConsoleContext } from '.';
import { page } from './errors';
import { consolePage, formatMoment, LANGUAGE_NAMES } from './layout';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';

/** Entries shown per page. */
const PAGE_SIZE = 50;

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const querySchema = z.object({
  action: z.preprocess(emptyToUndefined, z.string().regex(/^[a-z]+\.[a-z]+$/, 'must be like request.status').optional()),
  from: z.preprocess(emptyToUndefined, queryMoment.optional()),
  to: z.preprocess(emptyToUndefined, queryMoment.optional()),
  before: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).optional()),
});

/** A value of an entry's details as words: lists joined, a broadcast's texts per language, other objects as `name: value`. */
function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(', ');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([name, inner]) => `${name} ${valueText(inner)}`)
      .join(', ');
  }
  return String(value);
}

/**
 * A text named in an entry: by its digest (`{sha256, chars}`: the audit log holds no message
 * content; the text itself is on the broadcast's page), or as written by entries made before that.
 */
function textLine(text: unknown): string {
  if (text !== null && typeof text === 'object' && 'sha256' in text && 'chars' in text) return `${String(text.chars)} characters, SHA-256 ${String(text.sha256).slice(0, 12)}…`;
  return String(text);
}

/** One entry's details as short lines: a broadcast's texts one per language, readable, never raw JSON. */
function detailLines(details: Record<string, unknown>): string[] {
  return Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined)
    .flatMap(([name, value]) => {
      if (name === 'texts' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return Object.entries(value as Record<string, unknown>).map(([locale, text]) => `Text in ${LANGUAGE_NAMES[locale] ?? locale}: ${textLine(text)}`);
      }
      return [`${name}: ${valueText(value)}`];
    })
    .map((line) => line.slice(0, 400));
}

/** What an entry was done to, linked when the console has a page for it: `request:48217730953` → "Request 4821-7730-953". */
function targetCell(target: string, actorName: (label: string) => string): SafeHtml | string {
  if (/^key:\d+$/.test(target)) return `Key of ${actorName(target)}`;
  const request = /^request:(\d{11})$/.exec(target);
  if (request) return html`<a href="/console/requests/${request[1]}">Request ${formatReference(request[1])}</a>`;
  const broadcast = /^broadcast:(\d+)$/.exec(target);
  if (broadcast) return html`<a href="/console/broadcasts/${broadcast[1]}">Broadcast #${broadcast[1]}</a>`;
  return target;
}

/** The audit log: who changed what, when; a ministry's key sees its own ministry's entries. */
export function auditRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, names, timeZone } = context;
  router.get(
    '/audit',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const filter = parseForm(querySchema, req.query);
      const result = await admin.audit.list(officer.actor, { action: filter.action, from: filter.from, to: filter.to, before: filter.before, limit: PAGE_SIZE });
      const actorName = await names.actors(result.items.flatMap((item) => [item.actor, item.target]));
      const next = new URLSearchParams(Object.entries({ action: filter.action ?? '', before: result.nextCursor ?? '' }).filter(([, value]) => value !== ''));
      const body = html`<h1>Audit log</h1>
<form method="get" action="/console/audit" class="filters card" aria-label="Filter the audit log">
  <div class="field"><label for="a-action">Action, e.g. request.status</label><input id="a-action" name="action" value="${filter.action ?? ''}" pattern="[a-z]+[.][a-z]+" spellcheck="false"></div>
  <div class="field"><label for="a-from">On or after</label><input id="a-from" name="from" type="date" value="${filter.from?.toISOString().slice(0, 10) ?? ''}"></div>
  <div class="field"><label for="a-to">Before</label><input id="a-to" name="to" type="date" value="${filter.to?.toISOString().slice(0, 10) ?? ''}"></div>
  <div class="actions"><button type="submit">Filter</button> <a href="/console/audit">Clear</a></div>
</form>
${
  result.items.length === 0
    ? html`<p>No entries.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Audit log"><table>
  <caption class="visually-hidden">Changes, newest first</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Ministry</th><th scope="col">Action</th><th scope="col">On</th><th scope="col">Details</th></tr></thead>
  <tbody>${result.items.map(
    (item) =>
      html`<tr><td>${formatMoment(item.at, timeZone)}</td><td>${actorName(item.actor)}</td><td>${item.ministryCode ?? '–'}</td><td>${item.action}</td><td>${targetCell(item.target, actorName)}</td><td class="details">${detailLines(item.details).map((line) => html`<span>${line}</span>`)}</td></tr>`,
  )}</tbody>
</table></div>`
}
${result.nextCursor ? html`<p><a href="/console/audit?${next.toString()}">Older entries</a></p>` : ''}`;
      res.type('html').send(consolePage({ title: 'Audit log', section: '/console/audit', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );
}
