import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { channelName, code, locale } from '../api/schemas';
import { SUPPORTED_LOCALES } from '../config';
import { html, type SafeHtml } from '../http/html';
import type { Logger } from '../log';
import { isSuperAdmin, type Actor } from '../services/access';
import type { Broadcast, BroadcastInput, BroadcastPreview, BroadcastProgress, BroadcastStatus } from '../services/broadcasts';
import { pick } from '../services/localized';
import type { ConsoleContext } from '.';
import { progressBar } from './charts';
import { httpStatusOf } from '../http/errors';
import { action, FormError, page, reasonOf } from './errors';
import { consolePage, formatMoment, LANGUAGE_NAMES } from './layout';
import { nameLookup, type NamedCode } from './names';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';

/** Broadcasts shown per page of the list. */
const PAGE_SIZE = 25;

/** A form field that may come once (a string) or several times (an array), as a list. */
const many = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]), z.array(item).max(500));

/** The compose form, as the browser sends it (`text_en`, `text_fil`, …; empty lists mean "all"). */
const composeSchema = z.object({
  ministry: z.preprocess((value) => (value === '' ? undefined : value), code.optional()),
  topic: code,
  municipalities: many(code),
  channels: many(channelName),
  languages: many(locale),
  emergency: z.preprocess((value) => value === 'on', z.boolean()),
  ...Object.fromEntries(SUPPORTED_LOCALES.map((name) => [`text_${name}`, z.string().trim().max(1600).default('')])),
});

export const idParam = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/** The broadcast the form describes, for the officer's ministry (a super-admin names one). */
function inputOf(body: unknown, actor: Actor, defaultLocale: string): BroadcastInput {
  const form = parseForm(composeSchema, body);
  const ministryCode = form.ministry ?? actor.ministryCode;
  if (!ministryCode) throw new FormError('Choose the ministry the broadcast is from.');
  const texts: Record<string, string> = {};
  for (const name of SUPPORTED_LOCALES) {
    const value = (form as Record<string, unknown>)[`text_${name}`];
    if (typeof value === 'string' && value !== '') texts[name] = value;
  }
  if (!texts[defaultLocale]) throw new FormError(`Write the ${LANGUAGE_NAMES[defaultLocale] ?? defaultLocale} text: citizens whose language has no text get it.`);
  return {
    ministryCode,
    topic: form.topic,
    municipalities: form.municipalities.length > 0 ? form.municipalities : null,
    channels: form.channels.length > 0 ? form.channels : null,
    languages: form.languages.length > 0 ? form.languages : null,
    texts,
    defaultLocale,
    emergency: form.emergency,
  };
}

/** Seconds as people say them: `45 s`, `3 min`, `2 h 5 min`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const pesos = (amount: number) => `PHP ${amount.toFixed(2)}`;

/** The preview as a fragment: shown on the compose page (live) and on a draft's page. */
function previewFragment(preview: BroadcastPreview, timeZone: string): SafeHtml {
  return html`<dl class="facts">
  <dt>Recipients</dt><dd data-recipients="${preview.recipients}">${preview.recipients}${preview.notReached > 0 ? html` (${preview.notReached} more follow the topic but cannot be reached on these channels)` : ''}</dd>
  <dt>Estimated cost</dt><dd>${pesos(preview.costPhp)}</dd>
  <dt>Time to send</dt><dd>${duration(preview.estimatedSeconds)}</dd>
  <dt>Starts</dt><dd>${preview.heldByQuietHours ? `held by quiet hours until ${formatMoment(preview.startsAt, timeZone)}` : 'as soon as it is sent'}</dd>
  <dt>Approval</dt><dd>${preview.needsApproval ? `needed: more than ${preview.approvalThreshold} recipients, so a second person must approve` : 'not needed'}</dd>
</dl>
${
  preview.channels.length > 0
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Recipients per channel"><table>
  <caption>Per channel</caption>
  <thead><tr><th scope="col">Channel</th><th scope="col">Recipients</th><th scope="col">Rate</th><th scope="col">Cost</th><th scope="col">Time</th></tr></thead>
  <tbody>${preview.channels.map((channel) => html`<tr><th scope="row">${channel.channel}</th><td>${channel.recipients}</td><td>${channel.ratePerSecond}/s</td><td>${pesos(channel.costPhp)}</td><td>${duration(channel.seconds)}</td></tr>`)}</tbody>
</table></div>`
    : ''
}
<div class="table-wrap" tabindex="0" role="region" aria-label="Text per language"><table>
  <caption>Per language</caption>
  <thead><tr><th scope="col">Language</th><th scope="col">Recipients</th><th scope="col">Text sent</th><th scope="col">Encoding</th><th scope="col">Length</th><th scope="col">SMS parts</th></tr></thead>
  <tbody>${preview.locales.map(
    (row) =>
      html`<tr${row.locale === row.textLocale ? html` data-sent="${row.locale}" data-units="${row.sms.units}" data-segments="${row.sms.segments}" data-encoding="${row.sms.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}"` : ''}><th scope="row">${LANGUAGE_NAMES[row.locale] ?? row.locale}</th><td>${row.recipients}</td><td>${LANGUAGE_NAMES[row.textLocale] ?? row.textLocale}</td><td>${row.sms.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}</td><td>${row.sms.units}</td><td data-segments="${row.locale}">${row.sms.segments}</td></tr>`,
  )}</tbody>
