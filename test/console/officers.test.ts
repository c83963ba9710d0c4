import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR, keyActor, type Actor } from '../../src/services/access';
import { formatReference, hasValidCheckDigit } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/**
 * What an officer trips over in the console (issue 18, items 5–9), over HTTP: no destructive
 * default on the status form and a confirmation the server enforces; refusals as errors in
 * plain words; a broadcast held by quiet hours says so, Stop is confirmed, a stopped one is not
 * shown as done, receipts are followed after completion; search by reference within scope;
 * key holders, formatted references and readable texts in the audit log; a compose counter
 * that counts what is sent; the citizen's municipality recorded where a dialog learnt it.
 */

/** Ten digits and the check digit that makes them a well-formed reference. */
const withCheckDigit = (body: string) => `${body}${[...Array(10).keys()].find((digit) => hasValidCheckDigit(`${body}${digit}`))}`;

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Quiet hours from an hour before now to the whole hour three hours ahead (Manila has no
 * daylight saving and a whole-hour offset), so they surely hold during the test; the broadcast
 * services and the database read the same clock here.
 */
const NOW = new Date();
const hourUtc = NOW.getUTCHours();
const pad = (hour: number) => String((hour + 48) % 24).padStart(2, '0');
const QUIET = `${pad(hourUtc + 8 - 1)}:00-${pad(hourUtc + 8 + 3)}:00 Asia/Manila`;
const QUIET_END = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate(), hourUtc + 3));
const HELD = `held by quiet hours until ${pad(hourUtc + 8 + 3)}:00 Asia/Manila (${new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Manila', day: 'numeric', month: 'short' }).format(QUIET_END)})`;

