import request from 'supertest';
import { apiRoutes } from '../../src/api';
import { hasValidCheckDigit } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/**
 * Every route of the API, called with the Ministry of Health's key on the Ministry of Social
 * Services' records: each is refused (403; 404 for a record named by its reference or id, as
 * for one that does not exist, so no key learns that another ministry's reference is real), or,
 * for a list, shows none of them. The route table is read from the API itself, so a new route
 * without a case here fails this file.
 */

type Probe = { name: string; send(api: ApiHarness, key: string): request.Test; expect: 403 | 404 | ((body: Record<string, unknown>) => void) };

/** What MSSD owns, made before the probes. */
interface Owned {
  reference: string;
  broadcastId: number;
  keyId: number;
  /** A complaint at the desk, routed to MSSD. */
  thread: string;
}

let owned: Owned;

const noneOfMssd = (field: string) => (body: Record<string, unknown>) => {
  const items = body.items as Record<string, unknown>[];
  expect(items.length).toBeGreaterThan(0);
  expect(items.filter((item) => item[field] === 'mssd')).toEqual([]);
};

const serviceBody = (ministry: string) => ({
  ministry,
  category: 'social-welfare',
  name: 'Crisis assistance',
  feePhp: 0,
  processingTime: '1 day',
  office: 'Office',
});