</table></div>
<p class="hint">Lengths are of the message as sent, with the verification line the outbox adds. One SMS holds 160 GSM-7 or 70 UCS-2 characters; a longer text goes in parts of 153 or 67.</p>`;
}

/** What a broadcast's status means to an officer. */
const STATUS_TEXT: Record<BroadcastStatus, string> = {
  draft: 'draft',
  pending_approval: 'waiting for approval',
  scheduled: 'scheduled',
  sending: 'sending',
  completed: 'completed',
  stopped: 'stopped',
};

/** A moment as officers plan around it: `07:00 Asia/Manila (29 Nov)`. */
export function clockIn(at: Date, timeZone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(at);
  return `${time} ${timeZone} (${day})`;
}

/**
 * Where a broadcast truly stands and its next moment: held by quiet hours until when; stopped
 * with what went out and what was cancelled; completed while receipts are still followed.
 */
export function stateText(progress: BroadcastProgress, timeZone: string): string {
  if (progress.heldUntil) return `held by quiet hours until ${clockIn(progress.heldUntil, timeZone)}`;
  if (progress.status === 'stopped') return `stopped: ${progress.sent + progress.delivered} sent, ${progress.cancelled} cancelled`;
  if (progress.status === 'completed' && !progress.settled) return 'completed, waiting for delivery receipts';
  return STATUS_TEXT[progress.status];
}

/** Messages that went out (sent, delivered or failed at the provider): what the progress bar fills with. */
const goneOut = (progress: BroadcastProgress) => progress.sent + progress.delivered + progress.failed;

/** The compose form's fields: audience, texts, emergency. */
function composeFields(context: {
  topics: NamedCode[];
  municipalities: NamedCode[];
  ministries: NamedCode[];
  channels: readonly string[];
  /** What the outbox appends to the text in each language (the verification line), counted as sent. */
  appended: (locale: string) => string;
}): SafeHtml {
  return html`${
    context.ministries.length > 0
      ? html`<div class="field"><label for="b-ministry">Ministry</label><select id="b-ministry" name="ministry" required>${context.ministries.map((ministry) => html`<option value="${ministry.code}">${ministry.name}</option>`)}</select></div>`
      : ''
  }
<div class="field"><label for="b-topic">Topic</label><select id="b-topic" name="topic" required>${context.topics.map((topic) => html`<option value="${topic.code}">${topic.name}</option>`)}</select>
  <p class="hint">Everyone who follows this topic receives it, unless you narrow it down below.</p></div>
<div class="field"><label for="b-municipalities">Only these municipalities (none chosen: all)</label>
  <select id="b-municipalities" name="municipalities" multiple size="6">${context.municipalities.map((place) => html`<option value="${place.code}">${place.name}</option>`)}</select></div>
<fieldset><legend>Only these channels (none ticked: all)</legend>${context.channels.map(
    (channel) => html`<div class="check"><input type="checkbox" id="b-channel-${channel}" name="channels" value="${channel}"><label for="b-channel-${channel}">${channel}</label></div>`,
  )}</fieldset>
<fieldset><legend>Only these languages (none ticked: all)</legend>${SUPPORTED_LOCALES.map(
    (name) => html`<div class="check"><input type="checkbox" id="b-language-${name}" name="languages" value="${name}"><label for="b-language-${name}">${LANGUAGE_NAMES[name]}</label></div>`,
  )}</fieldset>
