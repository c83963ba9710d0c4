import request from 'supertest';
import { apiRoutes } from '../../src/api';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer } from '../support/api';
import { databaseBackends } from '../support/stores';
import { LAMITAN, MARAWI, startCentres, type CentreHarness } from './support';

/**
 * Service centres through the REST API: centre keys (made by a super-admin or the centre's
 * ministry), filing a request for a citizen, what each key may list, the 24-hour expiry, and
 * the audit trail of operator and centre.
 */
describe.each(databaseBackends())('service centres through the API, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;
  let marawi: { key: string; id: number };
  let lamitan: { key: string; id: number };
  let mssd: { key: string; id: number };
  let moh: { key: string; id: number };

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
    marawi = await h.keyFor('mssd', MARAWI);
    lamitan = await h.keyFor('mssd', LAMITAN);
    mssd = await h.keyFor('mssd');
    moh = await h.keyFor('moh');
  });
  afterAll(async () => {
    await h.context.close();
  });

  const get = (path: string, key: string) => request(h.app).get(`/api/v1${path}`).set(bearer(key));

  /** A ministry's admin key (it makes and revokes the ministry's keys), made by the super-admin. */
  const adminKeyOf = async (ministry: string) =>
    (await request(h.app).post('/api/v1/keys').set(bearer(ADMIN_KEY)).send({ ministry, name: `${ministry} key admin`, holder: `${ministry} key admin`, role: 'admin' })).body.key as string;

  it('makes centre keys for the centre\'s ministry, tied to the centre, and says so in the list and the audit log', async () => {
    const made = await request(h.app)
      .post('/api/v1/keys')
      .set(bearer(await adminKeyOf('mssd')))
      .send({ ministry: 'mssd', name: 'Marawi counter 3', holder: 'Marawi counter 3 operator', centre: MARAWI });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ ministry: 'mssd', kind: 'centre', centre: MARAWI, role: 'officer', holder: 'Marawi counter 3 operator' });
    const listed = await get('/keys', mssd.key);
    expect(listed.body.items.find((key: { id: number }) => key.id === made.body.id)).toMatchObject({ kind: 'centre', centre: MARAWI });
    expect(listed.body.items.find((key: { id: number }) => key.id === mssd.id)).toMatchObject({ kind: 'officer', centre: null });
    const [audit] = await db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE target = $1`, [`key:${made.body.id}`]);
    expect(audit.details).toMatchObject({ centre: MARAWI, superAdmin: false });
  });

  it('refuses a centre key for another ministry, without a ministry, or for a centre that does not exist', async () => {
    const post = (key: string, body: object) => request(h.app).post('/api/v1/keys').set(bearer(key)).send({ holder: 'An operator', ...body });
    expect((await post(moh.key, { ministry: 'mssd', name: 'x', centre: MARAWI })).status).toBe(403);
    const orphan = await post(ADMIN_KEY, { ministry: null, name: 'x', centre: MARAWI });
    expect([orphan.status, orphan.body.error]).toEqual([400, expect.stringContaining('give its ministry')]);
    const nowhere = await post(ADMIN_KEY, { ministry: 'mssd', name: 'x', centre: 'no-such-centre' });
    expect([nowhere.status, nowhere.body.error]).toEqual([400, 'unknown centre "no-such-centre"']);
    expect((await post(marawi.key, { ministry: 'mssd', name: 'x' })).status).toBe(403);
  });

  it("refuses a ministry a key in the name of a centre it does not answer for (finding 4: then it read another ministry's filings there)", async () => {
    // Before: MOH's key made itself a Marawi centre key and listed MSSD's assisted requests filed at Marawi.
    const filed = (await h.file(marawi.key, { phone: '09171234090' })).body.request.id as number;
    const mohAdmin = await adminKeyOf('moh');
    const attempt = await request(h.app).post('/api/v1/keys').set(bearer(mohAdmin)).send({ ministry: 'moh', name: 'Marawi (MOH)', holder: 'Somebody', centre: MARAWI });
    expect([attempt.status, attempt.body.error]).toEqual([403, expect.stringContaining('does not answer for centre "lds-marawi-hall"')]);
    // A centre key of MOH at the same centre, made by the super-admin, still sees only MOH's filings there, and files only MOH's services.
    const mohMarawi = await h.keyFor('moh', MARAWI);
    const listed = await get('/assisted-requests', mohMarawi.key);
    expect([listed.status, listed.body.items]).toEqual([200, []]);
    expect((await get(`/assisted-requests?centre=${MARAWI}`, mohMarawi.key)).body.items.map((item: { id: number }) => item.id)).not.toContain(filed);
    const foreign = await h.file(mohMarawi.key, { phone: '09171234091' });
    expect([foreign.status, foreign.body.error]).toEqual([403, expect.stringContaining('not one of ministry "moh"\'s')]);
    // Once the super-admin made it, MOH's admins may make more keys for Marawi.
    expect((await request(h.app).post('/api/v1/keys').set(bearer(mohAdmin)).send({ ministry: 'moh', name: 'Marawi (MOH) 2', holder: 'Somebody', centre: MARAWI })).status).toBe(201);
  });

  it('refuses a centre key every route but the assisted requests, with 403', async () => {
    const others = apiRoutes(h.context.admin).filter((route) => !route.forCentres);
    expect(others.length).toBeGreaterThan(20);
    for (const route of others) {
      const path = `/api/v1${route.path.replace(/:reference/, '48217730953').replace(/:[a-z]+/g, '1')}`;
      const response = await request(h.app)[route.method](path).set(bearer(marawi.key)).send({});
      expect([route.operationId, response.status]).toEqual([route.operationId, 403]);
    }
  });

  it('files a request for a citizen: pending, texted a code with a verification line, audited with operator and centre, nothing filed yet', async () => {
    const response = await h.file(marawi.key, { phone: '0917 123 4001', locale: 'fil' });
    expect(response.status).toBe(201);
    expect(response.body.request).toMatchObject({
      centre: MARAWI,
      centreName: 'Marawi City Service Centre',
      ministry: 'mssd',
      keyId: marawi.id,
      operator: 'Norhaya at counter 2',
      phone: '+63917•••4001',
      service: 'mssd-aics',
      status: 'pending',
      person: null,
      reference: null,
      expiresAt: new Date(h.clock.now + 24 * 3600_000).toISOString(),
    });
    expect(response.body.notification).toMatchObject({ queued: true, channel: 'sms' });
    const code = await h.codeOf(response.body.request.id);
    expect(code).toMatch(/^\d{6}$/);

    const [sms] = await db.query<{ address: string; body: string; kind: string; verification_code: string }>(
      'SELECT address, body, kind, verification_code FROM outbox WHERE id = $1',
      [response.body.notification.outboxId],
    );
    expect(sms).toMatchObject({ address: 'tel:+639171234001', kind: 'notice' });
    expect(sms.body).toContain(`Naghain ang Marawi City Service Centre ng request para sa Tulong sa krisis (AICS) sa pangalan mo. Para kumpirmahin, i-reply ang ${code} sa loob ng 24 oras`);
    expect(sms.body).toMatch(new RegExp(`i-text ang VERIFY ${sms.verification_code}$`));

    const [audit] = await db.query<{ actor: string; key_id: string; ministry_code: string; action: string; details: Record<string, unknown> }>(
      `SELECT actor, key_id, ministry_code, action, details FROM audit_log WHERE target = $1`,
      [`assisted:${response.body.request.id}`],
    );
    expect(audit).toMatchObject({ actor: `key:${marawi.id}`, ministry_code: 'mssd', action: 'assisted.file' });
    expect(audit.details).toEqual({ centre: MARAWI, operator: 'Norhaya at counter 2', service: 'mssd-aics', forSomeoneElse: false, notified: true });
    expect(JSON.stringify(audit.details)).not.toContain('Amina');
    expect(await db.query(`SELECT id FROM requests WHERE channel = 'centre'`)).toEqual([]);
    // The citizen was made on first sight, in the operator's language, never as having written to us.
    const [citizen] = await db.query<{ locale: string; seen: Date }>(
      `SELECT c.locale, a.last_seen_at AS seen FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = 'tel:+639171234001'`,
    );
    expect(citizen.locale).toBe('fil');
    expect(new Date(citizen.seen).getTime()).toBe(0);
  });

  it('refuses what does not fit, with the reason: the phone, the service, the answers, the person', async () => {
    const reasons = async (body: Record<string, unknown>) => {
      const response = await h.file(marawi.key, body);
      return [response.status, response.body.error as string];
    };
    expect(await reasons({ phone: '12345' })).toEqual([400, 'phone is not a valid phone number']);
    expect(await reasons({ phone: '+1 202 555 0142' })).toEqual([400, 'phone is outside the countries this deployment serves']);
    expect(await reasons({ service: 'no-such-service' })).toEqual([400, 'unknown service "no-such-service"']);
    expect(await reasons({ service: 'lgu-barangay-clearance', answers: {} })).toEqual([400, expect.stringContaining('takes no requests')]);
    expect(await reasons({ answers: { full_name: 'Amina', household_size: 'four', need: 'housing', pet: 'cat' } })).toEqual([
      400,
      'the answers do not fit the form: "pet" is not a field of this form; "household_size" must be 1-2 digits; "need" must be one of medical, burial, food, transport',
    ]);
    expect(await reasons({ answers: { full_name: 'Amina' } })).toEqual([400, expect.stringContaining('"household_size" is required')]);
    const person = await h.file(marawi.key, { person: { name: 'Nur', relationship: 'cousin' } });
    expect(person.status).toBe(400);
    expect(person.body.issues[0].path).toBe('body.person.relationship');
  });

  it('lets only a centre key file', async () => {
    expect((await h.file(mssd.key)).status).toBe(403);
    expect((await h.file(ADMIN_KEY)).status).toBe(403);
  });

  it('keeps at most three requests waiting for one phone', async () => {
    const phone = '09171234002';
    for (let i = 0; i < 3; i++) expect((await h.file(marawi.key, { phone })).status).toBe(201);
    const fourth = await h.file(lamitan.key, { phone });
    expect([fourth.status, fourth.body.error]).toEqual([409, expect.stringContaining('already has 3 requests waiting')]);
  });

  it("shows a centre its own requests, a ministry those of its centres, and no one another's", async () => {
    const filed = (await h.file(lamitan.key, { phone: '09171234003' })).body.request.id as number;
    const ids = async (key: string, query = '') => ((await get(`/assisted-requests${query}`, key)).body.items as { id: number }[]).map((item) => item.id);
    expect(await ids(lamitan.key)).toEqual([filed]);
    expect(await ids(marawi.key)).not.toContain(filed);
    expect(await ids(mssd.key)).toContain(filed);
    expect(await ids(moh.key)).toEqual([]);
    expect(await ids(ADMIN_KEY, `?centre=${LAMITAN}`)).toEqual([filed]);
    expect((await get('/assisted-requests?ministry=mssd', moh.key)).status).toBe(403);
    expect((await get(`/assisted-requests?centre=${MARAWI}`, lamitan.key)).status).toBe(403);
    const pending = await get('/assisted-requests?status=pending', marawi.key);
    expect(pending.status).toBe(200);
    expect(pending.body.items.every((item: { status: string; centre: string }) => item.status === 'pending' && item.centre === MARAWI)).toBe(true);
    expect(JSON.stringify(pending.body)).not.toMatch(/Amina|answers|confirm_code|\+639171234003/);
  });

  it('files the request when the citizen confirms, as made at the centre, and audits the citizen\'s answer', async () => {
    const filed = (await h.file(marawi.key, { phone: '09171234004' })).body.request;
    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>('SELECT citizen_id FROM assisted_requests WHERE id = $1', [filed.id]);
    const confirmed = await h.context.admin.assisted.confirm(Number(citizenId), { code: await h.codeOf(filed.id) });
    expect(confirmed?.reference).toMatch(/^\d{11}$/);
    const detail = await get(`/requests/${confirmed?.reference}`, mssd.key);
    expect(detail.body).toMatchObject({ channel: 'centre', status: 'received', answers: { full_name: 'Amina Datu', household_size: '4', need: 'medical' } });
    expect(detail.body.history).toEqual([expect.objectContaining({ status: 'received', actor: `centre:${MARAWI}` })]);
    const listed = (await get('/assisted-requests', marawi.key)).body.items.find((item: { id: number }) => item.id === filed.id);
    expect(listed).toMatchObject({ status: 'confirmed', reference: confirmed?.reference, decidedAt: expect.any(String) });
    const [audit] = await db.query<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM audit_log WHERE action = 'assisted.confirm'`);
    expect(audit).toEqual({ actor: 'citizen', details: { centre: MARAWI, service: 'mssd-aics', reference: confirmed?.reference } });
    // Decided once: the answers now live in the request only, and a second confirmation finds nothing.
    expect(await db.query('SELECT answers FROM assisted_requests WHERE id = $1', [filed.id])).toEqual([{ answers: {} }]);
    expect(await h.context.admin.assisted.confirm(Number(citizenId), { id: filed.id })).toBeUndefined();
  });

  it('expires an unconfirmed request after 24 hours: listed as expired at once, swept and audited, never confirmable', async () => {
    const filed = (await h.file(marawi.key, { phone: '09171234005' })).body.request;
    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>('SELECT citizen_id FROM assisted_requests WHERE id = $1', [filed.id]);
    const started = h.clock.now;
    h.clock.now = started + 24 * 3600_000 - 1000;
    expect((await get('/assisted-requests', marawi.key)).body.items.find((item: { id: number }) => item.id === filed.id).status).toBe('pending');
    h.clock.now = started + 24 * 3600_000;
    try {
      expect((await get('/assisted-requests', marawi.key)).body.items.find((item: { id: number }) => item.id === filed.id).status).toBe('expired');
      expect(await h.context.admin.assisted.confirm(Number(citizenId), { id: filed.id })).toBeUndefined();
      expect(await h.context.admin.assisted.expireDue()).toBeGreaterThanOrEqual(1);
      const [row] = await db.query<{ status: string; answers: object }>('SELECT status, answers FROM assisted_requests WHERE id = $1', [filed.id]);
      expect(row).toEqual({ status: 'expired', answers: {} });
      const audits = await db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'assisted.expire' AND target = $1`, [`assisted:${filed.id}`]);
      expect(audits).toEqual([{ actor: 'system' }]);
    } finally {
      h.clock.now = started;
    }
  });
});
