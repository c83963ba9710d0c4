import request from 'supertest';
import type { Database } from '../../src/store/sql';
import { optionNumber, UssdPhone } from '../support/app';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/**
 * The audit log never holds message content or a phone number (GovStack Messaging BB 5.1.10 and
 * 6.2.3): after citizens' journeys (USSD, SMS keywords, a status lookup, erasure) and officers'
 * (a broadcast, a status change with a note, a consent read), every audit row is read whole and
 * must contain none of the numbers, answers, broadcast texts or notes involved.
 */
const NUMBERS = ['+639171239001', '+639171239002'];
const NAME = 'Bai Sittie Aminah';
const BROADCAST = 'Libreng bakuna sa Lunes sa health centre.';
const NOTE = 'Dalhin ang orihinal na sertipiko sa Biyernes.';

describe.each(databaseBackends())('the audit log after journeys on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db);
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('holds no message text, answer or phone number', async () => {
    const sms = (text: string, number = NUMBERS[0]) => api.context.conversation.sms.answer({ address: `tel:${number}`, channel: 'sms', text, proven: true, limitFloods: false });
    const phone = new UssdPhone(api.app, NUMBERS[1]);
    await phone.press(optionNumber(await phone.dial(), 'English'));
    const citizen = await api.context.citizens.findOrCreate(`tel:${NUMBERS[1]}`, 'ussd');
    const { reference } = await api.context.requests.submit({ citizenId: citizen.id, serviceCode: 'moh-maip', answers: { full_name: NAME }, channel: 'ussd' });
    await sms('STOP');
    await sms('START');
    await sms(`STATUS ${reference}`);
    await sms('MYDATA');
    const officer = (await api.keyFor('moh', 'officer')).key;
    const privacy = (await api.keyFor('moh', 'dpo', { role: 'privacy' })).key;
    expect((await request(api.app).post('/api/v1/broadcasts').set(bearer(officer)).send({ topic: 'health-advisories', texts: { en: 'Free shots on Monday.', fil: BROADCAST } })).status).toBe(201);
    expect((await request(api.app).post(`/api/v1/requests/${reference}/status`).set(bearer(officer)).send({ status: 'in_review', note: NOTE })).status).toBe(200);
    expect((await request(api.app).get('/api/v1/consents').set(bearer(privacy))).status).toBe(200);
    expect((await request(api.app).get('/api/v1/audit').set(bearer(ADMIN_KEY))).status).toBe(200);
    await api.context.dataRights.erase(citizen.id, 'ussd');

    const rows = await db.query<Record<string, unknown>>('SELECT * FROM audit_log ORDER BY id');
    const actions = new Set(rows.map((row) => row.action));
    for (const action of ['broadcast.create', 'request.status', 'request.lookup', 'consent.read', 'citizen.erase', 'key.create']) expect(actions).toContain(action);
    const whole = JSON.stringify(rows);
    for (const number of NUMBERS) {
      expect(whole).not.toContain(number.slice(1));
      expect(whole).not.toContain(number.slice(4));
    }
    for (const content of [NAME, BROADCAST, NOTE, 'Free shots on Monday.']) expect(whole).not.toContain(content);
    // The texts are named by digest, so an auditor can still match them to the records.
    const created = rows.find((row) => row.action === 'broadcast.create');
    expect(created?.details).toMatchObject({ texts: { fil: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), chars: [...BROADCAST].length } } });
  });
});
