import request from 'supertest';
import type { Database } from '../../src/store/sql';
import { optionNumber, UssdPhone } from '../support/app';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/**
 * Consent records (issue 20): subscribing, unsubscribing, STOP and START append consent events
 * with the channel, the time and the exact text the citizen saw; the history is append-only in
 * the database itself; MYDATA shows it; the privacy officer reads it through the API, and each
 * read is audited; erasure leaves the history naming no one.
 */
const PHONE = '+639171230077';

describe.each(databaseBackends())('consent records on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;
  let privacyKey: string;
  let officerKey: string;

  const sms = (text: string, address = `tel:${PHONE}`) => api.context.conversation.sms.answer({ address, channel: 'sms', text, proven: true, limitFloods: false });
  const events = () => db.query<Record<string, string>>('SELECT * FROM consent_events ORDER BY id');

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db);
    privacyKey = (await api.keyFor('moh', 'data protection officer', { role: 'privacy' })).key;
    officerKey = (await api.keyFor('moh', 'officer')).key;
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('records a subscription made on USSD with the confirmation screen it showed, in the language chosen', async () => {
    const phone = new UssdPhone(api.app, PHONE);
    const languages = await phone.dial();
    await phone.press(optionNumber(languages, 'Filipino'));
    const menu = phone.last;
    await phone.press(optionNumber(menu, 'Mga anunsiyo'));
    await phone.press('1');
    await phone.press(optionNumber(phone.last, 'Abiso sa kalusugan'));
    await phone.press(optionNumber(phone.last, 'Basilan'));
    const done = await phone.press('1');
    const [event] = await events();
    expect(event).toMatchObject({ purpose: 'announcements', action: 'given', channel: 'ussd', notice_locale: 'fil', notice_key: 'dialogs:subscribe.subscribed', purposes_version: 1 });
    expect(event.scope).toMatch(/^health-advisories\//);
    // The exact text the citizen read, and its hash.
    expect(done).toContain(event.notice_text);
    expect(event.notice_text).toContain('Abiso sa kalusugan');
    expect(event.notice_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records STOP and START over SMS with the replies sent, once each (a repeated STOP changes nothing)', async () => {
    const stopped = await sms('STOP');
    await sms('STOP');
    const started = await sms('START');
    const [, stop, start, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(stop).toMatchObject({ action: 'withdrawn', channel: 'sms', notice_key: 'sms:stopped', scope: '' });
    expect(start).toMatchObject({ action: 'given', channel: 'sms', notice_key: 'sms:started' });
    expect(stopped.kind === 'reply' && stopped.text).toContain(stop.notice_text);
    expect(started.kind === 'reply' && started.text).toContain(start.notice_text);
  });

  it.each([
    ['UPDATE', "UPDATE consent_events SET action = 'given'"],
    ['DELETE', 'DELETE FROM consent_events'],
    ['TRUNCATE', 'TRUNCATE consent_events'],
  ])('refuses %s in the database itself', async (operation, sql) => {
    const before = await events();
    await expect(db.query(sql)).rejects.toThrow(`consent_events is append-only: ${operation} refused`);
    expect(await events()).toEqual(before);
  });

  it('shows the history on MYDATA, newest first', async () => {
    const phone = new UssdPhone(api.app, PHONE);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'Aking datos'));
    // The summary's second page ("98 Iba pa") has the consents.
    const more = await phone.press('98');
    const history = await phone.press(optionNumber(more, 'Mga pahintulot (3)'));
    expect(history).toMatch(/Mga anunsyo: oo \(sms\)[\s\S]*Mga anunsyo: hindi \(sms\)[\s\S]*Mga anunsyo: oo \(ussd\)/);
  });

  it("is read by the privacy officer's key only, and every read is audited", async () => {
    expect((await request(api.app).get('/api/v1/consents').set(bearer(officerKey))).status).toBe(403);
    const response = await request(api.app).get('/api/v1/consents?purpose=announcements&limit=2').set(bearer(privacyKey));
    expect(response.status).toBe(200);
    api.expectDocumented('listConsents', response.body);
    expect(response.body.items.map((item: { action: string }) => item.action)).toEqual(['given', 'withdrawn']);
    expect(response.body.nextCursor).toEqual(expect.any(String));
    const next = await request(api.app).get(`/api/v1/consents?cursor=${response.body.nextCursor}`).set(bearer(ADMIN_KEY));
    expect(next.body.items).toHaveLength(1);
    const reads = await db.query<{ actor: string; details: Record<string, unknown> }>("SELECT actor, details FROM audit_log WHERE action = 'consent.read' ORDER BY id");
    expect(reads).toHaveLength(2);
    expect(reads[0].details).toMatchObject({ purpose: 'announcements', shown: 2 });
    // No write through the API: there is no route to change a record.
    expect((await request(api.app).post('/api/v1/consents').set(bearer(privacyKey)).send({})).status).toBe(404);
  });

  it('keeps the history through erasure, withdrawn, naming no one', async () => {
    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [`tel:${PHONE}`]);
    await api.context.dataRights.erase(Number(citizenId), 'sms');
    const history = await events();
    expect(history.at(-1)).toMatchObject({ action: 'withdrawn', purpose: 'announcements', notice_key: 'dialogs:mydata.erased', notice_locale: 'fil' });
    // Subscribed, STOP, START, erased: four events, none changed.
    expect(history).toHaveLength(4);
    // The key leads nowhere: no address, and no row of the history holds the number.
    expect(await db.query('SELECT 1 FROM citizen_addresses WHERE citizen_id = $1', [citizenId])).toEqual([]);
    expect(JSON.stringify(history)).not.toContain(PHONE.slice(1));
  });
});
