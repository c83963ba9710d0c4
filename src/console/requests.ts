import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { code, queryMoment } from '../api/schemas';
import { html } from '../http/html';
import type { Logger } from '../log';
import { isSuperAdmin } from '../services/access';
import { STANDARD_WORKFLOW } from '../services/catalog-admin';
import { pick } from '../services/localized';
import { formatReference, parseReference } from '../services/reference';
import { isTerminalOrNegative } from '../services/request-status';
import type { ConsoleContext } from '.';
import { CLOCK_FILTERS, clockSection, clockWarning, dueCell } from './charter';
import { action, FormError, page } from './errors';
import { consolePage, formatMoment, LANGUAGE_NAMES, statusLabel, words } from './layout';
import { nameLookup } from './names';
import { officerOf, takeFlash } from './session';

/** Requests shown per page of the list. */
const PAGE_SIZE = 25;

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

/** The list's filters, as the form sends them (an empty field is no filter). */
const filterSchema = z.object({
  ministry: optional(code),
  status: optional(code),
  service: optional(code),
  municipality: optional(code),
  from: optional(queryMoment),
  to: optional(queryMoment),
  cursor: optional(z.string().max(200)),
  reference: optional(z.string().trim().max(40)),
  order: optional(z.enum(['newest', 'due'])),
  clock: optional(z.enum(Object.keys(CLOCK_FILTERS) as [keyof typeof CLOCK_FILTERS])),
});

const statusSchema = z.object({
  status: z.preprocess((value) => (value === undefined || value === '' ? undefined : value), code.optional()),
  note: z.preprocess(emptyToUndefined, z.string().trim().min(1).max(300).optional()),
  allowBackwards: z.preprocess((value) => value === 'on', z.boolean()),
  /** Set by the confirmation page of a terminal or negative status. */
  confirm: z.preprocess((value) => value === 'yes', z.boolean()),
});

/** Parses a form or query, or throws a FormError naming the fields at fault. */
export function parseForm<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new FormError(`Check ${[...new Set(parsed.error.issues.map((issue) => `${issue.path.join('.')} (${issue.message})`))].join(', ')}`);
}

/** A reference from a path, or a 404-worthy explanation. */
function referenceParam(req: Request): string {
  const parsed = parseReference(String(req.params.reference ?? ''));
  if (!parsed.ok) throw new FormError(parsed.reason === 'length' ? 'A reference has 11 digits.' : 'That reference has a mistake.');
  return parsed.reference;
}

const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
const dateValue = (value: Date | undefined) => (value ? value.toISOString().slice(0, 10) : '');

