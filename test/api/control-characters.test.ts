import request from 'supertest';
import { CLI_ACTOR } from '../../src/services/access';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/** The _csrf value of the first form on a page. */
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Finding 6 of issue 12 (its input part): a NUL in a JSON string (a broadcast's text, a status
 * note, a key's name) gave a 500, PostgreSQL refusing it. Every string the REST API and the
 * console read is now checked once, before any route: a NUL or another control character
 * (newline and tab are text) is a 400 naming the field, and nothing is stored.
 */
describe.each(databaseBackends())('control characters in API and console input, records on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;
  let officer: string;
  let keyAdmin: string;
  let reference: string;

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db);
    officer = (await api.keyFor('mssd', 'officer')).key;
    keyAdmin = (await api.keyFor('mssd', 'key admin', { role: 'admin' })).key;
    const citizen = await api.context.citizens.findOrCreate('tel:+639175550177', 'ussd');
    ({ reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina' }, channel: 'ussd' }));
  });
  afterAll(async () => {
    await api.context.close();
  });

  const counts = async () =>
    (await db.query<{ n: string }>("SELECT (SELECT count(*) FROM broadcasts) + (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM request_events) + (SELECT count(*) FROM audit_log) AS n"))[0].n;

  it.each([
    ['a NUL in a broadcast text', '/broadcasts', () => officer, { topic: 'aid-payouts', texts: { en: 'Payout\u0000 on Friday' } }, 'body.texts.en'],
    ['a NUL in a status note', () => `/requests/${reference}/status`, () => officer, { status: 'in_review', note: 'Bring\u0000 ID' }, 'body.note'],
    ['a NUL in a key name', '/keys', () => keyAdmin, { ministry: 'mssd', name: 'desk\u0000', holder: 'Sittie Ali' }, 'body.name'],
    ['an escape character in a holder', '/keys', () => keyAdmin, { ministry: 'mssd', name: 'desk', holder: 'Sittie \u001b[31mAli' }, 'body.holder'],
    ['a bell in a broadcast text', '/broadcasts', () => officer, { topic: 'aid-payouts', texts: { en: 'Payout \u0007' } }, 'body.texts.en'],
    ['a C1 control in a Filipino text', '/broadcasts', () => officer, { topic: 'aid-payouts', texts: { en: 'Payout', fil: 'Bayad\u0085' } }, 'body.texts.fil'],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_name, path, key, body, field) => {
    const before = await counts();
    const response = await request(api.app)
      .post(`/api/v1${typeof path === 'function' ? path() : path}`)
      .set(bearer(key()))
      .send(body);
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([{ path: field, message: expect.stringContaining('control characters') }]);
    expect(await counts()).toBe(before);
  });

  it('takes newlines and tabs as text', async () => {
    const drafted = await request(api.app).post('/api/v1/broadcasts').set(bearer(officer)).send({ topic: 'aid-payouts', texts: { en: 'Payout on Friday.\r\nBring:\tyour ID' } });
    expect(drafted.status).toBe(201);
  });

  it('refuses a control character in a query or a path too', async () => {
    expect((await request(api.app).get('/api/v1/requests?status=rec%00eived').set(bearer(officer))).body.issues).toEqual([{ path: 'query.status', message: expect.any(String) }]);
    expect((await request(api.app).get('/api/v1/ministries/ms%00sd').set(bearer(ADMIN_KEY))).status).toBe(400);
  });

  it('refuses NUL in the console\'s forms with 400 naming the field, and stores nothing', async () => {
    const { key } = await api.context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'console', holder: 'Console officer' }, 'cli');
    const agent = request.agent(api.app);
    const form = await agent.get('/console/login');
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
    const csrf = csrfIn((await agent.get('/console')).text);
    const before = await counts();
    const broadcast = await agent.post('/console/broadcasts').type('form').send({ _csrf: csrf, topic: 'aid-payouts', text_en: 'Payout\u0000 on Friday' });
    expect(broadcast.status).toBe(400);
    expect(broadcast.text).toContain('Check text_en');
    const preview = await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrf, topic: 'aid-payouts', text_en: 'Payout\u0000' });
    expect(preview.status).toBe(400);
    const note = await agent.post(`/console/requests/${reference}/status`).type('form').send({ _csrf: csrf, status: 'in_review', note: 'Bring\u0000 ID' });
    expect([note.status, note.text.includes('Check note')]).toEqual([400, true]);
    expect(await counts()).toBe(before);
  });
});
