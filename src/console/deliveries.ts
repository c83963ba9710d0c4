import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { html, type SafeHtml } from '../http/html';
import type { Logger } from '../log';
import type { DeliveryLine, ReasonCount, RouteCounts } from '../services/deliveries';
import type { ConsoleContext } from '.';
import { idParam } from './broadcasts';
import { page } from './errors';
import { consolePage, formatMoment } from './layout';
import { parseForm } from './requests';
import { officerOf } from './session';

const daysQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(7) });

/** The delivery statuses as columns, in the order a message lives them (src/outbox/status.ts). */
const COLUMNS = [
  ['pending', 'Pending'],
  ['queued', 'Queued'],
  ['errored', 'Errored (retrying)'],
  ['sent', 'Sent'],
  ['delivered', 'Delivered'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
] as const;

function routeTable(routes: RouteCounts[], label: string): SafeHtml {
  if (routes.length === 0) return html`<p>No messages.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${label}"><table>
  <caption>${label}</caption>
  <thead><tr><th scope="col">Route</th><th scope="col">Network</th>${COLUMNS.map(([, name]) => html`<th scope="col">${name}</th>`)}<th scope="col">Delivered, doubted</th></tr></thead>
  <tbody>${routes.map(
    (row) =>
      html`<tr data-route="${row.route}" data-network="${row.network}"><th scope="row">${row.route}</th><td>${row.networkName}</td>${COLUMNS.map(([status]) => html`<td data-count="${status}">${row.counts[status]}</td>`)}<td data-count="doubted">${row.doubted}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function reasonTable(reasons: ReasonCount[]): SafeHtml {
  if (reasons.length === 0) return html`<p>No failures or doubts recorded.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Reasons"><table>
  <caption>Reasons, most frequent first</caption>
  <thead><tr><th scope="col">Route</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Messages</th></tr></thead>
  <tbody>${reasons.map((row) => html`<tr><th scope="row">${row.route}</th><td>${row.status}</td><td>${row.reason}</td><td>${row.count}</td></tr>`)}</tbody>
</table></div>`;
}

function unreachableTable(lines: DeliveryLine[]): SafeHtml {
  if (lines.length === 0) return html`<p>Every phone was reached or is still being tried.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Unreachable phones"><table>
  <caption>Unreachable phones (first ${lines.length}; the export has all)</caption>
  <thead><tr><th scope="col">Phone</th><th scope="col">Network</th><th scope="col">Route</th><th scope="col">Why</th></tr></thead>
  <tbody>${lines.map((line) => html`<tr><th scope="row">${line.phone}</th><td>${line.network}</td><td>${line.route}</td><td>${line.reason}</td></tr>`)}</tbody>
</table></div>`;
}

/** A CSV cell: quoted, and a leading = + - @ defused so a spreadsheet never runs it as a formula. */
function cell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/**
 * What became of the messages, for officers: per broadcast (counts per route and network,
 * reasons, unreachable phones masked, a CSV export for the ministry) and per route (the last
 * days' broadcasts). Counts use the one delivery status model of src/outbox/status.ts.
 */
export function deliveryRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, timeZone } = context;
  router.get(
    '/broadcasts/:id/delivery',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { id } = parseForm(idParam, req.params);
      const report = await admin.deliveries.forBroadcast(officer.actor, id);
      const body = html`<p><a href="/console/broadcasts/${id}">← Broadcast #${id}</a></p>
<h1>Delivery of broadcast #${id}</h1>
<p><a href="/console/broadcasts/${id}/delivery.csv" download>Export every message (CSV)</a></p>
<section aria-labelledby="routes-title"><h2 id="routes-title">Per route</h2>${routeTable(report.routes, 'Messages per route and network')}
<p class="hint">A "delivered" the route's reports cannot be trusted for (SMS_ROUTES <code>distrust=</code>), or one that came impossibly soon, stays sent and is counted as doubted.</p></section>
<section aria-labelledby="reasons-title"><h2 id="reasons-title">Why</h2>${reasonTable(report.reasons)}</section>
<section aria-labelledby="unreachable-title"><h2 id="unreachable-title">Unreachable phones</h2>${unreachableTable(report.unreachable)}</section>`;
      res.type('html').send(consolePage({ title: `Delivery of broadcast #${id}`, section: '/console/broadcasts', officer, body }));
    }, log),
  );

  router.get(
    '/broadcasts/:id/delivery.csv',
    page(async (req: Request, res: Response) => {
      const { id } = parseForm(idParam, req.params);
      const lines = await admin.deliveries.exportBroadcast(officerOf(req).actor, id);
      const header = ['message', 'phone', 'network', 'route', 'status', 'reason', 'sent_at', 'delivered_at'];
      const rows = lines.map((line) => [line.id, line.phone, line.network, line.route, line.status, line.reason, line.sentAt?.toISOString() ?? null, line.deliveredAt?.toISOString() ?? null]);
      res
        .type('text/csv; charset=utf-8')
        .attachment(`broadcast-${id}-delivery.csv`)
        .send([header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n');
    }, log),
  );

  router.get(
    '/routes',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { days } = parseForm(daysQuery, req.query);
      const report = await admin.deliveries.forRoutes(officer.actor, days);
      const body = html`<h1>SMS routes</h1>
<p>Broadcast messages of the last ${days} days${officer.actor.ministryCode ? ` from ministry ${officer.actor.ministryCode.toUpperCase()}` : ''}, per provider and network, as of ${formatMoment(new Date(), timeZone)}. A route whose refusals or failed delivery reports for a network pass the breaker's threshold stops carrying it for a while; the next route takes over.</p>
<form method="get" action="/console/routes" class="filters card" aria-label="Period">
  <div class="field"><label for="r-days">Days</label><input id="r-days" name="days" type="number" min="1" max="90" value="${days}"></div>
  <div class="actions"><button type="submit">Show</button></div>
</form>
<section aria-labelledby="routes-title"><h2 id="routes-title">Per route</h2>${routeTable(report.routes, 'Messages per route and network')}</section>
<section aria-labelledby="reasons-title"><h2 id="reasons-title">Why</h2>${reasonTable(report.reasons)}</section>`;
      res.type('html').send(consolePage({ title: 'SMS routes', section: '/console/routes', officer, body }));
    }, log),
  );
}