describe.each(databaseBackends())('the console for officers, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  const keys = { mssd: '', mssd2: '', moh: '' };
  let citizenId = 0;
  let mssdActor: Actor;
  let reference = '';

  async function signedIn(key: string): Promise<{ agent: TestAgent; csrf: string }> {
    const agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
    const dashboard = await agent.get('/console').expect(200);
    return { agent, csrf: csrfIn(dashboard.text) };
  }

  const statusOf = async (ref: string) => (await db.query<{ status: string }>('SELECT status FROM requests WHERE reference = $1', [ref]))[0].status;
  const setStatus = (ref: string, status: string) => db.query('UPDATE requests SET status = $2 WHERE reference = $1', [ref, status]);

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app } = await startLingkod(db, { BROADCAST_QUIET_HOURS: QUIET, BROADCAST_APPROVAL_THRESHOLD: '100' }, { now: () => new Date() }));
    const make = async (ministryCode: string, holder: string) => (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode, name: holder, holder }, 'cli')).key;
    keys.mssd = await make('mssd', 'Maria Santos');
    keys.mssd2 = await make('mssd', 'Datu Ali');
    keys.moh = await make('moh', 'Nur Hassan');
    const record = await context.admin.apiKeys.authenticate(keys.mssd);
    mssdActor = keyActor(record!.id, 'mssd', undefined, record!.role);
    const citizen = await context.citizens.findOrCreate('sim:+639171250001', 'simulator');
    citizenId = citizen.id;
    await context.citizens.setLocale(citizen.id, 'en');
    ({ reference } = await context.requests.submit({ citizenId, serviceCode: 'mssd-aics', answers: { full_name: 'Bai Salma', household_size: '3', need: 'medical' }, channel: 'simulator' }));
  });
  afterAll(async () => {
    await context.close();
  });

  describe('5. the status form', () => {
    it('preselects nothing after "approved": a blank, required "Choose…" option comes first', async () => {
      await setStatus(reference, 'approved');
      const { agent } = await signedIn(keys.mssd);
      const page = await agent.get(`/console/requests/${reference}`).expect(200);
      const select = /<select id="status"[^>]*>([\s\S]*?)<\/select>/.exec(page.text)?.[0] ?? '';
      expect(select).toMatch(/<select id="status" name="status" required>/);
      expect(select).toMatch(/^<select[^>]*><option value="" selected disabled>Choose the new status…<\/option>/);
      expect(select.match(/ selected/g)).toHaveLength(1);
      expect(select).toContain('<option value="rejected">Rejected (asks to confirm)</option>');
    });

    it('refuses a form sent without a status, in words, changing nothing', async () => {
      await setStatus(reference, 'approved');
      const { agent, csrf } = await signedIn(keys.mssd);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: '' }).expect(303);
      const page = await agent.get(`/console/requests/${reference}`).expect(200);
      expect(page.text).toContain('<p class="flash error" role="alert">Not done: choose the new status first.</p>');
      expect(await statusOf(reference)).toBe('approved');
    });

    it.each(['rejected', 'closed'])('asks to confirm "%s" (a terminal or negative status) on the server before anything changes', async (status) => {
      await setStatus(reference, 'approved');
      const { agent, csrf } = await signedIn(keys.mssd);
      const [{ n: before }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'status'`);
      const ask = await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status, note: 'Sorry <b>no</b>' }).expect(200);
      expect(ask.text).toContain(`<h1>${status === 'rejected' ? 'Reject' : 'Close'} request ${formatReference(reference)}?</h1>`);
      expect(ask.text).toContain('<input type="hidden" name="confirm" value="yes">');
      expect(ask.text).toContain(`<input type="hidden" name="_csrf" value="${csrf}">`);
      expect(ask.text).toContain('value="Sorry &#60;b&#62;no&#60;/b&#62;"');
      expect(ask.text).toContain(`href="/console/requests/${reference}"`);
      expect(await statusOf(reference)).toBe('approved');
      const [{ n: after }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'status'`);
      expect(after).toBe(before);

      // The confirmation still needs the officer's CSRF token.
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ status, confirm: 'yes' }).expect(403);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status, confirm: 'yes' }).expect(303);
      expect(await statusOf(reference)).toBe(status);
    });

    it('asks nothing more for an ordinary next step', async () => {
      await setStatus(reference, 'received');
      const { agent, csrf } = await signedIn(keys.mssd);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'in_review' }).expect(303);
      expect(await statusOf(reference)).toBe('in_review');
    });

    it('gives another ministry\'s officer no confirmation page either: not found, as a request that does not exist', async () => {
      const { agent, csrf } = await signedIn(keys.moh);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'rejected' }).expect(303);
      const page = await agent.get('/console').expect(200);
      expect(page.text).toContain(`No request has the reference ${formatReference(reference)}`);
      expect(page.text).not.toContain('Reject request');
    });
  });

  describe('6. refusals', () => {
    it('shows a refused step back as an error (role="alert"), in an officer\'s words, not the API\'s', async () => {
      await setStatus(reference, 'approved');
      const { agent, csrf } = await signedIn(keys.mssd);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'in_review' }).expect(303);
      const page = await agent.get(`/console/requests/${reference}`).expect(200);
      expect(page.text).toContain(
        '<p class="flash error" role="alert">Not done: “In review” comes before “Approved” in this service’s steps. To move the request back, tick “Allow moving back to an earlier status” and change it again.</p>',
      );
      expect(page.text).not.toContain('allowBackwards:');
      expect(page.text).not.toMatch(/class="flash" role="status">Not done/);
    });

    it('keeps success in the green banner (role="status")', async () => {
      await setStatus(reference, 'approved');
      const { agent, csrf } = await signedIn(keys.mssd);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'in_review', allowBackwards: 'on' }).expect(303);
      const page = await agent.get(`/console/requests/${reference}`).expect(200);
      expect(page.text).toContain('<p class="flash" role="status">Status changed to in review.');
    });

    it('says "already" in words, and a broadcast stopped twice in words', async () => {
      await setStatus(reference, 'in_review');
      const { agent, csrf } = await signedIn(keys.mssd);
      await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'in_review' }).expect(303);
      expect((await agent.get(`/console/requests/${reference}`)).text).toContain('role="alert">Not done: the request is already “In review”. Nothing was changed.</p>');
      const draft = await context.admin.broadcasts.create(mssdActor, { ministryCode: 'mssd', topic: 'scholarships', municipalities: null, channels: null, languages: null, texts: { en: 'Hello' }, defaultLocale: 'en', emergency: false });
      await context.admin.broadcasts.stop(mssdActor, draft.id);
      await agent.post(`/console/broadcasts/${draft.id}/stop`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
      expect((await agent.get(`/console/broadcasts/${draft.id}`)).text).toContain(`role="alert">Not done: broadcast #${draft.id} has already stopped; there is nothing left to stop.</p>`);
    });
  });

  describe('7. broadcasts', () => {
    let id = 0;
    beforeAll(async () => {
      const municipality = (await db.query<{ code: string }>(`SELECT code FROM municipalities ORDER BY code LIMIT 1`))[0].code;
      await context.subscriptions.subscribe(citizenId, 'scholarships', municipality);
      const { agent, csrf } = await signedIn(keys.mssd);
      const sent = await agent.post('/console/broadcasts').type('form').send({ _csrf: csrf, topic: 'scholarships', text_en: 'Forms are ready.' }).expect(303);
      id = Number(/(\d+)$/.exec(sent.headers.location)?.[1]);
      const page = await agent.get(`/console/broadcasts/${id}`).expect(200);
      expect(page.text).toContain(`Broadcast #${id} to 1 recipients is ${HELD}.`);
      expect(page.text).not.toContain('on its way');
    });

    it('shows the true state of a broadcast held by quiet hours, and its next moment, before and after fan-out', async () => {
      const { agent } = await signedIn(keys.mssd);
      for (const stage of ['scheduled', 'fanned out']) {
        if (stage === 'fanned out') expect(await context.admin.broadcasts.fanOutDue()).toBe(1);
        const page = await agent.get(`/console/broadcasts/${id}`).expect(200);
        expect(page.text).toContain(`<span class="badge" id="progress-status">${HELD}</span>`);
        const progress = await agent.get(`/console/broadcasts/${id}/progress`).set('Accept', 'application/json').expect(200);
        expect(progress.body).toEqual(expect.objectContaining({ statusText: HELD, heldUntil: QUIET_END.toISOString(), settled: false }));
      }
    });

    it('asks to confirm Stop on the server, then shows it stopped with what was sent and cancelled, not a full bar', async () => {
      const { agent, csrf } = await signedIn(keys.mssd);
      const ask = await agent.post(`/console/broadcasts/${id}/stop`).type('form').send({ _csrf: csrf }).expect(200);
      expect(ask.text).toContain(`<h1>Stop broadcast #${id}?</h1>`);
      expect(ask.text).toContain('1 message not yet sent will be cancelled');
      expect(ask.text).toContain('<input type="hidden" name="confirm" value="yes">');
      expect((await context.admin.broadcasts.get(CLI_ACTOR, id)).status).toBe('sending');

      await agent.post(`/console/broadcasts/${id}/stop`).type('form').send({ confirm: 'yes' }).expect(403);
      await agent.post(`/console/broadcasts/${id}/stop`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
      const page = await agent.get(`/console/broadcasts/${id}`).expect(200);
      expect(page.text).toContain('<span class="badge stopped" id="progress-status">stopped: 0 sent, 1 cancelled</span>');
      expect(page.text).toMatch(/<progress id="progress-bar" class="stopped" max="1" value="0"/);
      expect(page.text).not.toContain('held by quiet hours');
    });

    it('keeps following a completed broadcast while receipts may still come, and stops once they settle', async () => {
      const draft = await context.admin.broadcasts.create(mssdActor, { ministryCode: 'mssd', topic: 'scholarships', municipalities: null, channels: null, languages: null, texts: { en: 'Urgent' }, defaultLocale: 'en', emergency: true });
      await context.admin.broadcasts.schedule(mssdActor, draft.id);
      await context.admin.broadcasts.fanOutDue();
      await db.query(`UPDATE outbox SET status = 'sent', sent_at = now() WHERE broadcast_id = $1`, [draft.id]);
      await context.admin.broadcasts.completeFinished();
      await db.query(`UPDATE broadcasts SET completed_at = $2 WHERE id = $1`, [draft.id, new Date()]);
      const { agent } = await signedIn(keys.mssd);
      const page = await agent.get(`/console/broadcasts/${draft.id}`).expect(200);
      expect(page.text).toMatch(/id="progress-card" data-progress="[^"]+" data-live="true"/);
      const unsettled = await agent.get(`/console/broadcasts/${draft.id}/progress`).set('Accept', 'application/json').expect(200);
      expect(unsettled.body).toEqual(expect.objectContaining({ status: 'completed', sent: 1, settled: false }));
      expect(unsettled.body.statusText).toBe('completed, waiting for delivery receipts');

      await db.query(`UPDATE outbox SET status = 'delivered' WHERE broadcast_id = $1`, [draft.id]);
      const settled = await agent.get(`/console/broadcasts/${draft.id}/progress`).set('Accept', 'application/json').expect(200);
      expect(settled.body).toEqual(expect.objectContaining({ status: 'completed', delivered: 1, settled: true, statusText: 'completed' }));
      expect((await agent.get(`/console/broadcasts/${draft.id}`)).text).not.toContain('data-live="true"');

      // Receipts that never come are waited for a bounded time only.
      await db.query(`UPDATE outbox SET status = 'sent' WHERE broadcast_id = $1`, [draft.id]);
      await db.query(`UPDATE broadcasts SET completed_at = $2 WHERE id = $1`, [draft.id, new Date(Date.now() - 3 * 3600_000)]);
      const given = await agent.get(`/console/broadcasts/${draft.id}/progress`).set('Accept', 'application/json').expect(200);
      expect(given.body).toEqual(expect.objectContaining({ settled: true }));
    });
  });

  describe('8. reference search, names and texts', () => {
    it.each([
      ['dashed', (ref: string) => formatReference(ref)],
      ['bare', (ref: string) => ref],
    ])('finds a request of the officer\'s ministry by its %s reference', async (_name, typed) => {
      const { agent } = await signedIn(keys.mssd);
      const list = await agent.get('/console/requests').expect(200);
      expect(list.text).toMatch(/<input id="f-reference" name="reference"[^>]*inputmode="numeric"/);
      await agent.get(`/console/requests?reference=${encodeURIComponent(typed(reference))}`).expect(303).expect('Location', `/console/requests/${reference}`);
    });

    it('answers a foreign reference exactly as one that does not exist, and a mistyped one with the reason', async () => {
      const { agent } = await signedIn(keys.moh);
      const foreign = await agent.get(`/console/requests?reference=${formatReference(reference)}`).expect(200);
      expect(foreign.text).toContain(`<p class="error-text" role="alert">No request has the reference ${formatReference(reference)}.</p>`);
      expect(foreign.text).not.toContain(`/console/requests/${reference}"`);
      // One that does not exist reads the same.
      const absent = ['1000000000', '1000000001'].map(withCheckDigit).find((candidate) => candidate !== reference) ?? '';
      const none = await agent.get(`/console/requests?reference=${absent}`).expect(200);
      expect(none.text).toContain(`<p class="error-text" role="alert">No request has the reference ${formatReference(absent)}.</p>`);
      const { agent: mssd } = await signedIn(keys.mssd);
      const mistyped = `${reference.slice(0, 10)}${[...Array(10).keys()].find((digit) => !hasValidCheckDigit(`${reference.slice(0, 10)}${digit}`))}`;
      expect((await mssd.get(`/console/requests?reference=${mistyped}`).expect(200)).text).toContain('role="alert">That reference has a mistake: check the digits.</p>');
      expect((await mssd.get(`/console/requests?reference=${reference}0`).expect(200)).text).toContain('role="alert">A reference has 11 digits, like 4821-7730-953.</p>');
    });

    it('names the key\'s holder in a request\'s history and the audit log, links formatted references, shows broadcast texts per language', async () => {
      const { agent } = await signedIn(keys.mssd);
      const detail = await agent.get(`/console/requests/${reference}`).expect(200);
      expect(detail.text).toMatch(/Maria Santos \(key \d+\)/);
      expect(detail.text).not.toMatch(/· key:\d+/);
      const audit = await agent.get('/console/audit').expect(200);
      expect(audit.text).toMatch(/<td>Maria Santos \(key \d+\)<\/td>/);
      expect(audit.text).not.toMatch(/<td>key:\d+<\/td>/);
      expect(audit.text).toContain(`<a href="/console/requests/${reference}">Request ${formatReference(reference)}</a>`);
      expect(audit.text).toMatch(/<a href="\/console\/broadcasts\/\d+">Broadcast #\d+<\/a>/);
      // By digest: the audit log holds no message content (the text is on the broadcast's page).
      expect(audit.text).toMatch(/<span>Text in English: 16 characters, SHA-256 [0-9a-f]{12}…<\/span>/);
      expect(audit.text).not.toContain('Forms are ready.</span>');
      expect(audit.text).not.toContain('{&#34;en&#34;');
    });

    it('counts in the compose form what is sent: the text with the verification line the outbox appends', async () => {
      const { agent } = await signedIn(keys.mssd);
      const compose = await agent.get('/console/broadcasts/new').expect(200);
      const suffix = context.outbox.asSent('', 'broadcast', 'en');
      expect(suffix.length).toBeGreaterThan(10);
      expect(compose.text).toContain(`data-count="count-en" data-extra="${suffix.length}"`);
      expect(compose.text).toContain(`<p class="hint" id="count-en" aria-live="polite">0 characters (the verification line adds ${suffix.length})</p>`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(compose.text)?.[1] ?? '';
      const preview = await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrf, topic: 'scholarships', text_en: 'x'.repeat(99) }).expect(200);
      expect(preview.text).toContain(`data-sent="en" data-units="${99 + suffix.length}" data-segments="${99 + suffix.length > 160 ? 2 : 1}"`);
    });
  });

  describe('9. municipality', () => {
    it('records the municipality a citizen chose for announcements on their next request, and the console names it', async () => {
      const [place] = await db.query<{ code: string; name: string }>(`SELECT code, name FROM municipalities WHERE name = 'Cotabato City' LIMIT 1`);
      const citizen = await context.citizens.findOrCreate('sim:+639171250002', 'simulator');
      await context.subscriptions.subscribe(citizen.id, 'scholarships', place.code);
      const made = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-pwd-id', answers: { full_name: 'Amina', disability: 'visual' }, channel: 'simulator' });
      const [row] = await db.query<{ municipality_code: string | null }>('SELECT municipality_code FROM requests WHERE reference = $1', [made.reference]);
      expect(row.municipality_code).toBe(place.code);
      const { agent } = await signedIn(keys.mssd);
      const list = await agent.get(`/console/requests?municipality=${place.code}`).expect(200);
      expect(list.text).toContain(formatReference(made.reference));
      expect(list.text).toContain('<td>Cotabato City</td>');
      // A form's own answer wins over the remembered place.
      const own = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-relief', answers: { household_size: '4', municipality: 'bas-lamitan' }, channel: 'simulator' });
      expect((await db.query<{ m: string }>('SELECT municipality_code AS m FROM requests WHERE reference = $1', [own.reference]))[0].m).toBe('bas-lamitan');
    });
  });
});
