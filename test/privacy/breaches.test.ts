import request from 'supertest';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { ADMIN_KEY, bearer } from '../support/api';
import { smsAndTelegram, type FakeProvider } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/**
 * Breach notices (NPC Circular 16-03): the privacy officer selects who is affected (here: the
 * Ministry of Health's requesters), writes the notice per language, and it reaches exactly
 * them, each in their language, at 22:00 Manila time, inside quiet hours, while an ordinary
 * broadcast waits for the morning; the NPC report fields and counts are exported; every step audited.
 */
const NIGHT = new Date('2026-11-28T14:00:00Z');
const TEXTS = {
  en: 'Lingkod: on 27 Nov your request data may have been seen by others. Call 8888 for help.',
  fil: 'Lingkod: noong 27 Nob maaaring nakita ng iba ang datos ng iyong request. Tumawag sa 8888.',
  bn: 'লিংকড: ২৭ নভেম্বর আপনার অনুরোধের তথ্য অন্যরা দেখে থাকতে পারে। সাহায্যের জন্য ৮৮৮৮ নম্বরে কল করুন।',
};
const REPORT = { nature: 'An officer key was used from an unknown address', dataInvolved: 'Phone numbers and request answers', measures: 'Key revoked; access reviewed', dpoContact: 'dpo@bangsamoro.gov.ph', helpOffered: 'Hotline 8888' };

describe.each(databaseBackends())('breach notices on $name', (backend) => {
  let db: Database;
  let app: Express;
  let context: AppContext;
  let sms: FakeProvider;
  let privacyKey: string;
  const people: Record<string, string> = { en: 'tel:+639171238001', fil: 'tel:+639171238002', bn: 'tel:+639171238003', other: 'tel:+639171238004' };

  beforeAll(async () => {
    db = await backend.open();
    const providers = smsAndTelegram();
    sms = providers.sms;
    ({ app, context } = await startLingkod(db, { ADMIN_API_KEY: ADMIN_KEY, BROADCAST_QUIET_HOURS: '21:00-07:00 Asia/Manila' }, { extraChannels: [providers.sms, providers.telegram], now: () => NIGHT }));
    const made = await request(app).post('/api/v1/keys').set(bearer(ADMIN_KEY)).send({ ministry: 'moh', name: 'dpo', holder: 'Data Protection Officer', role: 'privacy' });
    privacyKey = made.body.key;
    for (const [who, address] of Object.entries(people)) {
      const citizen = await context.citizens.findOrCreate(address, 'sms');
      await context.citizens.setLocale(citizen.id, who === 'other' ? 'en' : who);
      await context.requests.submit({ citizenId: citizen.id, serviceCode: who === 'other' ? 'mssd-aics' : 'moh-maip', answers: {}, channel: 'sms' });
    }
    // Their filings' receipts (services/charter-receipt.ts) go out first: what follows counts only the breach's notices.
    while ((await context.dispatcher.runOnce()) > 0);
    sms.deliveries.length = 0;
    // An ordinary announcement queued for one of them: quiet hours hold it.
    await context.outbox.enqueue({ address: people.en, channel: 'sms', body: 'Ordinary announcement', kind: 'broadcast' });
  });
  afterAll(async () => {
    await context.close();
  });

  it("refuses an officer's key, and a notice with no selection or with a link", async () => {
    const officer = (await request(app).post('/api/v1/keys').set(bearer(ADMIN_KEY)).send({ ministry: 'moh', name: 'officer', holder: 'An Officer' })).body.key;
    const body = { report: REPORT, selection: { ministry: 'moh' }, texts: TEXTS };
    expect((await request(app).post('/api/v1/breaches').set(bearer(officer)).send(body)).status).toBe(403);
    expect((await request(app).post('/api/v1/breaches').set(bearer(privacyKey)).send({ ...body, selection: {} })).status).toBe(400);
    expect((await request(app).post('/api/v1/breaches').set(bearer(privacyKey)).send({ ...body, texts: { en: 'See https://bit.ly/x' } })).status).toBe(400);
    expect(await db.query("SELECT 1 FROM outbox WHERE kind = 'notice'")).toEqual([]);
  });

  it('reaches exactly the selected people, in their languages, during quiet hours', async () => {
    const response = await request(app).post('/api/v1/breaches').set(bearer(privacyKey)).send({ report: REPORT, selection: { ministry: 'moh', from: '2026-11-01' }, texts: TEXTS });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ affected: 3, notified: 3 });
    expect(context.admin.holdBroadcasts(NIGHT)).toBe(true);
    while ((await context.dispatcher.runOnce()) > 0);
    const got = Object.fromEntries(Object.entries(people).map(([who, address]) => [who, sms.deliveries.filter((delivery) => delivery.address === address).map((delivery) => delivery.body.split('\n')[0])]));
    expect(got).toEqual({ en: [TEXTS.en], fil: [TEXTS.fil], bn: [TEXTS.bn], other: [] });
    const [held] = await db.query<{ status: string }>("SELECT status FROM outbox WHERE body LIKE 'Ordinary announcement%'");
    expect(held.status).toBe('queued');
  });

  it('exports the NPC report fields and counts, and audits every step without the notice text', async () => {
    const [{ id }] = await db.query<{ id: string }>('SELECT id FROM breaches');
    const report = await request(app).get(`/api/v1/breaches/${id}/report`).set(bearer(privacyKey));
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ report: REPORT, affected: 3, notified: 3, selection: { ministry: 'moh', from: '2026-11-01T00:00:00.000Z' } });
    const audit = await db.query<{ action: string; details: Record<string, unknown> }>("SELECT action, details FROM audit_log WHERE action LIKE 'breach.%' ORDER BY id");
    expect(audit.map((row) => row.action)).toEqual(['breach.notify', 'breach.report']);
    expect(JSON.stringify(audit)).not.toContain(TEXTS.en);
    expect(JSON.stringify(audit)).not.toContain('639171238');
  });
});
