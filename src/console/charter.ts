import type { Request, Router } from 'express';
import { z } from 'zod';
import { html, type SafeHtml } from '../http/html';
import type { Logger } from '../log';
import { toCsv } from '../api/csv';
import { PROCESSING_TIME_COLUMNS, type ClockCounts, type RequestClock } from '../services/charter-clock';
import { parseReference } from '../services/reference';
import type { ConsoleContext } from '.';
import { action, FormError, page } from './errors';
import { formatMoment } from './layout';
import { officerOf } from './session';

/**
 * The Citizen's Charter in the console: each request's due date with a warning before it runs
 * out, the one extension, the warning above the list and the dashboard's table of clocks.
 */

/** The clock filters the requests list offers, as the API names them. */
export const CLOCK_FILTERS = { open: 'Clock running', at_risk: 'Due within a working day', overdue: 'Overdue', on_time: 'On time', decided: 'Decided', deemed_approved: 'Deemed approved' } as const;

const BADGES: Partial<Record<RequestClock['state'], string>> = { at_risk: 'Due soon', overdue: 'Overdue', deemed_approved: 'Deemed approved' };

/** A request's due date for a table cell or a fact, with a warning badge when at risk or late. */
export function dueCell(clock: RequestClock, timeZone: string): SafeHtml | string {
  if (!clock.dueAt) return '—';
  const badge = BADGES[clock.state];
  return html`${formatMoment(clock.dueAt, timeZone)}${badge ? html` <span class="badge warn">${badge}</span>` : ''}`;
}

/** The line above the requests list: how many clocks need the officer now, with links to them. */
export function clockWarning(counts: ClockCounts[]): SafeHtml | string {
  const atRisk = counts.reduce((sum, row) => sum + row.atRisk, 0);
  const overdue = counts.reduce((sum, row) => sum + row.overdue, 0);
  if (atRisk + overdue === 0) return '';
  return html`<p class="flash warn" role="status">${
    atRisk > 0 ? html`<a href="/console/requests?clock=at_risk&amp;order=due">${atRisk} due within a working day</a>` : ''
  }${atRisk > 0 && overdue > 0 ? ', ' : ''}${
    overdue > 0 ? html`<a href="/console/requests?clock=overdue&amp;order=due">${overdue} overdue</a> (deemed approved at the next hourly check)` : ''
  }.</p>`;
}

/** The dashboard's table: per service and office, where the Charter clocks stand. */
export function clockTable(counts: ClockCounts[], serviceName: (code: string) => string): SafeHtml {
  return html`<section aria-labelledby="clocks-title" class="card">
  <h2 id="clocks-title">Processing times (Citizen's Charter)</h2>
  <p><a href="/console/reports/processing-times.csv" download>Download the processing-times report (CSV)</a></p>
  ${
    counts.length === 0
      ? html`<p>No request has a clock yet.</p>`
      : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Processing times">
<table>
  <thead><tr><th scope="col">Service</th><th scope="col">Office</th><th scope="col">On time</th><th scope="col">At risk</th><th scope="col">Overdue</th><th scope="col">Decided on time</th><th scope="col">Decided late</th><th scope="col">Deemed approved</th><th scope="col">Extended</th></tr></thead>
  <tbody>${counts.map(
    (row) => html`<tr><td>${serviceName(row.service)}</td><td>${row.office}</td><td>${row.onTime}</td><td>${row.atRisk}</td><td>${row.overdue}</td><td>${row.decidedOnTime}</td><td>${row.decidedLate}</td><td>${row.deemedApproved}</td><td>${row.extended}</td></tr>`,
  )}</tbody>
</table></div>`
  }
</section>`;
}

/** The request page's Charter facts and, while it may be, the extension form. */
export function clockSection(reference: string, clock: RequestClock, csrf: string, timeZone: string): SafeHtml {
  const extendable = clock.dueAt !== null && !clock.extendedAt && (clock.state === 'on_time' || clock.state === 'at_risk');
  return html`<section aria-labelledby="clock-title" class="card">
  <h2 id="clock-title">Processing time</h2>
  <dl class="facts">
    <dt>Received</dt><dd>${formatMoment(clock.receivedAt, timeZone)}</dd>
    <dt>Due</dt><dd>${dueCell(clock, timeZone)}${clock.workingDays ? html` (${clock.workingDays} working days)` : ''}</dd>
    ${clock.extendedAt ? html`<dt>Extended</dt><dd>${formatMoment(clock.extendedAt, timeZone)}: ${clock.extensionReason ?? ''}</dd>` : ''}
  </dl>
  ${
    extendable
      ? html`<form method="post" action="/console/requests/${reference}/extension">
    <input type="hidden" name="_csrf" value="${csrf}">
    <div class="field"><label for="reason">Reason for the one extension the law allows (sent to the citizen)</label><input id="reason" name="reason" required minlength="3" maxlength="160"></div>
    <button type="submit">Extend once</button>
  </form>`
      : ''
  }
</section>`;
}

const extensionSchema = z.object({ reason: z.string().trim().min(3, 'at least 3 characters').max(160) });

/** POST /console/requests/:reference/extension, and the processing-times report's download. */
export function charterRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  router.get(
    '/reports/processing-times.csv',
    page(async (req, res) => {
      const rows = await context.admin.clocks.processingTimes(officerOf(req).actor);
      res.type('text/csv; charset=utf-8').attachment('processing-times.csv').send(toCsv(PROCESSING_TIME_COLUMNS, rows));
    }, log),
  );
  const back = (req: Request) => `/console/requests/${String(req.params.reference ?? '').replace(/\D/g, '')}`;
  router.post(
    '/requests/:reference/extension',
    action(
      async (req) => {
        const officer = officerOf(req);
        const parsed = parseReference(String(req.params.reference ?? ''));
        if (!parsed.ok) throw new FormError('That reference has a mistake.');
        const form = extensionSchema.safeParse(req.body ?? {});
        if (!form.success) throw new FormError('give the reason for the extension, 3 to 160 characters.');
        const { reason } = form.data;
        const { clock, notification } = await context.admin.clocks.extend(officer.actor, parsed.reference, reason);
        const told = notification.queued ? `The citizen will be told by ${notification.channel}.` : `The citizen cannot be told: ${notification.reason}.`;
        return { to: back(req), message: `Extended once: now due ${clock.dueAt ? formatMoment(clock.dueAt, context.timeZone) : ''}. ${told}` };
      },
      back,
      log,
    ),
  );
}