${SUPPORTED_LOCALES.map(
  (name) =>
    html`<div class="field"><label for="b-text-${name}">Text in ${LANGUAGE_NAMES[name]}</label><textarea id="b-text-${name}" name="text_${name}" rows="3" maxlength="1600" data-count="count-${name}" data-extra="${context.appended(name).length}" data-locale="${name}" aria-describedby="count-${name}"></textarea>
  <p class="hint" id="count-${name}" aria-live="polite">0 characters (the verification line adds ${context.appended(name).length})</p></div>`,
)}
<div class="field check"><input type="checkbox" id="b-emergency" name="emergency"><label for="b-emergency">Emergency: send now even in quiet hours, ahead of other broadcasts</label></div>`;
}

/** Broadcasts: list, compose with a live preview, a broadcast's page with its progress, and the actions. */
export function broadcastRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, names, timeZone } = context;
  const defaultLocale = admin.config.DEFAULT_LOCALE;

  async function ministriesFor(actor: Actor): Promise<NamedCode[]> {
    if (!isSuperAdmin(actor)) return [];
    return (await admin.ministries.list(actor)).map((ministry) => ({ code: ministry.code, name: pick(ministry.name, 'en') }));
  }

  router.get(
    '/broadcasts',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const before = parseForm(z.object({ before: z.coerce.number().int().min(1).optional() }), req.query).before;
      const [result, topics] = await Promise.all([admin.broadcasts.list(officer.actor, { limit: PAGE_SIZE, before }), names.topics()]);
      const topicName = nameLookup(topics);
      const body = html`<h1>Broadcasts</h1>
