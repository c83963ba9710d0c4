import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { code } from '../api/schemas';
import { SUPPORTED_LOCALES } from '../config';
import { html, type SafeHtml } from '../http/html';
import type { Logger } from '../log';
import { ASSISTED_STATUSES, type AssistedStatus } from '../services/assisted';
import type { FormField } from '../services/catalog-schema';
import { pick } from '../services/localized';
import { RELATIONSHIPS } from '../services/profiles';
import { formatReference } from '../services/reference';
import type { ConsoleContext } from '.';
import { action, FormError, page } from './errors';
import { consolePage, formatMoment, LANGUAGE_NAMES, words } from './layout';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';

/** Assisted requests shown per page. */
const PAGE_SIZE = 50;

/** Answers arrive as `answer_<field key>` form fields. */
const ANSWER_PREFIX = 'answer_';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

const listSchema = z.object({ status: optional(z.enum(ASSISTED_STATUSES)), cursor: optional(z.string().regex(/^\d{1,15}$/)) });

const fileSchema = z.object({
  service: code,
  phone: z.string().trim().min(5, 'type the mobile number').max(20),
  operator: optional(z.string().trim().max(80)),
  personName: optional(z.string().trim().min(2).max(40)),
  relationship: optional(z.enum(RELATIONSHIPS)),
  locale: optional(z.enum(SUPPORTED_LOCALES)),
});

const selected = (value: string, current: string | undefined) => (value === current ? html` selected` : '');

/** One form field as an input of the right kind, named `answer_<key>`. */
function fieldInput(field: FormField): SafeHtml {
  const id = `a-${field.key}`;
  const name = `${ANSWER_PREFIX}${field.key}`;
  const label = html`<label for="${id}">${pick(field.label, 'en')}${field.required ? '' : ' (optional)'}</label>`;
  const required = field.required ? html` required` : '';
  switch (field.type) {
    case 'choice':
      return html`<div class="field">${label}<select id="${id}" name="${name}"${required}><option value="">Choose</option>${field.options.map(
        (option) => html`<option value="${option.value}">${pick(option.label, 'en')}</option>`,
      )}</select></div>`;
    case 'date':
      return html`<div class="field">${label}<input id="${id}" name="${name}" type="date"${required}></div>`;
    case 'digits':
      return html`<div class="field">${label}<input id="${id}" name="${name}" inputmode="numeric" pattern="[0-9]*" minlength="${field.minLength}" maxlength="${field.maxLength}"${required}></div>`;
    case 'text':
      return html`<div class="field">${label}<input id="${id}" name="${name}" minlength="${field.minLength}" maxlength="${field.maxLength}"${required}></div>`;
  }
}

/** The answers of a posted form, by field key. */
function answersOf(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body)
      .filter((entry): entry is [string, string] => entry[0].startsWith(ANSWER_PREFIX) && typeof entry[1] === 'string')
      .map(([name, value]) => [name.slice(ANSWER_PREFIX.length), value]),
  );
}

/**
 * Assisted requests in the console: a service centre's operator files a request for a citizen
 * (choose the service, then fill its form with the citizen's phone), and sees which of the
 * centre's requests still wait for the citizen's confirmation. Officers see those of the centre
 * keys of their ministry. A centre key sees only these pages (the console's centre fence, index.ts).
 */