/** Requests: the list with filters, one request with its answers and history, and the status change. */
export function requestRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, names, timeZone } = context;

  router.get(
    '/requests',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const filter = parseForm(filterSchema, req.query);
      // A reference searched for: the request itself when the officer may see it; otherwise
      // the same "no request" whether it is another ministry's or does not exist.
      let searched: { typed: string; problem?: string } | undefined;
      if (filter.reference !== undefined) {
        const parsed = parseReference(filter.reference);
        if (parsed.ok) {
          const found = await admin.requests.list(officer.actor, { ministry: filter.ministry, reference: parsed.reference, limit: 1 });
          if (found.items.length === 1) {
            res.redirect(303, `/console/requests/${found.items[0].reference}`);
            return;
          }
          searched = { typed: formatReference(parsed.reference), problem: `No request has the reference ${formatReference(parsed.reference)}.` };
        } else {
          searched = { typed: filter.reference, problem: parsed.reason === 'length' ? 'A reference has 11 digits, like 4821-7730-953.' : 'That reference has a mistake: check the digits.' };
        }
      }
      const [result, services, municipalities, ministries, clocks] = await Promise.all([
        admin.requests.list(officer.actor, { ...filter, reference: undefined, limit: PAGE_SIZE }),
        admin.catalog.services(officer.actor, { ministry: filter.ministry }),
        names.municipalities(),
        isSuperAdmin(officer.actor) ? admin.ministries.list(officer.actor) : Promise.resolve([]),
        admin.clocks.counts(officer.actor, { ministry: filter.ministry }),
      ]);
      const serviceName = nameLookup(services.map((service) => ({ code: service.code, name: pick(service.name, 'en') })));
      const municipalityName = nameLookup(municipalities);
      const statuses = [...new Set([...STANDARD_WORKFLOW, ...services.flatMap((service) => service.workflow)])];
      const next = new URLSearchParams(
        Object.entries({ ...req.query, cursor: result.nextCursor ?? '' }).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''),
      );
      const body = html`<h1>Requests</h1>
${clockWarning(clocks)}
<form method="get" action="/console/requests" class="card search" role="search" aria-label="Find a request by reference">
  <div class="field"><label for="f-reference">Reference</label>
    <input id="f-reference" name="reference" inputmode="numeric" autocomplete="off" spellcheck="false" maxlength="40" placeholder="4821-7730-953" value="${searched?.typed ?? ''}" aria-describedby="f-reference-hint"${searched?.problem ? html` aria-invalid="true"` : ''}>
    <p class="hint" id="f-reference-hint">With or without dashes or spaces.</p></div>
  <div class="actions"><button type="submit">Find</button></div>
  ${searched?.problem ? html`<p class="error-text" role="alert">${searched.problem}</p>` : ''}
</form>
<form method="get" action="/console/requests" class="filters card" aria-label="Filter requests">
  ${
    ministries.length > 0
      ? html`<div class="field"><label for="f-ministry">Ministry</label><select id="f-ministry" name="ministry"><option value="">All</option>${ministries.map((ministry) => option(ministry.code, pick(ministry.name, 'en'), filter.ministry))}</select></div>`
      : ''
  }
  <div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">All</option>${statuses.map((status) => option(status, words(status), filter.status))}</select></div>
  <div class="field"><label for="f-service">Service</label><select id="f-service" name="service"><option value="">All</option>${services.map((service) => option(service.code, pick(service.name, 'en'), filter.service))}</select></div>
  <div class="field"><label for="f-municipality">Municipality</label><select id="f-municipality" name="municipality"><option value="">All</option>${municipalities.map((place) => option(place.code, place.name, filter.municipality))}</select></div>
  <div class="field"><label for="f-from">Made on or after</label><input id="f-from" name="from" type="date" value="${dateValue(filter.from)}"></div>
  <div class="field"><label for="f-to">Made before</label><input id="f-to" name="to" type="date" value="${dateValue(filter.to)}"></div>
  <div class="field"><label for="f-clock">Processing time</label><select id="f-clock" name="clock"><option value="">All</option>${Object.entries(CLOCK_FILTERS).map(([value, label]) => option(value, label, filter.clock))}</select></div>
  <div class="field"><label for="f-order">Order</label><select id="f-order" name="order">${option('newest', 'Newest first', filter.order ?? 'newest')}${option('due', 'Soonest due first', filter.order)}</select></div>
  <div class="actions"><button type="submit">Filter</button> <a href="/console/requests">Clear</a></div>
</form>
${
  result.items.length === 0
    ? html`<p>No requests match.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Requests">