const probes: Record<string, Probe[]> = {
  listMinistries: [{ name: 'lists only its own ministry', send: (api, key) => request(api.app).get('/api/v1/ministries').set(bearer(key)), expect: noneOfMssd('code') }],
  createMinistry: [{ name: 'cannot add a ministry', send: (api, key) => request(api.app).post('/api/v1/ministries').set(bearer(key)).send({ code: 'mfake', name: 'Fake' }), expect: 403 }],
  getMinistry: [{ name: 'cannot read MSSD', send: (api, key) => request(api.app).get('/api/v1/ministries/mssd').set(bearer(key)), expect: 403 }],
  renameMinistry: [{ name: 'cannot rename MSSD', send: (api, key) => request(api.app).patch('/api/v1/ministries/mssd').set(bearer(key)).send({ name: 'Hijacked' }), expect: 403 }],
  listApiKeys: [
    { name: "cannot list MSSD's keys", send: (api, key) => request(api.app).get('/api/v1/keys?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'lists only its own keys', send: (api, key) => request(api.app).get('/api/v1/keys').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  createApiKey: [
    { name: 'cannot make an MSSD key', send: (api, key) => request(api.app).post('/api/v1/keys').set(bearer(key)).send({ ministry: 'mssd', name: 'x', holder: 'Intruder' }), expect: 403 },
    { name: 'cannot make a super-admin key', send: (api, key) => request(api.app).post('/api/v1/keys').set(bearer(key)).send({ ministry: null, name: 'x', holder: 'Intruder' }), expect: 403 },
  ],
  getApiKey: [{ name: "cannot read an MSSD key", send: (api, key) => request(api.app).get(`/api/v1/keys/${owned.keyId}`).set(bearer(key)), expect: 404 }],
  revokeApiKey: [{ name: 'cannot revoke an MSSD key', send: (api, key) => request(api.app).post(`/api/v1/keys/${owned.keyId}/revoke`).set(bearer(key)), expect: 404 }],
  putCategory: [{ name: 'cannot change a shared category', send: (api, key) => request(api.app).put('/api/v1/categories/health').set(bearer(key)).send({ name: 'Mine' }), expect: 403 }],
  uploadVoicePrompt: [
    { name: 'cannot record what the voice line says', send: (api, key) => request(api.app).put('/api/v1/voice/prompts/en/menu.title').set(bearer(key)).send({ contentType: 'audio/mpeg', audio: 'AAAA' }), expect: 403 },
  ],
  listServices: [
    { name: "cannot list MSSD's services", send: (api, key) => request(api.app).get('/api/v1/services?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'lists only its own services', send: (api, key) => request(api.app).get('/api/v1/services').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  getService: [{ name: 'cannot read an MSSD service', send: (api, key) => request(api.app).get('/api/v1/services/mssd-aics').set(bearer(key)), expect: 403 }],
  putService: [
    { name: 'cannot take over an MSSD service', send: (api, key) => request(api.app).put('/api/v1/services/mssd-aics').set(bearer(key)).send(serviceBody('moh')), expect: 403 },
    { name: 'cannot create a service for MSSD', send: (api, key) => request(api.app).put('/api/v1/services/mssd-new').set(bearer(key)).send(serviceBody('mssd')), expect: 403 },
  ],
  listRequests: [
    { name: "cannot list MSSD's requests", send: (api, key) => request(api.app).get('/api/v1/requests?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'lists only its own requests', send: (api, key) => request(api.app).get('/api/v1/requests').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  getRequest: [{ name: 'cannot read an MSSD request', send: (api, key) => request(api.app).get(`/api/v1/requests/${owned.reference}`).set(bearer(key)), expect: 404 }],
  changeRequestStatus: [
    { name: 'cannot move an MSSD request', send: (api, key) => request(api.app).post(`/api/v1/requests/${owned.reference}/status`).set(bearer(key)).send({ status: 'approved' }), expect: 404 },
  ],
  listBroadcasts: [
    { name: "cannot list MSSD's broadcasts", send: (api, key) => request(api.app).get('/api/v1/broadcasts?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'lists only its own broadcasts', send: (api, key) => request(api.app).get('/api/v1/broadcasts').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  createBroadcast: [
    {
      name: 'cannot draft for MSSD',
      send: (api, key) => request(api.app).post('/api/v1/broadcasts').set(bearer(key)).send({ ministry: 'mssd', topic: 'aid-payouts', texts: { en: 'x' } }),
      expect: 403,
    },
  ],
  getBroadcast: [{ name: 'cannot read an MSSD broadcast', send: (api, key) => request(api.app).get(`/api/v1/broadcasts/${owned.broadcastId}`).set(bearer(key)), expect: 404 }],
  previewBroadcast: [{ name: 'cannot preview it', send: (api, key) => request(api.app).get(`/api/v1/broadcasts/${owned.broadcastId}/preview`).set(bearer(key)), expect: 404 }],
  scheduleBroadcast: [{ name: 'cannot schedule it', send: (api, key) => request(api.app).post(`/api/v1/broadcasts/${owned.broadcastId}/schedule`).set(bearer(key)).send({}), expect: 404 }],
  approveBroadcast: [{ name: 'cannot approve it', send: (api, key) => request(api.app).post(`/api/v1/broadcasts/${owned.broadcastId}/approve`).set(bearer(key)), expect: 404 }],
  stopBroadcast: [{ name: 'cannot stop it', send: (api, key) => request(api.app).post(`/api/v1/broadcasts/${owned.broadcastId}/stop`).set(bearer(key)), expect: 404 }],
  broadcastProgress: [{ name: 'cannot follow it', send: (api, key) => request(api.app).get(`/api/v1/broadcasts/${owned.broadcastId}/progress`).set(bearer(key)), expect: 404 }],
  listAuditLog: [
    { name: "cannot read MSSD's audit log", send: (api, key) => request(api.app).get('/api/v1/audit?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'reads only its own entries', send: (api, key) => request(api.app).get('/api/v1/audit').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  fileAssistedRequest: [
    {
      name: 'cannot file one: only a service centre key can',
      send: (api, key) => request(api.app).post('/api/v1/assisted-requests').set(bearer(key)).send({ phone: '09171234502', service: 'mssd-aics', answers: {} }),
      expect: 403,
    },
  ],
  listThreads: [
    { name: "cannot list MSSD's desk", send: (api, key) => request(api.app).get('/api/v1/threads?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'lists only its own threads', send: (api, key) => request(api.app).get('/api/v1/threads').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  threadMeasures: [
    { name: "cannot measure MSSD's desk", send: (api, key) => request(api.app).get('/api/v1/threads/measures?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'measures only its own offices', send: (api, key) => request(api.app).get('/api/v1/threads/measures').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  getThread: [{ name: 'cannot read an MSSD thread', send: (api, key) => request(api.app).get(`/api/v1/threads/${owned.thread}`).set(bearer(key)), expect: 404 }],
  replyThread: [
    { name: 'cannot reply to it', send: (api, key) => request(api.app).post(`/api/v1/threads/${owned.thread}/reply`).set(bearer(key)).send({ body: 'hello' }), expect: 404 },
    { name: 'cannot note on it', send: (api, key) => request(api.app).post(`/api/v1/threads/${owned.thread}/reply`).set(bearer(key)).send({ body: 'hello', note: true }), expect: 404 },
  ],
  assignThread: [{ name: 'cannot take it over', send: (api, key) => request(api.app).post(`/api/v1/threads/${owned.thread}/assign`).set(bearer(key)).send({ ministry: 'moh' }), expect: 404 }],
  closeThread: [{ name: 'cannot close it', send: (api, key) => request(api.app).post(`/api/v1/threads/${owned.thread}/close`).set(bearer(key)).send({ resolution: 'done' }), expect: 404 }],
  addCalendarDay: [
    { name: 'cannot add a non-working day', send: (api, key) => request(api.app).post('/api/v1/calendar').set(bearer(key)).send({ day: '2026-12-07', kind: 'suspension', name: 'x' }), expect: 403 },
  ],
  removeCalendarDay: [{ name: 'cannot remove one', send: (api, key) => request(api.app).delete('/api/v1/calendar/1').set(bearer(key)), expect: 403 }],
  extendRequest: [
    { name: 'cannot extend an MSSD request', send: (api, key) => request(api.app).post(`/api/v1/requests/${owned.reference}/extension`).set(bearer(key)).send({ reason: 'more time' }), expect: 404 },
  ],
  clockCounts: [
    { name: "cannot count MSSD's clocks", send: (api, key) => request(api.app).get('/api/v1/charter/clocks?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'counts only its own', send: (api, key) => request(api.app).get('/api/v1/charter/clocks').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  processingTimesReport: [
    { name: "cannot report on MSSD", send: (api, key) => request(api.app).get('/api/v1/reports/processing-times?ministry=mssd').set(bearer(key)), expect: 403 },
    { name: 'reports only its own services', send: (api, key) => request(api.app).get('/api/v1/reports/processing-times').set(bearer(key)), expect: noneOfMssd('ministry') },
  ],
  notifyBreach: [
    {
      name: "cannot send breach notices: only the privacy officer's key can",
      send: (api, key) => request(api.app).post('/api/v1/breaches').set(bearer(key)).send({ report: { nature: 'x'.repeat(5), dataInvolved: 'phones', measures: 'keys revoked', dpoContact: 'dpo@x.ph', helpOffered: 'hotline' }, selection: { ministry: 'mssd' }, texts: { en: 'Notice' } }),
      expect: 403,
    },
  ],
  breachReport: [{ name: 'cannot read a breach report', send: (api, key) => request(api.app).get('/api/v1/breaches/1/report').set(bearer(key)), expect: 403 }],
  listConsents: [{ name: "cannot read consent records: only the privacy officer's key can", send: (api, key) => request(api.app).get('/api/v1/consents').set(bearer(key)), expect: 403 }],
  listAssistedRequests: [
    { name: "cannot list MSSD's centres' requests", send: (api, key) => request(api.app).get('/api/v1/assisted-requests?ministry=mssd').set(bearer(key)), expect: 403 },
    {
      name: "lists none of MSSD's centres' requests",
      send: (api, key) => request(api.app).get('/api/v1/assisted-requests').set(bearer(key)),
      expect: (body) => expect((body.items as { ministry: string }[]).filter((item) => item.ministry === 'mssd')).toEqual([]),
    },
  ],
};

/** Records that belong to no ministry: any key may read them (and only a super-admin change them, above). */
const shared: Record<string, Probe> = {
  listCategories: { name: 'reads the shared categories', send: (api, key) => request(api.app).get('/api/v1/categories').set(bearer(key)), expect: () => undefined },
  previewThreadReply: { name: 'sizes a text, which names nobody', send: (api, key) => request(api.app).post('/api/v1/threads/preview').set(bearer(key)).send({ locale: 'en', body: 'Hello' }), expect: () => undefined },
  listCalendar: { name: 'reads the working calendar', send: (api, key) => request(api.app).get('/api/v1/calendar').set(bearer(key)), expect: () => undefined },
  listPurposes: { name: 'reads the purposes, which are public', send: (api, key) => request(api.app).get('/api/v1/purposes').set(bearer(key)), expect: () => undefined },
  countSubscribers: { name: 'reads counts, which name nobody', send: (api, key) => request(api.app).get('/api/v1/subscribers?groupBy=topic').set(bearer(key)), expect: () => undefined },
  listTranslations: { name: 'reads the review state of the translations', send: (api, key) => request(api.app).get('/api/v1/translations').set(bearer(key)), expect: () => undefined },
  listTranslationStrings: { name: "reads one language's strings", send: (api, key) => request(api.app).get('/api/v1/translations/tsg').set(bearer(key)), expect: () => undefined },
};

describe.each(databaseBackends())("the API refuses another ministry's key on $name", (backend) => {
  let db: Database;
  let api: ApiHarness;
  let mohKey: string;

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db);
    const mssd = await api.keyFor('mssd');
    mohKey = (await api.keyFor('moh')).key;
    const citizen = await api.context.citizens.findOrCreate('tel:+639171234500', 'ussd');
    const { reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina' }, channel: 'ussd' });
    const mohCitizen = await api.context.citizens.findOrCreate('tel:+639171234501', 'ussd');
    await api.context.requests.submit({ citizenId: mohCitizen.id, serviceCode: 'moh-maip', answers: {}, channel: 'ussd' });
    const broadcast = await request(api.app).post('/api/v1/broadcasts').set(bearer(mssd.key)).send({ topic: 'aid-payouts', texts: { en: 'Payout on Friday.' } });
    await request(api.app).post('/api/v1/broadcasts').set(bearer(mohKey)).send({ topic: 'health-advisories', texts: { en: 'Clinic open.' } });
    const thread = await api.context.admin.threads.file({ citizenId: citizen.id, channel: 'sms', categoryCode: 'social-welfare', text: 'My aid did not come' });
    await api.context.admin.threads.file({ citizenId: mohCitizen.id, channel: 'sms', categoryCode: 'health', text: 'The clinic was closed' });
    owned = { reference, broadcastId: broadcast.body.id, keyId: mssd.id, thread: thread.reference };
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('has a case for every route of the API', () => {
    const routes = apiRoutes(api.context.admin).map((route) => route.operationId).sort();
    expect([...Object.keys(probes), ...Object.keys(shared)].sort()).toEqual(routes);
  });

  const cases = Object.entries(probes).flatMap(([operationId, list]) => list.map((probe) => [operationId, probe.name, probe] as const));
  it.each(cases)('%s: a ministry key %s', async (operationId, _name, probe) => {
    const response = await probe.send(api, mohKey);
    if (probe.expect === 403 || probe.expect === 404) {
      expect(response.status).toBe(probe.expect);
      expect(response.body.error).toEqual(expect.any(String));
    } else {
      expect(response.status).toBe(200);
      api.expectDocumented(operationId, response.body);
      probe.expect(response.body);
    }
  });

  it("answers another ministry's request, broadcast and key exactly as ones that do not exist", async () => {
    const unknownReference = `1234567890${[...Array(10).keys()].find((digit) => hasValidCheckDigit(`1234567890${digit}`))}`;
    const answer = async (path: string) => {
      const response = await request(api.app).get(`/api/v1${path}`).set(bearer(mohKey));
      return [response.status, response.body.error.replace(/\d+/g, 'N')];
    };
    expect(await answer(`/requests/${owned.reference}`)).toEqual(await answer(`/requests/${unknownReference}`));
    expect(await answer(`/broadcasts/${owned.broadcastId}`)).toEqual(await answer('/broadcasts/999999'));
    expect(await answer(`/keys/${owned.keyId}`)).toEqual(await answer('/keys/999999'));
    expect(await answer(`/requests/${owned.reference}`)).toEqual([404, 'no request N']);
  });

  it.each(Object.entries(shared))('%s: a ministry key %s', async (operationId, probe) => {
    const response = await probe.send(api, mohKey);
    expect(response.status).toBe(200);
    api.expectDocumented(operationId, response.body);
  });

  it("changed nothing of MSSD's and queued no message", async () => {
    const admin = bearer(ADMIN_KEY);
    expect((await request(api.app).get(`/api/v1/requests/${owned.reference}`).set(admin)).body.status).toBe('received');
    expect((await request(api.app).get(`/api/v1/broadcasts/${owned.broadcastId}`).set(admin)).body.status).toBe('draft');
    expect((await request(api.app).get(`/api/v1/keys/${owned.keyId}`).set(admin)).body.revokedAt).toBeNull();
    expect((await request(api.app).get('/api/v1/services/mssd-aics').set(admin)).body.ministry).toBe('mssd');
    expect((await request(api.app).get('/api/v1/ministries/mssd').set(admin)).body.name.en).toBe('Ministry of Social Services and Development');
    expect((await request(api.app).get('/api/v1/categories').set(admin)).body.items.find((c: { code: string }) => c.code === 'health').name.en).toBe('Health');
    expect((await request(api.app).get('/api/v1/ministries').set(admin)).body.items.map((m: { code: string }) => m.code)).not.toContain('mfake');
    expect((await request(api.app).get(`/api/v1/threads/${owned.thread}`).set(admin)).body).toMatchObject({ ministry: 'mssd', status: 'open', messages: [{ author: 'citizen' }] });
    // Only the two receipts the filings queued (services/charter-receipt.ts).
    expect(await db.query("SELECT id FROM outbox WHERE body NOT LIKE 'Receipt %'")).toEqual([]);
  });
});