export function assistedRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, timeZone } = context;

  router.get(
    '/assisted',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const filter = parseForm(listSchema, req.query);
      const result = await admin.assisted.list(officer.actor, { status: filter.status, limit: PAGE_SIZE, before: filter.cursor ? Number(filter.cursor) : undefined });
      const isCentre = officer.actor.centreCode !== undefined;
      const statusName = (status: AssistedStatus) => (status === 'pending' ? 'waiting for the citizen' : words(status));
      const body = html`<h1>Assisted requests</h1>
<p class="hint">Requests filed at a service centre reach the ministry only when the citizen confirms them from their own phone, by replying with the code we text them or by dialling. Unconfirmed ones expire after ${admin.config.ASSISTED_EXPIRY_HOURS} hours.</p>
${isCentre ? html`<p><a class="button" href="/console/assisted/new">File a request for a citizen</a></p>` : ''}
<form method="get" action="/console/assisted" class="filters card" aria-label="Filter assisted requests">
  <div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">All</option>${ASSISTED_STATUSES.map(
    (status) => html`<option value="${status}"${selected(status, filter.status)}>${statusName(status)}</option>`,
  )}</select></div>
  <div class="actions"><button type="submit">Filter</button> <a href="/console/assisted">Clear</a></div>
</form>
${
  result.items.length === 0
    ? html`<p>No assisted requests match.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Assisted requests">
<table>
  <caption class="visually-hidden">Assisted requests, newest first</caption>
  <thead><tr><th scope="col">Filed</th><th scope="col">Service</th><th scope="col">Phone</th><th scope="col">For</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Centre</th><th scope="col">Operator</th><th scope="col">Reference</th></tr></thead>
  <tbody>
  ${result.items.map(
    (item) => html`<tr>
    <td>${formatMoment(item.createdAt, timeZone)}</td>
    <td>${pick(item.serviceName, 'en')}</td>
    <td>${item.phone}</td>
    <td>${item.person ? `${item.person.name} (${item.person.relationship})` : 'the phone holder'}</td>
    <td><span class="badge">${statusName(item.status)}</span></td>
    <td>${item.status === 'pending' ? formatMoment(item.expiresAt, timeZone) : ''}</td>
    <td>${item.centreName}</td>
    <td>${item.operator ?? ''}</td>
    <td>${item.reference ? formatReference(item.reference) : ''}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`
}
${result.nextCursor ? html`<p><a href="/console/assisted?${new URLSearchParams({ ...(filter.status ? { status: filter.status } : {}), cursor: result.nextCursor }).toString()}">Older</a></p>` : ''}`;
      res.type('html').send(consolePage({ title: 'Assisted requests', section: '/console/assisted', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get(
    '/assisted/new',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      if (officer.actor.centreCode === undefined) throw new FormError("Only a service centre's key files assisted requests.");
      const chosen = parseForm(z.object({ service: optional(code) }), req.query).service;
      const services = await admin.assisted.services(officer.actor.ministryCode);
      const service = services.find((candidate) => candidate.code === chosen);
      const body = html`<p><a href="/console/assisted">← Assisted requests</a></p>
<h1>File a request for a citizen</h1>
<form method="get" action="/console/assisted/new" class="card" aria-label="Choose the service">
  <div class="field"><label for="service">Service</label><select id="service" name="service" required><option value="">Choose</option>${services.map(
    (item) => html`<option value="${item.code}"${selected(item.code, chosen)}>${pick(item.name, 'en')}</option>`,
  )}</select></div>
  <button type="submit">${service ? 'Change service' : 'Next'}</button>
</form>
${
  service
    ? html`<form method="post" action="/console/assisted" class="card" aria-label="The request">
  <input type="hidden" name="_csrf" value="${officer.csrf}">
  <input type="hidden" name="service" value="${service.code}">
  <h2>${pick(service.name, 'en')}</h2>
  <div class="field"><label for="phone">Citizen's mobile number</label><input id="phone" name="phone" type="tel" autocomplete="off" required maxlength="20"></div>
  <p class="hint">We text this number a code to confirm the request. Nothing reaches the ministry until the citizen confirms.</p>
  ${service.form.map(fieldInput)}
  <fieldset>
    <legend>For someone else on this phone (optional)</legend>
    <div class="field"><label for="personName">Their name</label><input id="personName" name="personName" minlength="2" maxlength="40"></div>
    <div class="field"><label for="relationship">They are the phone holder's</label><select id="relationship" name="relationship"><option value="">Choose</option>${RELATIONSHIPS.map(
      (relationship) => html`<option value="${relationship}">${words(relationship)}</option>`,
    )}</select></div>
  </fieldset>
  <div class="field"><label for="locale">The citizen's language</label><select id="locale" name="locale"><option value="">As they chose before</option>${SUPPORTED_LOCALES.map(
    (code) => html`<option value="${code}">${LANGUAGE_NAMES[code] ?? code}</option>`,
  )}</select></div>
  <div class="field"><label for="operator">Your name</label><input id="operator" name="operator" maxlength="80"></div>
  <button type="submit">File and text the citizen</button>
</form>`
    : ''
}`;
      res.type('html').send(consolePage({ title: 'File a request', section: '/console/assisted', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.post(
    '/assisted',
    action(
      async (req) => {
        const officer = officerOf(req);
        const form = parseForm(fileSchema, req.body);
        if ((form.personName === undefined) !== (form.relationship === undefined)) throw new FormError('For someone else, give both their name and how they are related.');
        const { request, notification } = await admin.assisted.file(officer.actor, {
          phone: form.phone,
          service: form.service,
          answers: answersOf(req.body as Record<string, unknown>),
          operator: form.operator,
          person: form.personName && form.relationship ? { name: form.personName, relationship: form.relationship } : undefined,
          locale: form.locale,
        });
        const told = notification.queued ? `We texted ${request.phone} a code to confirm it.` : `The citizen could not be texted (${notification.reason}).`;
        return { to: '/console/assisted?status=pending', message: `Filed ${pick(request.serviceName, 'en')}. ${told} It waits until ${formatMoment(request.expiresAt, timeZone)}.` };
      },
      (req) => `/console/assisted/new?service=${encodeURIComponent(String((req.body as Record<string, unknown> | undefined)?.service ?? ''))}`,
      log,
    ),
  );
}