<table>
  <caption class="visually-hidden">Requests, ${filter.order === 'due' ? 'soonest due first' : 'newest first'}</caption>
  <thead><tr><th scope="col">Reference</th><th scope="col">Service</th><th scope="col">Status</th><th scope="col">Municipality</th><th scope="col">Channel</th><th scope="col">Made</th><th scope="col">Due</th><th scope="col">Updated</th></tr></thead>
  <tbody>
  ${result.items.map(
    (item) => html`<tr>
    <td><a href="/console/requests/${item.reference}">${formatReference(item.reference)}</a></td>
    <td>${serviceName(item.service)}</td>
    <td><span class="badge">${words(item.status)}</span></td>
    <td>${municipalityName(item.municipality)}</td>
    <td>${item.channel}</td>
    <td>${formatMoment(item.createdAt, timeZone)}</td>
    <td>${dueCell(item.clock, timeZone)}</td>
    <td>${formatMoment(item.updatedAt, timeZone)}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`
}
${result.nextCursor ? html`<p><a href="/console/requests?${next.toString()}">${filter.order === 'due' ? 'Later due' : 'Older requests'}</a></p>` : ''}`;
      res.type('html').send(consolePage({ title: 'Requests', section: '/console/requests', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get(
    '/requests/:reference',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const request = await admin.requests.detail(officer.actor, referenceParam(req));
      const [service, municipalities, actorName] = await Promise.all([
        admin.catalog.service(officer.actor, request.service),
        names.municipalities(),
        names.actors(request.history.map((event) => event.actor)),
      ]);
      // Answers in the form's order, labelled as the form asks them, a choice shown by its label.
      const fields = service.form ?? [];
      const answers = [...fields.map((field) => field.key), ...Object.keys(request.answers).filter((key) => !fields.some((field) => field.key === key))]
        .filter((key) => request.answers[key] !== undefined)
        // A municipality the form did not ask (remembered from the citizen's dialogs) is shown above, by name.
        .filter((key) => key !== 'municipality' || fields.some((field) => field.key === key))
        .map((key) => {
          const field = fields.find((candidate) => candidate.key === key);
          const answer = request.answers[key];
          const chosen = field?.type === 'choice' ? field.options.find((candidate) => candidate.value === answer) : undefined;
          return { label: field ? pick(field.label, 'en') : words(key), answer: chosen ? pick(chosen.label, 'en') : answer };
        });
      const current = request.workflow.indexOf(request.status);
      const choices = request.workflow.filter((status) => status !== request.status);
      const reference = formatReference(request.reference);
      const body = html`<p><a href="/console/requests">← All requests</a></p>
<h1>Request ${reference}</h1>
<dl class="facts">
  <dt>Service</dt><dd>${pick(request.serviceName, 'en')}</dd>
  <dt>Status</dt><dd><span class="badge">${words(request.status)}</span></dd>
  <dt>Municipality</dt><dd>${nameLookup(municipalities)(request.municipality)}</dd>
  <dt>Made by</dt><dd>${request.channel}, in ${request.locale ? (LANGUAGE_NAMES[request.locale] ?? request.locale) : 'the default language'}</dd>
  <dt>Made</dt><dd>${formatMoment(request.createdAt, timeZone)}</dd>
  <dt>Updated</dt><dd>${formatMoment(request.updatedAt, timeZone)}</dd>
</dl>
${clockSection(request.reference, request.clock, officer.csrf, timeZone)}
<section aria-labelledby="answers-title">
  <h2 id="answers-title">Answers</h2>
  <dl class="facts">${answers.map((item) => html`<dt>${item.label}</dt><dd>${item.answer}</dd>`)}</dl>
</section>
<section aria-labelledby="status-title" class="card">
  <h2 id="status-title">Change the status</h2>
  <p class="hint">The citizen is told the new status and your note, on the channel they used last, in their language.</p>
  <form method="post" action="/console/requests/${request.reference}/status">
    <input type="hidden" name="_csrf" value="${officer.csrf}">
    <div class="field"><label for="status">New status</label>
      <select id="status" name="status" required><option value="" selected disabled>Choose the new status…</option>${choices.map((status) =>
        option(
          status,
          `${statusLabel(status)}${request.workflow.indexOf(status) < current ? ' (back)' : ''}${isTerminalOrNegative(request.workflow, status) ? ' (asks to confirm)' : ''}`,
          undefined,
        ),
      )}</select></div>
    <div class="field"><label for="note">Note to the citizen (optional)</label><textarea id="note" name="note" rows="3" maxlength="300"></textarea></div>
    <div class="field check"><input id="allowBackwards" name="allowBackwards" type="checkbox"><label for="allowBackwards">Allow moving back to an earlier status</label></div>
    <button type="submit">Change status</button>
  </form>
</section>
<section aria-labelledby="history-title">
  <h2 id="history-title">History</h2>
  <ol class="history">${request.history.map(
    (event) => html`<li><strong>${words(event.status)}</strong> · ${formatMoment(event.at, timeZone)} · ${actorName(event.actor)}${event.note ? html`<br><span class="note">${event.note}</span>` : ''}</li>`,
  )}</ol>
</section>`;
      res.type('html').send(consolePage({ title: `Request ${reference}`, section: '/console/requests', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.post(
    '/requests/:reference/status',
    page(async (req: Request, res: Response) => {
      // A terminal or negative status (rejected, closed, …) is asked again on a page of its own,
      // which sends the same form with confirm=yes (and the officer's CSRF token): the server
      // refuses to make such a change without it, whatever the browser runs.
      const officer = officerOf(req);
      const change = statusSchema.safeParse(req.body ?? {});
      if (change.success && change.data.status !== undefined && !change.data.confirm) {
        const reference = parseReference(String(req.params.reference ?? ''));
        const request = reference.ok ? await admin.requests.detail(officer.actor, reference.reference).catch(() => undefined) : undefined;
        if (request && isTerminalOrNegative(request.workflow, change.data.status) && request.workflow.includes(change.data.status)) {
          const formatted = formatReference(request.reference);
          const verb = STATUS_VERBS[change.data.status];
          const question = verb ? `${verb} request ${formatted}?` : `Move request ${formatted} to “${statusLabel(change.data.status)}”?`;
          const body = html`<p><a href="/console/requests/${request.reference}">← Request ${formatted}</a></p>
<h1>${question}</h1>
<section class="card confirm" aria-labelledby="confirm-title">
  <h2 id="confirm-title">The status becomes “${statusLabel(change.data.status)}”</h2>
  <p>${pick(request.serviceName, 'en')}, now “${statusLabel(request.status)}”. The citizen is told at once, with your note, and this cannot be taken back without moving the request back.</p>
  ${change.data.note ? html`<p>Your note: <span class="note">${change.data.note}</span></p>` : html`<p class="hint">No note: the citizen is told only the new status.</p>`}
  <form method="post" action="/console/requests/${request.reference}/status">
    <input type="hidden" name="_csrf" value="${officer.csrf}">
    <input type="hidden" name="status" value="${change.data.status}">
    <input type="hidden" name="note" value="${change.data.note ?? ''}">
    ${change.data.allowBackwards ? html`<input type="hidden" name="allowBackwards" value="on">` : ''}
    <input type="hidden" name="confirm" value="yes">
    <div class="actions"><button type="submit" class="danger">Yes, ${verb ? verb.toLowerCase() : 'move'} it</button> <a href="/console/requests/${request.reference}">No, go back</a></div>
  </form>
</section>`;
          res.type('html').send(consolePage({ title: question, section: '/console/requests', officer, body }));
          return;
        }
      }
      await changeStatus(req, res, () => undefined);
    }, log),
  );
  const changeStatus = action(
    async (req) => {
      const officer = officerOf(req);
      const reference = referenceParam(req);
      const { status, ...change } = parseForm(statusSchema, req.body);
      if (status === undefined) throw new FormError('choose the new status first.');
      const { request, notification } = await admin.requests.changeStatus(officer.actor, reference, { ...change, status });
      const told = notification.queued ? `The citizen will be told by ${notification.channel}.` : `The citizen cannot be told: ${notification.reason}.`;
      return { to: `/console/requests/${request.reference}`, message: `Status changed to ${words(request.status)}. ${told}` };
    },
    (req) => `/console/requests/${String(req.params.reference ?? '').replace(/\D/g, '')}`,
    log,
  );
}

/** The verb of a confirmation's question: "Reject request …?", "Close request …?" (others: "Move request … to …?"). */
const STATUS_VERBS: Record<string, string> = { rejected: 'Reject', denied: 'Deny', refused: 'Refuse', declined: 'Decline', cancelled: 'Cancel', withdrawn: 'Withdraw', closed: 'Close' };
