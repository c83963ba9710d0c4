import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR } from '../../src/services/access';
import { formatReference, hasValidCheckDigit } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { LogCapture, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/** An 11-digit reference whose check digit is wrong. */
const MISTYPED = `1234567890${[...Array(10).keys()].find((digit) => !hasValidCheckDigit(`1234567890${digit}`))}`;

/** The _csrf value of the first form on a page. */
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe.each(databaseBackends())('the ministries console over HTTP, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  const keys: Record<'mssd' | 'mssd2' | 'moh' | 'admin', string> = { mssd: '', mssd2: '', moh: '', admin: '' };
  let reference = '';

  /** A browser-like session signed in with `key` (cookies kept between requests). */
  async function signedIn(key: string): Promise<{ agent: TestAgent; csrf: string }> {
    const agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303).expect('Location', '/console');
    const dashboard = await agent.get('/console').expect(200);
    return { agent, csrf: csrfIn(dashboard.text) };
  }

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db, { BROADCAST_QUIET_HOURS: 'off', BROADCAST_APPROVAL_THRESHOLD: '0' }));
    const make = async (ministryCode: string | null, name: string) => (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode, name, holder: name }, 'cli')).key;
    keys.mssd = await make('mssd', 'MSSD officer');
    keys.mssd2 = await make('mssd', 'MSSD approver');
    keys.moh = await make('moh', 'MOH officer');
    keys.admin = await make(null, 'Region admin');
    const citizen = await context.citizens.findOrCreate('sim:+639171240001', 'simulator');
    await context.citizens.setLocale(citizen.id, 'en');
    ({ reference } = await context.requests.submit({
      citizenId: citizen.id,
      serviceCode: 'mssd-aics',
      answers: { full_name: 'Bai <b>Salma</b>', household_size: '3', need: 'medical' },
      channel: 'simulator',
    }));
    await context.subscriptions.subscribe(citizen.id, 'scholarships', (await db.query<{ code: string }>('SELECT code FROM municipalities LIMIT 1'))[0].code);
  });
  afterAll(async () => {
    await context.close();
  });

  it('sends a visitor without a key to the sign-in form, and refuses their JSON requests with 401', async () => {
    await request(app).get('/console/requests').set('Accept', 'text/html').expect(303).expect('Location', '/console/login');
    await request(app).get('/console/broadcasts/1/progress').set('Accept', 'application/json').expect(401);
  });

  it('signs in only with a known key and a valid form token, and keeps a session (not the key) in an HttpOnly, SameSite=Strict cookie', async () => {
    const agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ key: keys.mssd }).expect(403);
    const again = await agent.get('/console/login');
    const refused = await agent.post('/console/login').type('form').send({ _csrf: csrfIn(again.text), key: 'lk_not-a-key' }).expect(401);
    expect(refused.text).toContain('That key is unknown or has been revoked.');
    const fresh = await agent.get('/console/login');
    const accepted = await agent.post('/console/login').type('form').send({ _csrf: csrfIn(fresh.text), key: keys.mssd }).expect(303);
    const cookie = (accepted.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('lingkod_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toContain(encodeURIComponent(keys.mssd));
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(form.text).not.toContain(keys.mssd);
  });

  it('serves pages under a CSP that allows only this origin, never framed, never cached', async () => {
    const { agent } = await signedIn(keys.mssd);
    const page = await agent.get('/console/requests').expect(200);
    const csp = page.headers['content-security-policy'];
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|http:/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.text).not.toMatch(/<script>|<style|style="|https?:\/\//);
  });

  it('refuses a form posted without the officer\'s CSRF token, or with another officer\'s', async () => {
    const { agent } = await signedIn(keys.mssd);
    const other = await signedIn(keys.mssd2);
    await agent.post(`/console/requests/${reference}/status`).type('form').send({ status: 'in_review' }).expect(403);
    await agent.post(`/console/requests/${reference}/status`).type('form').send({ status: 'in_review', _csrf: other.csrf }).expect(403);
    const [row] = await db.query<{ status: string }>('SELECT status FROM requests WHERE reference = $1', [reference]);
    expect(row.status).toBe('received');
  });

  it('shows an officer their ministry\'s request with its answers, escaped, and moves it on with a note, audited and notified', async () => {
    const { agent, csrf } = await signedIn(keys.mssd);
    const list = await agent.get('/console/requests?status=received').expect(200);
    expect(list.text).toContain(`/console/requests/${reference}`);
    const detail = await agent.get(`/console/requests/${reference}`).expect(200);
    expect(detail.text).toContain('Bai &#60;b&#62;Salma&#60;/b&#62;');
    expect(detail.text).not.toContain('<b>Salma</b>');

    const moved = await agent
      .post(`/console/requests/${reference}/status`)
      .type('form')
      .send({ _csrf: csrf, status: 'in_review', note: 'Bring <your> ID' })
      .expect(303)
      .expect('Location', `/console/requests/${reference}`);
    expect(moved.headers['set-cookie']?.toString()).toContain('lingkod_flash=');
    const after = await agent.get(`/console/requests/${reference}`).expect(200);
    expect(after.text).toContain('Status changed to in review. The citizen will be told by simulator.');
    expect(after.text).toContain('Bring &#60;your&#62; ID');

    const [audit] = await db.query<{ actor: string; action: string }>(`SELECT actor, action FROM audit_log WHERE target = $1`, [`request:${reference}`]);
    expect(audit).toEqual({ actor: expect.stringMatching(/^key:\d+$/), action: 'request.status' });
    const [message] = await db.query<{ channel: string; address: string; kind: string }>(`SELECT channel, address, kind FROM outbox WHERE kind = 'status'`);
    expect(message).toEqual({ channel: 'simulator', address: 'sim:+639171240001', kind: 'status' });
  });

  it('gives another ministry\'s officer neither the request nor its status change, as the REST API does', async () => {
    const { agent, csrf } = await signedIn(keys.moh);
    const list = await agent.get('/console/requests').expect(200);
    expect(list.text).not.toContain(reference);
    // Not found, as a reference that does not exist: the officer does not learn that it is real.
    const detail = await agent.get(`/console/requests/${reference}`).expect(404);
    expect(detail.text).toContain(`No request has the reference ${formatReference(reference)}.`);
    expect(detail.text).not.toContain('Salma');
    await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'approved' }).expect(303);
    const back = await agent.get('/console').expect(200);
    expect(back.text).toContain(`Not done: No request has the reference ${formatReference(reference)}.`);
    const api = await request(app).get(`/api/v1/requests/${reference}`).set('Authorization', `Bearer ${keys.moh}`);
    expect(api.status).toBe(404);
  });

  it('signs out a revoked key at its next request', async () => {
    const revocable = await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'Temporary', holder: 'Temporary officer' }, 'cli');
    const { agent } = await signedIn(revocable.key);
    await context.admin.apiKeys.revoke(CLI_ACTOR, revocable.record.id);
    await agent.get('/console').set('Accept', 'text/html').expect(303).expect('Location', '/console/login');
  });

  it('previews a broadcast as it is written without saving anything, then drafts, schedules and approves it with two keys', async () => {
    const { agent, csrf } = await signedIn(keys.mssd);
    const [{ n: before }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM broadcasts');
    const form = { _csrf: csrf, topic: 'scholarships', text_en: 'Forms are ready.', text_bn: 'ফর্ম প্রস্তুত।' };
    const preview = await agent.post('/console/broadcasts/preview').type('form').send(form).expect(200);
    expect(preview.text).toContain('data-recipients="1"');
    expect(preview.text).toMatch(/<td>UCS-2<\/td><td>\d+<\/td><td data-segments="bn">1<\/td>/);
    const [{ n: after }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM broadcasts');
    expect(after).toBe(before);

    const missing = await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrf, topic: 'scholarships', text_fil: 'Handa na.' }).expect(400);
    expect(missing.text).toContain('Write the English text');
    // A link would have the telcos block the SMS: the live preview says so, in an officer's words.
    const linked = await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrf, topic: 'scholarships', text_en: 'Forms at scholarships.gov.ph/apply' }).expect(400);
    expect(linked.text).toContain('the English text contains a link (scholarships.gov.ph/apply). Phone companies in the Philippines block SMS with links');

    const sent = await agent.post('/console/broadcasts').type('form').send(form).expect(303);
    const id = /\/console\/broadcasts\/(\d+)$/.exec(sent.headers.location)?.[1];
    expect(id).toBeDefined();
    const page = await agent.get(`/console/broadcasts/${id}`).expect(200);
    expect(page.text).toContain('waiting for approval');
    await agent.post(`/console/broadcasts/${id}/approve`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await agent.get(`/console/broadcasts/${id}`)).text).toContain('Not done: a second person must approve');

    const second = await signedIn(keys.mssd2);
    await second.agent.post(`/console/broadcasts/${id}/approve`).type('form').send({ _csrf: second.csrf }).expect(303);
    const progress = await second.agent.get(`/console/broadcasts/${id}/progress`).set('Accept', 'application/json').expect(200);
    expect(progress.body).toEqual(expect.objectContaining({ status: 'scheduled', statusText: 'scheduled' }));
    const other = await signedIn(keys.moh);
    await other.agent.get(`/console/broadcasts/${id}/progress`).set('Accept', 'application/json').expect(404);
  });

  it('charts requests per service and municipality on the dashboard, scoped to the officer\'s ministry', async () => {
    const mssd = await signedIn(keys.mssd);
    const dashboard = await mssd.agent.get('/console?days=7').expect(200);
    expect(dashboard.text).toMatch(/<svg viewBox="0 0 640 220" role="img" aria-label="Requests per service per day: 1 requests in 7 days"/);
    expect(dashboard.text).toContain('Crisis assistance (AICS) (1)');
    const moh = await signedIn(keys.moh);
    expect((await moh.agent.get('/console?days=7').expect(200)).text).toContain('Requests per service per day: 0 requests in 7 days');
    const admin = await signedIn(keys.admin);
    expect((await admin.agent.get('/console?days=7&ministry=mssd').expect(200)).text).toContain('Requests per service per day: 1 requests in 7 days');
  });

  it('lists the audit log for the officer\'s ministry only', async () => {
    const mssd = await signedIn(keys.mssd);
    const log = await mssd.agent.get('/console/audit?action=request.status').expect(200);
    expect(log.text).toContain(`<a href="/console/requests/${reference}">Request ${formatReference(reference)}</a>`);
    const moh = await signedIn(keys.moh);
    expect((await moh.agent.get('/console/audit').expect(200)).text).not.toContain(formatReference(reference));
  });

  it.each([
    ['a filter that is not a code', '/console/requests?status=DROP%20TABLE', 400, 'Check status'],
    ['a mistyped reference', `/console/requests/${MISTYPED}`, 400, 'That reference has a mistake'],
    ['a broadcast that does not exist', '/console/broadcasts/999999', 404, 'There is no broadcast #999999.'],
    ['a dashboard period not offered', '/console?days=3650', 400, 'Check days'],
  ])('answers %s with a page that says why (%s)', async (_name, path, status, reason) => {
    const { agent } = await signedIn(keys.mssd);
    const response = await agent.get(path).expect(status);
    expect(response.text).toContain(reason);
    expect(response.text).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  it('stops checking keys for a client after 20 refused sign-ins in 15 minutes, whatever X-Forwarded-For it claims, while other clients sign in', async () => {
    const attempt = async (key: string, forwarded?: string) => {
      const agent = request.agent(app);
      const form = await agent.get('/console/login');
      const post = agent.post('/console/login');
      if (forwarded) post.set('X-Forwarded-For', forwarded);
      return post.type('form').send({ _csrf: csrfIn(form.text), key });
    };
    // Without TRUST_PROXY (the default) the client is the socket's address: a made-up header changes nothing.
    const trusted: unknown = app.get('trust proxy');
    app.set('trust proxy', false);
    try {
      // Each guess claims another address; the refused sign-in of an earlier test counted too, so 429 comes within 20.
      const statuses: number[] = [];
      while (statuses.length < 25 && statuses.at(-1) !== 429) statuses.push((await attempt(`lk_guess-${statuses.length}`, `198.51.100.${statuses.length}`)).status);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.length).toBeLessThanOrEqual(20);
      expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
      const stopped = await attempt(keys.mssd, '203.0.113.99');
      expect(stopped.status).toBe(429);
      expect(stopped.headers['retry-after']).toBe('900');
      expect(stopped.text).toContain('Too many refused sign-ins from here. Please wait 15 minutes');
      // The API's refused keys and the console's sign-ins are one count: the API refuses this client too.
      expect((await request(app).get('/api/v1/ministries').set('Authorization', `Bearer ${keys.mssd}`)).status).toBe(429);
      // Behind a proxy Lingkod is told to trust, the forwarded address is the client: another one signs in.
      app.set('trust proxy', 'loopback');
      expect((await attempt(keys.mssd, '203.0.113.8')).status).toBe(303);
    } finally {
      app.set('trust proxy', trusted);
    }
  });

  it('never logs a key, a phone number or a citizen\'s answer', () => {
    const all = logs.lines.join('\n');
    for (const key of Object.values(keys)) expect(all).not.toContain(key);
    expect(all).not.toContain('9171240001');
    expect(all).not.toContain('Salma');
  });
});
