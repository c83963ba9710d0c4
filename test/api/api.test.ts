import request from 'supertest';
import { apiRoutes } from '../../src/api';
import { formatReference } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { switchableDatabase } from '../support/app';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { seedSubscribers } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/** Sends everything due, as the running dispatchers would (housekeeping first: due broadcasts fan out). */
async function dispatchAll(api: ApiHarness): Promise<void> {
  await api.context.admin.broadcasts.housekeeping();
  while ((await api.context.dispatcher.runOnce()) > 0);
  await api.context.admin.broadcasts.housekeeping();
}

describe.each(databaseBackends())('the ministries API on $name', (backend) => {
  let db: Database & { down: boolean };
  let api: ApiHarness;
  let mssd: { key: string; id: number };
  let mssdSecond: { key: string; id: number };
  let mssdAdmin: { key: string; id: number };

  beforeAll(async () => {
    db = switchableDatabase(await backend.open());
    // Every route is called with refused keys from this one client: the refused-key throttle
    // (test/api/throttle.test.ts) is set out of the way.
    api = await startApi(db, { BROADCAST_APPROVAL_THRESHOLD: '20', AUTH_FAILURES_PER_CLIENT: '10000', AUTH_FAILURES_TOTAL: '100000' });
    mssd = await api.keyFor('mssd', 'MSSD officer');
    mssdSecond = await api.keyFor('mssd', 'MSSD supervisor');
    mssdAdmin = await api.keyFor('mssd', 'MSSD key administrator', { role: 'admin' });
  });
  afterAll(async () => {
    await api.context.close();
  });

  describe('keys', () => {
    const routes = () => apiRoutes(api.context.admin);
    const concrete = (path: string) => path.replace(':code', 'mssd').replace(':id', '1').replace(':reference', '48217730953');

    it('answers 401 on every route without a key, with a malformed header, or with an unknown key', async () => {
      for (const route of routes()) {
        const path = `/api/v1${concrete(route.path)}`;
        for (const headers of [{}, { Authorization: 'Basic dXNlcjpwYXNz' }, bearer('lk_not-a-key-we-gave-out')]) {
          const response = await request(api.app)[route.method](path).set(headers).send({});
          expect({ route: route.operationId, status: response.status }).toEqual({ route: route.operationId, status: 401 });
          expect(response.headers['www-authenticate']).toBe('Bearer realm="lingkod"');
          expect(response.body.error).toEqual(expect.any(String));
        }
      }
    });

    it('shows a new key once, lists it without the key, and refuses it from the moment it is revoked', async () => {
      const created = await request(api.app).post('/api/v1/keys').set(bearer(mssdAdmin.key)).send({ ministry: 'mssd', name: 'temporary', holder: 'Nasser Ali' });
      expect(created.status).toBe(201);
      api.expectDocumented('createApiKey', created.body);
      expect(created.body).toMatchObject({ holder: 'Nasser Ali', role: 'officer', createdBy: mssdAdmin.id });
      expect(created.body.key).toMatch(/^lk_[A-Za-z0-9_-]{43}$/);
      const listed = await request(api.app).get('/api/v1/keys').set(bearer(mssd.key));
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
      expect(listed.body.items.find((item: { id: number }) => item.id === created.body.id)).toMatchObject({ prefix: created.body.key.slice(0, 9), ministry: 'mssd' });
      const [stored] = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
      expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.key_hash).not.toContain(created.body.key);

      expect((await request(api.app).get('/api/v1/ministries/mssd').set(bearer(created.body.key))).status).toBe(200);
      // An officer's key neither makes nor revokes keys; the ministry's admin key does.
      expect((await request(api.app).post(`/api/v1/keys/${created.body.id}/revoke`).set(bearer(mssd.key))).status).toBe(403);
      const revoked = await request(api.app).post(`/api/v1/keys/${created.body.id}/revoke`).set(bearer(mssdAdmin.key));
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      expect((await request(api.app).get('/api/v1/ministries/mssd').set(bearer(created.body.key))).status).toBe(401);
      expect((await request(api.app).post(`/api/v1/keys/${created.body.id}/revoke`).set(bearer(mssdAdmin.key))).status).toBe(409);
    });

    it('keeps the ADMIN_API_KEY key exactly while the variable is set', async () => {
      const keys = api.context.admin.apiKeys;
      const [envKey] = await db.query<{ id: string }>("SELECT id FROM api_keys WHERE source = 'env' AND revoked_at IS NULL");
      expect((await request(api.app).post(`/api/v1/keys/${envKey.id}/revoke`).set(bearer(ADMIN_KEY))).status).toBe(409);
      await keys.syncEnvKey('a-new-admin-key-0123456789');
      expect((await request(api.app).get('/api/v1/ministries').set(bearer(ADMIN_KEY))).status).toBe(401);
      expect((await request(api.app).get('/api/v1/ministries').set(bearer('a-new-admin-key-0123456789'))).status).toBe(200);
      await keys.syncEnvKey(undefined);
      expect((await request(api.app).get('/api/v1/ministries').set(bearer('a-new-admin-key-0123456789'))).status).toBe(401);
      await keys.syncEnvKey(ADMIN_KEY);
      expect((await request(api.app).get('/api/v1/ministries').set(bearer(ADMIN_KEY))).status).toBe(200);
    });

    it('never writes a key to the logs', async () => {
      const text = api.logs.lines.join('\n');
      for (const key of [ADMIN_KEY, mssd.key, mssdSecond.key, mssdAdmin.key]) expect(text).not.toContain(key);
    });
  });

  describe('status changes', () => {
    it('reach the citizen exactly once, by SMS, in their language, with the note', async () => {
      const citizen = await api.context.citizens.findOrCreate('tel:+639175550101', 'ussd');
      await api.context.citizens.setLocale(citizen.id, 'en');
      const { reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina' }, channel: 'ussd' });
      // The filing's receipt (services/charter-receipt.ts) is not what this is about.
      await db.query('DELETE FROM outbox');

      const change = { status: 'ready_for_pickup', note: 'Bring a valid ID to the provincial office.' };
      const moved = await request(api.app).post(`/api/v1/requests/${formatReference(reference)}/status`).set(bearer(mssd.key)).send(change);
      expect(moved.status).toBe(200);
      api.expectDocumented('changeRequestStatus', moved.body);
      expect(moved.body.notification).toMatchObject({ queued: true, channel: 'sms' });
      // The officer's client retries (a timeout on their side): refused, so the citizen is not told twice.
      expect((await request(api.app).post(`/api/v1/requests/${reference}/status`).set(bearer(mssd.key)).send(change)).status).toBe(409);

      await dispatchAll(api);
      await dispatchAll(api);
      // Every pushed message ends with the line that lets the citizen check it (VERIFY <code>).
      const verifyLine = /\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/;
      expect(api.sms.to('tel:+639175550101').map((delivery) => delivery.body)).toEqual([expect.stringMatching(verifyLine)]);
      expect(api.sms.to('tel:+639175550101').map((delivery) => delivery.body.replace(verifyLine, ''))).toEqual([
        `Lingkod: Your request ${formatReference(reference)} (Crisis assistance (AICS)) has a new status: Ready for pick-up.\nNote from the office: Bring a valid ID to the provincial office.`,
      ]);
      const detail = await request(api.app).get(`/api/v1/requests/${reference}`).set(bearer(mssd.key));
      api.expectDocumented('getRequest', detail.body);
      expect(detail.body.history.map((event: { status: string; actor: string }) => `${event.status} by ${event.actor}`)).toEqual([
        'received by citizen',
        `ready_for_pickup by key:${mssd.id}`,
      ]);
      const audit = await request(api.app).get('/api/v1/audit?action=request.status').set(bearer(mssd.key));
      api.expectDocumented('listAuditLog', audit.body);
      expect(audit.body.items[0]).toMatchObject({ keyId: mssd.id, actor: `key:${mssd.id}`, ministry: 'mssd', target: `request:${reference}`, at: expect.any(String) });
    });

    it('list with filters and pages', async () => {
      const page = await request(api.app).get('/api/v1/requests?status=ready_for_pickup&service=mssd-aics&from=2020-01-01&limit=1').set(bearer(mssd.key));
      expect(page.status).toBe(200);
      api.expectDocumented('listRequests', page.body);
      expect(page.body.items).toHaveLength(1);
    });
  });

  describe('broadcasts', () => {
    it('go from draft to completed: preview, schedule, a second key approves, each subscriber gets one message', async () => {
      const seeded = await seedSubscribers(db, { count: 60, topic: 'aid-payouts', municipalities: ['bas-lamitan', 'cc-cotabato'], optOutEvery: 7 });
      const audience = seeded.filter((citizen) => !citizen.optedOut && citizen.municipality === 'cc-cotabato');
      const created = await request(api.app)
        .post('/api/v1/broadcasts')
        .set(bearer(mssd.key))
        .send({ topic: 'aid-payouts', municipalities: ['cc-cotabato'], texts: { en: 'Aid payout at the city hall on Friday.', fil: 'Ayuda sa city hall sa Biyernes.' } });
      expect(created.status).toBe(201);
      api.expectDocumented('createBroadcast', created.body);
      const id = created.body.id as number;

      const preview = await request(api.app).get(`/api/v1/broadcasts/${id}/preview`).set(bearer(mssd.key));
      api.expectDocumented('previewBroadcast', preview.body);
      expect(preview.body).toMatchObject({ recipients: audience.length, needsApproval: true, heldByQuietHours: false });

      const scheduled = await request(api.app).post(`/api/v1/broadcasts/${id}/schedule`).set(bearer(mssd.key)).send({});
      expect(scheduled.body.status).toBe('pending_approval');
      expect((await request(api.app).post(`/api/v1/broadcasts/${id}/approve`).set(bearer(mssd.key))).status).toBe(409);
      const approved = await request(api.app).post(`/api/v1/broadcasts/${id}/approve`).set(bearer(mssdSecond.key));
      expect(approved.body).toMatchObject({ status: 'scheduled', approvedBy: mssdSecond.id });

      await dispatchAll(api);
      const received = [...api.sms.deliveries, ...api.telegram.deliveries].filter((delivery) => delivery.body.startsWith('A'));
      expect(received.map((delivery) => delivery.address).sort()).toEqual(audience.map((citizen) => citizen.address).sort());
      const progress = await request(api.app).get(`/api/v1/broadcasts/${id}/progress`).set(bearer(mssd.key));
      api.expectDocumented('broadcastProgress', progress.body);
      expect(progress.body).toMatchObject({ status: 'completed', recipients: audience.length, queued: 0, sent: audience.length, failed: 0, cancelled: 0 });
      expect((await request(api.app).post(`/api/v1/broadcasts/${id}/stop`).set(bearer(mssd.key))).status).toBe(409);

      const counts = await request(api.app).get('/api/v1/subscribers?topic=aid-payouts&groupBy=municipality').set(bearer(mssd.key));
      api.expectDocumented('countSubscribers', counts.body);
      expect(counts.body.groups).toContainEqual({ municipality: 'cc-cotabato', subscribers: audience.length });
    });
  });

  describe('catalog', () => {
    const service = {
      ministry: 'mssd',
      category: 'social-welfare',
      name: { en: 'Senior citizen ID', fil: 'ID ng senior citizen' },
      requirements: ['Birth certificate'],
      feePhp: 0,
      processingTime: '3 working days',
      office: 'MSSD Municipal Office',
      form: [
        { key: 'full_name', type: 'text', label: 'Full name' },
        { key: 'municipality', type: 'choice', label: 'Municipality', options: [{ value: 'bas-lamitan', label: 'Lamitan' }, { value: 'cc-cotabato', label: 'Cotabato City' }] },
      ],
      workflow: ['received', 'checked', 'printed', 'released'],
    };

    it('creates a service with its form and workflow, and refuses a workflow that strands requests', async () => {
      const put = await request(api.app).put('/api/v1/services/mssd-senior-id').set(bearer(mssd.key)).send(service);
      expect(put.status).toBe(200);
      api.expectDocumented('putService', put.body);
      expect(put.body).toMatchObject({ code: 'mssd-senior-id', workflow: service.workflow, form: [{ key: 'full_name', label: { en: 'Full name' } }, { key: 'municipality' }] });

      const citizen = await api.context.citizens.findOrCreate('tel:+639175550102', 'sms');
      const { reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-senior-id', answers: { full_name: 'Lola', municipality: 'bas-lamitan' }, channel: 'sms' });
      await request(api.app).post(`/api/v1/requests/${reference}/status`).set(bearer(mssd.key)).send({ status: 'checked' });
      const byPlace = await request(api.app).get('/api/v1/requests?municipality=bas-lamitan&service=mssd-senior-id').set(bearer(mssd.key));
      expect(byPlace.body.items.map((item: { reference: string }) => item.reference)).toEqual([reference]);

      const stranding = await request(api.app).put('/api/v1/services/mssd-senior-id').set(bearer(mssd.key)).send({ ...service, workflow: ['received', 'released'] });
      expect(stranding.status).toBe(409);
      expect(stranding.body.error).toContain('"checked"');
      expect((await request(api.app).post(`/api/v1/requests/${reference}/status`).set(bearer(mssd.key)).send({ status: 'done' })).body.error).toContain('received → checked → printed → released');
    });

    it('refuses a form no citizen could finish, saying where', async () => {
      const response = await request(api.app)
        .put('/api/v1/services/mssd-broken')
        .set(bearer(mssd.key))
        .send({ ...service, form: [service.form[0], { ...service.form[0] }] });
      expect(response.status).toBe(400);
      expect(response.body.issues).toContainEqual({ path: 'body.form.1.key', message: 'duplicate field key "full_name"' });
    });

    it('lets only a super-admin change categories and add ministries', async () => {
      expect((await request(api.app).put('/api/v1/categories/veterans').set(bearer(ADMIN_KEY)).send({ name: 'Veterans' })).status).toBe(200);
      const added = await request(api.app).post('/api/v1/ministries').set(bearer(ADMIN_KEY)).send({ code: 'mpos', name: { en: 'Ministry of Public Order and Safety' } });
      expect(added.status).toBe(201);
      api.expectDocumented('createMinistry', added.body);
      expect((await request(api.app).post('/api/v1/ministries').set(bearer(ADMIN_KEY)).send({ code: 'mpos', name: 'Again' })).status).toBe(409);
      const renamed = await request(api.app).patch('/api/v1/ministries/mssd').set(bearer(mssd.key)).send({ name: { en: 'Ministry of Social Services and Development', fil: 'Ministri ng Serbisyong Panlipunan' } });
      expect(renamed.body.name.fil).toBe('Ministri ng Serbisyong Panlipunan');
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON, unknown fields and bad values with 400 and where the problem is', async () => {
      const malformed = await request(api.app).post('/api/v1/broadcasts').set(bearer(mssd.key)).set('Content-Type', 'application/json').send('{"topic": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: 'The body is not valid JSON' });

      const invalid = await request(api.app).post('/api/v1/broadcasts').set(bearer(mssd.key)).send({ topic: 'aid-payouts', texts: {}, colour: 'red' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['body', 'body.texts']);

      const missing = await request(api.app).post('/api/v1/broadcasts').set(bearer(mssd.key));
      expect(missing.body.issues).toEqual([{ path: 'body', message: 'a JSON body is required (Content-Type: application/json)' }]);

      expect((await request(api.app).get('/api/v1/requests?limit=0').set(bearer(mssd.key))).body.issues[0].path).toBe('query.limit');
      expect((await request(api.app).get('/api/v1/broadcasts/abc').set(bearer(mssd.key))).body.issues[0].path).toBe('params.id');
      expect((await request(api.app).get('/api/v1/requests/1234').set(bearer(mssd.key))).status).toBe(400);
      expect((await request(api.app).get('/api/v1/broadcasts/999999').set(bearer(mssd.key))).status).toBe(404);
      const tooBig = await request(api.app).post('/api/v1/broadcasts').set(bearer(mssd.key)).send({ topic: 'aid-payouts', texts: { en: 'x'.repeat(200_000) } });
      expect(tooBig.status).toBe(413);
    });

    it('refuses a broadcast text or a status note with a link (telcos block such SMS) with 400, the field and the link, and keeps nothing', async () => {
      const broadcasts = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM broadcasts'))[0].n);
      const before = await broadcasts();
      const linked = await request(api.app)
        .post('/api/v1/broadcasts')
        .set(bearer(mssd.key))
        .send({ topic: 'aid-payouts', municipalities: ['cc-cotabato'], texts: { en: 'Payouts on Friday.', fil: 'Tingnan ang bit.ly/ayuda para sa detalye.' } });
      expect(linked.status).toBe(400);
      expect(linked.body.error).toMatch(/^texts\.fil contains a link \(bit\.ly\/ayuda\): Philippine telcos block SMS with links/);
      expect(await broadcasts()).toBe(before);

      const citizen = await api.context.citizens.findOrCreate('tel:+639175550109', 'ussd');
      const { reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina' }, channel: 'ussd' });
      const noted = await request(api.app).post(`/api/v1/requests/${reference}/status`).set(bearer(mssd.key)).send({ status: 'in_review', note: 'Upload your ID at https://forms.example.com/id' });
      expect(noted.status).toBe(400);
      expect(noted.body.error).toMatch(/^note contains a link \(https:\/\/forms\.example\.com\/id\)/);
      const [row] = await db.query<{ status: string }>('SELECT status FROM requests WHERE reference = $1', [reference]);
      expect(row.status).toBe('received');
    });

    it('answers an unknown API route with a JSON 404', async () => {
      const response = await request(api.app).delete('/api/v1/ministries/mssd').set(bearer(mssd.key));
      expect(response.status).toBe(404);
      expect(response.body.error).toContain('openapi.json');
    });

    it('answers 503, not a stack trace, while the records store is down', async () => {
      db.down = true;
      try {
        const response = await request(api.app).get('/api/v1/ministries').set(bearer(mssd.key));
        expect(response.status).toBe(503);
        expect(response.body).toEqual({ error: 'The records store is unavailable; try again shortly' });
      } finally {
        db.down = false;
      }
    });
  });
});