<p><a class="button" href="/console/broadcasts/new">New broadcast</a></p>
${
  result.items.length === 0
    ? html`<p>No broadcasts yet.</p>`
    : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Broadcasts"><table>
  <caption class="visually-hidden">Broadcasts, newest first</caption>
  <thead><tr><th scope="col">Broadcast</th><th scope="col">Topic</th><th scope="col">Status</th><th scope="col">Recipients</th><th scope="col">Drafted</th></tr></thead>
  <tbody>${result.items.map(
    (item) =>
      html`<tr><td><a href="/console/broadcasts/${item.id}">#${item.id}${item.emergency ? ' (emergency)' : ''}</a></td><td>${topicName(item.topic)}</td><td><span class="badge">${STATUS_TEXT[item.status]}</span></td><td>${item.recipients ?? '–'}</td><td>${formatMoment(item.createdAt, timeZone)}</td></tr>`,
  )}</tbody>
</table></div>`
}
${result.nextCursor ? html`<p><a href="/console/broadcasts?before=${result.nextCursor}">Older broadcasts</a></p>` : ''}`;
      res.type('html').send(consolePage({ title: 'Broadcasts', section: '/console/broadcasts', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get(
    '/broadcasts/new',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const [topics, municipalities, ministries] = await Promise.all([names.topics(), names.municipalities(), ministriesFor(officer.actor)]);
      const body = html`<p><a href="/console/broadcasts">← All broadcasts</a></p>
<h1>New broadcast</h1>
<div class="compose">
  <form method="post" action="/console/broadcasts" id="compose" class="card" data-preview="/console/broadcasts/preview">
    <input type="hidden" name="_csrf" value="${officer.csrf}">
    ${composeFields({ topics, municipalities, ministries, channels: context.sendingChannels, appended: (locale) => admin.broadcasts.appendedTo(locale) })}
    <button type="submit">Send broadcast</button>
    <p class="hint">Large broadcasts wait for a second officer's approval before they go out.</p>
  </form>
  <section class="card preview" aria-labelledby="preview-title">
    <h2 id="preview-title">Preview</h2>
    <div id="preview" aria-live="polite"><p class="hint">Write the text to see who receives it, the SMS parts, the cost and the time it takes.</p></div>
  </section>
</div>`;
      res.type('html').send(consolePage({ title: 'New broadcast', section: '/console/broadcasts', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  // The live preview: the compose form as it stands, previewed without saving anything.
  router.post('/broadcasts/preview', async (req: Request, res: Response) => {
    const officer = officerOf(req);
    try {
      const preview = await admin.broadcasts.previewDraft(officer.actor, inputOf(req.body, officer.actor, defaultLocale));
      res.type('html').send(previewFragment(preview, timeZone).value);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 500) log.error({ err: error }, 'broadcast preview failed');
      res.status(status).type('html').send(html`<p class="error-text">${reasonOf(error, status)}</p>`.value);
    }
  });

  router.post(
    '/broadcasts',
    action(
      async (req) => {
        const officer = officerOf(req);
        const draft = await admin.broadcasts.create(officer.actor, inputOf(req.body, officer.actor, defaultLocale));
        const scheduled = await admin.broadcasts.schedule(officer.actor, draft.id);
        const { heldUntil } = await admin.broadcasts.progress(officer.actor, draft.id);
        const held = heldUntil ? `held by quiet hours until ${clockIn(heldUntil, timeZone)}` : undefined;
        const message =
          scheduled.status === 'pending_approval'
            ? `Broadcast #${draft.id} to ${scheduled.recipients} recipients is waiting for a second officer's approval${held ? `; once approved it is ${held}` : ''}.`
            : `Broadcast #${draft.id} to ${scheduled.recipients} recipients ${held ? `is ${held}` : 'is on its way'}.`;
        return { to: `/console/broadcasts/${draft.id}`, message };
      },
      () => '/console/broadcasts/new',
      log,
    ),
  );

  router.get(
    '/broadcasts/:id',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { id } = parseForm(idParam, req.params);
      const broadcast = await admin.broadcasts.get(officer.actor, id);
      const [progress, topics, municipalities] = await Promise.all([admin.broadcasts.progress(officer.actor, id), names.topics(), names.municipalities()]);
      const started = broadcast.status === 'sending' || broadcast.status === 'completed' || broadcast.status === 'stopped';
      const preview = started ? undefined : await admin.broadcasts.preview(officer.actor, id);
      const total = progress.recipients ?? preview?.recipients ?? 0;
      // Followed while it may still move: until it finished and its receipts settled.
      const live = broadcast.status === 'scheduled' || broadcast.status === 'sending' || broadcast.status === 'pending_approval' || (started && !progress.settled);
      const actorName = await names.actors([`key:${broadcast.createdBy}`, ...(broadcast.approvedBy !== null ? [`key:${broadcast.approvedBy}`] : [])]);
      const form = (path: string, label: string, kind = '') =>
        html`<form method="post" action="/console/broadcasts/${id}/${path}" class="inline"><input type="hidden" name="_csrf" value="${officer.csrf}"><button type="submit" class="${kind}">${label}</button></form>`;
      const body = html`<p><a href="/console/broadcasts">← All broadcasts</a></p>
<h1>Broadcast #${id}${broadcast.emergency ? ' (emergency)' : ''}</h1>
${audienceFacts(broadcast, nameLookup(topics), nameLookup(municipalities), actorName, timeZone)}
<section aria-labelledby="progress-title" class="card" id="progress-card" data-progress="/console/broadcasts/${id}/progress"${live ? html` data-live="true"` : ''}>
  <h2 id="progress-title">Progress</h2>
  <p>Status: <span class="badge${broadcast.status === 'stopped' ? ' stopped' : ''}" id="progress-status">${stateText(progress, timeZone)}</span></p>
  ${progressBar('progress-bar', goneOut(progress), total, broadcast.status === 'stopped')}
  <ul class="counts" id="progress-counts">
    <li>Waiting: <span data-count="queued">${progress.queued}</span></li>
    <li>Sent: <span data-count="sent">${progress.sent}</span></li>
    <li>Delivered: <span data-count="delivered">${progress.delivered}</span></li>
    <li>Failed: <span data-count="failed">${progress.failed}</span></li>
    <li>Cancelled: <span data-count="cancelled">${progress.cancelled}</span></li>
  </ul>
  ${broadcast.status !== 'draft' && broadcast.status !== 'pending_approval' ? html`<p><a href="/console/broadcasts/${id}/delivery">Delivery per route, reasons and unreachable phones</a></p>` : ''}
  <div class="actions">
    ${broadcast.status === 'draft' ? form('schedule', 'Send now') : ''}
    ${broadcast.status === 'pending_approval' ? form('approve', 'Approve') : ''}
    ${broadcast.status !== 'completed' && broadcast.status !== 'stopped' ? form('stop', 'Stop', 'danger') : ''}
  </div>
</section>
<section aria-labelledby="texts-title">
  <h2 id="texts-title">Text</h2>
  <dl class="facts">${Object.entries(broadcast.texts).map(([name, text]) => html`<dt>${LANGUAGE_NAMES[name] ?? name}</dt><dd class="message">${text}</dd>`)}</dl>
</section>
${preview ? html`<section aria-labelledby="preview-title" class="card preview"><h2 id="preview-title">Preview</h2>${previewFragment(preview, timeZone)}</section>` : ''}`;
      res.type('html').send(consolePage({ title: `Broadcast #${id}`, section: '/console/broadcasts', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get('/broadcasts/:id/progress', async (req: Request, res: Response) => {
    const officer = officerOf(req);
    try {
      const { id } = parseForm(idParam, req.params);
      const progress = await admin.broadcasts.progress(officer.actor, id);
      res.json({ ...progress, statusText: stateText(progress, timeZone) });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 500) log.error({ err: error }, 'broadcast progress failed');
      res.status(status).json({ error: reasonOf(error, status) });
    }
  });

  const broadcastAction = (path: string, run: (actor: Actor, id: number) => Promise<string>) =>
    router.post(
      `/broadcasts/:id/${path}`,
      action(
        async (req) => {
          const { id } = parseForm(idParam, req.params);
          return { to: `/console/broadcasts/${id}`, message: await run(officerOf(req).actor, id) };
        },
        (req) => `/console/broadcasts/${String(req.params.id ?? '').replace(/\D/g, '')}`,
        log,
      ),
    );
  broadcastAction('schedule', async (actor, id) => {
    const scheduled = await admin.broadcasts.schedule(actor, id);
    return scheduled.status === 'pending_approval' ? 'Waiting for a second officer’s approval.' : 'Scheduled: it goes out now.';
  });
  broadcastAction('approve', async (actor, id) => {
    await admin.broadcasts.approve(actor, id);
    return 'Approved: it goes out now.';
  });
  // Stop is asked again on a page of its own; the server stops only a form with confirm=yes.
  const stop = action(
    async (req) => {
      const { id } = parseForm(idParam, req.params);
      const { cancelled } = await admin.broadcasts.stop(officerOf(req).actor, id);
      return { to: `/console/broadcasts/${id}`, message: `Stopped. ${cancelled} messages that had not gone out were cancelled.` };
    },
    (req) => `/console/broadcasts/${String(req.params.id ?? '').replace(/\D/g, '')}`,
    log,
  );
  router.post(
    '/broadcasts/:id/stop',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { id } = parseForm(idParam, req.params);
      if (req.body?.confirm === 'yes') {
        await stop(req, res, () => undefined);
        return;
      }
      const progress = await admin.broadcasts.progress(officer.actor, id).catch(() => undefined);
      if (!progress || progress.status === 'completed' || progress.status === 'stopped') {
        await stop(req, res, () => undefined);
        return;
      }
      const what =
        progress.status === 'sending'
          ? `${progress.queued} ${progress.queued === 1 ? 'message' : 'messages'} not yet sent will be cancelled; the ${goneOut(progress)} already sent cannot be called back.`
          : `It will not go out to its ${progress.recipients ?? 0} recipients.`;
      const body = html`<p><a href="/console/broadcasts/${id}">← Broadcast #${id}</a></p>
<h1>Stop broadcast #${id}?</h1>
<section class="card confirm" aria-labelledby="confirm-title">
  <h2 id="confirm-title">Now: ${stateText(progress, timeZone)}</h2>
  <p>${what} A stopped broadcast cannot be started again.</p>
  <form method="post" action="/console/broadcasts/${id}/stop">
    <input type="hidden" name="_csrf" value="${officer.csrf}">
    <input type="hidden" name="confirm" value="yes">
    <div class="actions"><button type="submit" class="danger">Yes, stop it</button> <a href="/console/broadcasts/${id}">No, keep it going</a></div>
  </form>
</section>`;
      res.type('html').send(consolePage({ title: `Stop broadcast #${id}?`, section: '/console/broadcasts', officer, body }));
    }, log),
  );
}

/** Who a broadcast is for, and when it was drafted, scheduled and approved. */
function audienceFacts(broadcast: Broadcast, topic: (code: string) => string, municipality: (code: string) => string, actor: (label: string) => string, timeZone: string): SafeHtml {
  return html`<dl class="facts">
  <dt>Topic</dt><dd>${topic(broadcast.topic)}</dd>
  <dt>Municipalities</dt><dd>${broadcast.municipalities ? broadcast.municipalities.map(municipality).join(', ') : 'all'}</dd>
  <dt>Channels</dt><dd>${broadcast.channels ? broadcast.channels.join(', ') : 'all'}</dd>
  <dt>Languages</dt><dd>${broadcast.languages ? broadcast.languages.map((name) => LANGUAGE_NAMES[name] ?? name).join(', ') : 'all'}</dd>
  <dt>Drafted</dt><dd>${formatMoment(broadcast.createdAt, timeZone)} by ${actor(`key:${broadcast.createdBy}`)}</dd>
  ${broadcast.approvedBy !== null ? html`<dt>Approved</dt><dd>by ${actor(`key:${broadcast.approvedBy}`)}</dd>` : ''}
</dl>`;
}

