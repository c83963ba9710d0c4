import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { code, numericId } from '../api/schemas';
import { SUPPORTED_LOCALES } from '../config';
import { html, type SafeHtml } from '../http/html';
import type { Logger } from '../log';
import { isSuperAdmin } from '../services/access';
import { formatReference, parseReference } from '../services/reference';
import { MAX_MESSAGE, type OfficeMeasures, type ThreadListItem } from '../services/threads';
import type { ConsoleContext } from '.';
import { action, FormError, page } from './errors';
import { consolePage, formatMoment, LANGUAGE_NAMES, words } from './layout';
import { nameLookup } from './names';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

const filterSchema = z.object({
  ministry: optional(code),
  municipality: optional(code),
  status: optional(z.enum(['open', 'answered', 'closed'])),
  mine: z.preprocess((value) => value === 'on', z.boolean()),
});

const messageSchema = z.object({
  body: z.string().trim().min(1, 'write something first').max(MAX_MESSAGE),
  kind: z.enum(['reply', 'note']).default('reply'),
});
const closeSchema = z.object({ resolution: z.string().trim().min(1, 'say how it was resolved').max(MAX_MESSAGE) });
const moveSchema = z.object({ ministry: optional(code), municipality: optional(code), keyId: optional(numericId) });
const previewSchema = z.object({ body: z.string().max(MAX_MESSAGE).default(''), locale: z.enum(SUPPORTED_LOCALES).default('en') });

const option = (value: string, label: string, selected: string | null | undefined) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

/** A reference from a path, or the officer's mistake. */
function referenceParam(req: Request): string {
  const parsed = parseReference(String(req.params.reference ?? ''));
  if (!parsed.ok) throw new FormError(parsed.reason === 'length' ? 'A reference has 11 digits.' : 'That reference has a mistake.');
  return parsed.reference;
}

/** How long is left (or how long past) until a target, in hours or minutes. */
function due(at: Date, now: Date, done: Date | null): SafeHtml {
  if (done) return html`${done.getTime() <= at.getTime() ? 'met' : html`<span class="badge stopped">missed</span>`}`;
  const minutes = Math.round((at.getTime() - now.getTime()) / 60000);
  const span = Math.abs(minutes) >= 120 ? `${Math.round(Math.abs(minutes) / 60)} h` : `${Math.abs(minutes)} min`;
  return minutes >= 0 ? html`in ${span}` : html`<span class="badge stopped">${span} late</span>`;
}

/** The measures per office, as a table: shared by the desk and the dashboard. */
export function measuresTable(measures: OfficeMeasures[], ministryName: (code: string | null) => string, municipalityName: (code: string | null) => string): SafeHtml {
  const minutes = (value: number | null) => (value === null ? '–' : value >= 120 ? `${Math.round(value / 60)} h` : `${value} min`);
  if (measures.length === 0) return html`<p>No complaints or questions yet.</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Desk measures per office">
<table>
  <caption class="visually-hidden">Complaints and questions per office</caption>
  <thead><tr><th scope="col">Office</th><th scope="col">Open</th><th scope="col">Not yet answered</th><th scope="col">Flagged</th><th scope="col">Closed</th><th scope="col">Median first response</th><th scope="col">Median resolution</th><th scope="col">Past target</th></tr></thead>
  <tbody>${measures.map(
    (m) => html`<tr><td>${ministryName(m.ministry)} · ${municipalityName(m.municipality)}</td><td>${m.open}</td><td>${m.awaitingFirstResponse}</td><td>${m.flagged}</td><td>${m.closed}</td><td>${minutes(m.medianFirstResponseMinutes)}</td><td>${minutes(m.medianResolutionMinutes)}</td><td>${m.pastTarget}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/** The desk: the queue per office with its targets, one thread with its messages, replies, notes, assignment and closing. */
export function deskRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, names, timeZone } = context;
  const threads = admin.threads;

  router.get(
    '/desk',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const filter = parseForm(filterSchema, req.query);
      const [queue, measures, municipalities, ministries] = await Promise.all([
        threads.list(officer.actor, { ministry: filter.ministry, municipality: filter.municipality, status: filter.status, assignedKeyId: filter.mine ? (officer.actor.keyId ?? undefined) : undefined, limit: 200 }),
        threads.measures(officer.actor, filter.ministry),
        names.municipalities(),
        names.ministries(),
      ]);
      const municipalityName = nameLookup(municipalities);
      const ministryName = (code: string | null) => (code === null ? 'Not routed' : nameLookup(ministries)(code));
      const body = html`<h1>Desk: complaints and questions</h1>
<form method="get" action="/console/desk" class="filters card" aria-label="Filter the queue">
  ${isSuperAdmin(officer.actor) ? html`<div class="field"><label for="q-ministry">Ministry</label><select id="q-ministry" name="ministry"><option value="">All</option>${ministries.map((m) => option(m.code, m.name, filter.ministry))}</select></div>` : ''}
  <div class="field"><label for="q-municipality">Office (municipality)</label><select id="q-municipality" name="municipality"><option value="">All</option>${municipalities.map((place) => option(place.code, place.name, filter.municipality))}</select></div>
  <div class="field"><label for="q-status">Status</label><select id="q-status" name="status"><option value="">Open and answered first</option>${['open', 'answered', 'closed'].map((status) => option(status, status, filter.status))}</select></div>
  <div class="field check"><input id="q-mine" name="mine" type="checkbox"${filter.mine ? html` checked` : ''}><label for="q-mine">Assigned to me</label></div>
  <div class="actions"><button type="submit">Show</button> <a href="/console/desk">Clear</a></div>
</form>
${queue.length === 0 ? html`<p>Nothing in this queue.</p>` : queueTable(queue)}
<section aria-labelledby="measures-title">
  <h2 id="measures-title">Per office</h2>
  ${measuresTable(measures, ministryName, municipalityName)}
</section>`;
      res.type('html').send(consolePage({ title: 'Desk', section: '/console/desk', officer, body, flash: takeFlash(req, res) }));

      function queueTable(items: ThreadListItem[]): SafeHtml {
        const at = threads.clock();
        return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Queue">
<table>
  <caption class="visually-hidden">Threads: flagged first, then the oldest</caption>
  <thead><tr><th scope="col">Reference</th><th scope="col">Status</th><th scope="col">Office</th><th scope="col">Category</th><th scope="col">First response</th><th scope="col">Resolution</th><th scope="col">Filed</th></tr></thead>
  <tbody>${items.map(
    (t) => html`<tr${t.flagged ? html` class="flagged"` : ''}>
    <td><a href="/console/desk/${t.reference}">${formatReference(t.reference)}</a>${t.flagged ? html` <span class="badge stopped">flagged</span>` : ''}${t.anonymous ? html` <span class="badge">anonymous</span>` : ''}</td>
    <td><span class="badge">${t.status}</span></td>
    <td>${ministryName(t.ministry)} · ${municipalityName(t.municipality)}</td>
    <td>${t.category ? words(t.category) : 'Other'}</td>
    <td>${due(t.firstResponseDue, at, t.firstResponseAt)}</td>
    <td>${due(t.resolutionDue, at, t.closedAt)}</td>
    <td>${formatMoment(t.createdAt, timeZone)} by ${t.channel}</td>
  </tr>`,
  )}</tbody>
</table></div>`;
      }
    }, log),
  );

  router.get(
    '/desk/:reference',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const thread = await threads.detail(officer.actor, referenceParam(req));
      const [municipalities, ministries, actorName, keys] = await Promise.all([
        names.municipalities(),
        names.ministries(),
        names.actors(thread.messages.map((m) => m.actor)),
        thread.ministry === null ? Promise.resolve([]) : admin.apiKeys.list(officer.actor, { ministry: thread.ministry }).catch(() => []),
      ]);
      const municipalityName = nameLookup(municipalities);
      const reference = formatReference(thread.reference);
      const locale = thread.locale ?? admin.config.DEFAULT_LOCALE;
      const canned = admin.threads.canned(thread.ministry, locale);
      const closed = thread.status === 'closed';
      const csrf = html`<input type="hidden" name="_csrf" value="${officer.csrf}">`;
      const preview = threads.preview(locale, '', thread.reference);
      const body = html`<p><a href="/console/desk">← The queue</a></p>
<h1>Thread ${reference}${thread.flagged ? html` <span class="badge stopped">flagged</span>` : ''}</h1>
<dl class="facts">
  <dt>Status</dt><dd><span class="badge">${thread.status}</span>${thread.resolution ? html` · ${thread.resolution}` : ''}</dd>
  <dt>Office</dt><dd>${thread.ministry === null ? 'Not routed' : nameLookup(ministries)(thread.ministry)} · ${municipalityName(thread.municipality)}</dd>
  <dt>Category</dt><dd>${thread.category ? words(thread.category) : 'Other'}${thread.service ? html` · service ${thread.service}` : ''}${thread.request ? html` · request <a href="/console/requests/${thread.request}">${formatReference(thread.request)}</a>` : ''}</dd>
  <dt>From</dt><dd>${thread.anonymous ? 'Anonymous: the citizen asked that the office not know who wrote' : (thread.contact ?? 'a chat (no phone)')}, by ${thread.channel}, in ${LANGUAGE_NAMES[locale] ?? locale}</dd>
  <dt>First response</dt><dd>${thread.firstResponseAt ? formatMoment(thread.firstResponseAt, timeZone) : html`due ${formatMoment(thread.firstResponseDue, timeZone)}`}</dd>
  <dt>Resolution</dt><dd>${thread.closedAt ? formatMoment(thread.closedAt, timeZone) : html`due ${formatMoment(thread.resolutionDue, timeZone)}`}</dd>
</dl>
<section aria-labelledby="messages-title">
  <h2 id="messages-title">Messages</h2>
  <ol class="history">${thread.messages.map(
    (m) =>
      html`<li${m.author === 'note' ? html` class="internal"` : ''}><strong>${m.author === 'citizen' ? 'Citizen' : m.author === 'note' ? 'Internal note' : 'Reply'}</strong> · ${formatMoment(m.at, timeZone)}${m.author === 'citizen' ? '' : html` · ${actorName(m.actor)}`}<br><span class="note">${m.body === '' ? html`<em>removed after the retention period</em>` : m.body}</span></li>`,
  )}</ol>
</section>
${
  closed
    ? ''
    : html`<section aria-labelledby="reply-title" class="card">
  <h2 id="reply-title">Reply or note</h2>
  <p class="hint">A reply reaches the citizen on the channel they used last (in one SMS where it fits); a note stays here.</p>
  ${canned.length > 0 ? html`<details><summary>Canned answers (${LANGUAGE_NAMES[locale] ?? locale})</summary><ul>${canned.map((text) => html`<li class="note">${text}</li>`)}</ul></details>` : ''}
  <form method="post" action="/console/desk/${thread.reference}/message" id="compose" data-preview="/console/desk/${thread.reference}/preview">
    ${csrf}
    <input type="hidden" name="locale" value="${locale}">
    <div class="field"><label for="t-body">Text</label><textarea id="t-body" name="body" rows="4" maxlength="${MAX_MESSAGE}" required data-count="t-count" data-extra="${preview.size.units}" data-locale="${locale}" aria-describedby="t-count"></textarea>
      <p class="hint" id="t-count" aria-live="polite">0 characters (the reference and the verification line add ${preview.size.units})</p></div>
    <div id="preview" aria-live="polite"></div>
    <div class="actions"><button type="submit" name="kind" value="reply">Send reply</button> <button type="submit" name="kind" value="note">Save as internal note</button></div>
  </form>
</section>
<section aria-labelledby="assign-title" class="card">
  <h2 id="assign-title">Assign or move</h2>
  <form method="post" action="/console/desk/${thread.reference}/assign">
    ${csrf}
    <div class="field"><label for="a-key">Officer</label><select id="a-key" name="keyId"><option value="">Nobody</option>${keys.filter((key) => key.centreCode === null).map((key) => option(String(key.id), `${key.holder} (key ${key.id})`, thread.assignedKeyId === null ? null : String(thread.assignedKeyId)))}</select></div>
    <div class="field"><label for="a-ministry">Ministry</label><select id="a-ministry" name="ministry">${ministries.map((m) => option(m.code, m.name, thread.ministry))}</select></div>
    <div class="field"><label for="a-municipality">Office (municipality)</label><select id="a-municipality" name="municipality"><option value="">Not given</option>${municipalities.map((place) => option(place.code, place.name, thread.municipality))}</select></div>
    <div class="actions"><button type="submit">Save</button></div>
  </form>
</section>
<section aria-labelledby="close-title" class="card">
  <h2 id="close-title">Close</h2>
  <form method="post" action="/console/desk/${thread.reference}/close">
    ${csrf}
    <div class="field"><label for="c-resolution">Resolution (sent to the citizen)</label><textarea id="c-resolution" name="resolution" rows="2" maxlength="${MAX_MESSAGE}" required></textarea></div>
    <div class="actions"><button type="submit" class="danger">Close the thread</button></div>
  </form>
</section>`
}`;
      res.type('html').send(consolePage({ title: `Thread ${reference}`, section: '/console/desk', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  // The live counter: what the citizen would receive, sized as sent (the broadcast compose page's script reads it).
  router.post(
    '/desk/:reference/preview',
    page(async (req: Request, res: Response) => {
      const reference = referenceParam(req);
      const { body, locale } = parseForm(previewSchema, req.body);
      const shown = threads.preview(locale, body.trim(), reference);
      const parts = shown.size.segments;
      res
        .type('html')
        .send(
          html`<p class="hint" data-sent="${locale}" data-units="${shown.size.units}" data-segments="${parts}" data-encoding="${shown.size.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}">As sent: ${parts} SMS ${parts === 1 ? 'part' : 'parts'}${parts > 1 ? ' (shorten it to fit one)' : ''}.</p>`.value,
        );
    }, log),
  );

  router.post(
    '/desk/:reference/message',
    action(
      async (req) => {
        const officer = officerOf(req);
        const reference = referenceParam(req);
        const { body, kind } = parseForm(messageSchema, req.body);
        if (kind === 'note') {
          await threads.note(officer.actor, reference, body);
          return { to: `/console/desk/${reference}`, message: 'Note saved (not sent).' };
        }
        const { delivery } = await threads.reply(officer.actor, reference, body);
        return {
          to: `/console/desk/${reference}`,
          message: delivery.queued ? `Reply sent by ${delivery.channel} (${delivery.parts} SMS ${delivery.parts === 1 ? 'part' : 'parts'} on a phone).` : `Reply saved, but it cannot be sent: ${delivery.reason}.`,
        };
      },
      (req) => `/console/desk/${String(req.params.reference ?? '').replace(/\D/g, '')}`,
      log,
    ),
  );

  router.post(
    '/desk/:reference/assign',
    action(
      async (req) => {
        const officer = officerOf(req);
        const reference = referenceParam(req);
        const change = parseForm(moveSchema, req.body);
        const moved = await threads.assign(officer.actor, reference, { keyId: change.keyId ?? null, ministry: change.ministry, municipality: change.municipality ?? null });
        const away = !isSuperAdmin(officer.actor) && moved.ministry !== officer.actor.ministryCode;
        return { to: away ? '/console/desk' : `/console/desk/${reference}`, message: away ? `Thread ${formatReference(reference)} moved to another ministry.` : 'Saved.' };
      },
      (req) => `/console/desk/${String(req.params.reference ?? '').replace(/\D/g, '')}`,
      log,
    ),
  );

  router.post(
    '/desk/:reference/close',
    action(
      async (req) => {
        const officer = officerOf(req);
        const reference = referenceParam(req);
        const { resolution } = parseForm(closeSchema, req.body);
        const { delivery } = await threads.close(officer.actor, reference, resolution);
        return { to: `/console/desk/${reference}`, message: delivery.queued ? `Closed; the citizen is told by ${delivery.channel}.` : `Closed; the citizen cannot be told: ${delivery.reason}.` };
      },
      (req) => `/console/desk/${String(req.params.reference ?? '').replace(/\D/g, '')}`,
      log,
    ),
  );
}
