import { createActor } from 'xstate';
import type { Express } from 'express';
import { applyDialog } from '../../src/dialogs/apply';
import type { DialogEffects, TrustEffects } from '../../src/dialogs/dialog';
import { paginate } from '../../src/text/pages';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import type { EphemeralStore } from '../../src/store/ephemeral';
import type { Database } from '../../src/store/sql';
import { verhoeffCheckDigit } from '../../src/services/reference';
import { databaseBackends, ephemeralBackends } from '../support/stores';
import { TODAY, UssdPhone, optionNumber, startLingkod, switchableDatabase, type SwitchableDatabase } from '../support/app';

const layout = (screen: Parameters<typeof paginate>[0]) => paginate(screen, { gsm7: 182, ucs2: 80 });

describe('the dialog engine', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let clock = TODAY.getTime();

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context, app } = await startLingkod(db, {}, { now: () => new Date(clock) }));
  });
  afterAll(async () => {
    await context.close();
  });

  async function savedRecord(address: string): Promise<Record<string, unknown>> {
    return JSON.parse((await context.store.get(`dialog:${address}`)) ?? 'null');
  }

  it('keeps a caller in a list of 700 services within 1 KB of session, and still opens the one whose number is typed', async () => {
    await db.query(`INSERT INTO categories (code, name, position) VALUES ('test-licences', '{"en": "Licences test"}', 99)`);
    await db.query(
      `INSERT INTO services (code, category_code, ministry_code, name, processing_time, office, position)
       SELECT 'test-licence-' || n, 'test-licences', (SELECT code FROM ministries ORDER BY code LIMIT 1),
              jsonb_build_object('en', 'Licence ' || n), '{"en": "3 days"}', '{"en": "Municipal hall"}', n
         FROM generate_series(1, 700) AS n`,
    );
    context.catalog.invalidate();
    const phone = new UssdPhone(app, '+639170000250');
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    await phone.press(optionNumber(phone.last, 'Services'));
    while (!phone.last.includes('Licences test')) await phone.press('98');
    await phone.press(optionNumber(phone.last, 'Licences test'));
    expect(phone.last).toContain('1 Licence 1');
    const raw = (await context.store.get('dialog:tel:+639170000250')) ?? '';
    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(1024);
    await phone.press('650');
    expect(phone.last).toContain('Licence 650');
    expect(phone.last).not.toMatch(/Choose a number/);
  });

  it('restarts politely at the main menu when a saved dialog is of an older version', async () => {
    const phone = new UssdPhone(app, '+639170000201');
    await phone.dial();
    await phone.press('1');
    await phone.press(optionNumber(phone.last, 'Services'));
    const record = await savedRecord('tel:+639170000201');
    await context.store.set('dialog:tel:+639170000201', JSON.stringify({ ...record, version: 0 }), 60);
    const reply = await phone.press('1');
    expect(reply).toMatch(/^CON The menu has changed\. Starting again\.\nLingkod - government services/);
  });

  it('starts afresh when the saved state is unreadable', async () => {
    const phone = new UssdPhone(app, '+639170000202');
    await phone.dial();
    await phone.press('1');
    await context.store.set('dialog:tel:+639170000202', '{not json', 60);
    expect(await phone.press('1')).toMatch(/^CON (The menu has changed\. Starting again\.\n)?Lingkod - government services/);
  });

  it('starts a conversation afresh after an idle time-out on a channel without sessions', async () => {
    const inbound = { channel: 'sms', address: 'tel:+639170000203', idleTimeout: 900 };
    await context.engine.turn({ ...inbound, text: 'hi' }, layout);
    const menu = await context.engine.turn({ ...inbound, text: '1' }, layout);
    expect(menu.text).toMatch(/^Lingkod - government services/);
    const categories = await context.engine.turn({ ...inbound, text: '1' }, layout);
    expect(categories.text).toMatch(/^Choose a category/);
    clock += 901_000;
    const afterIdle = await context.engine.turn({ ...inbound, text: '1' }, layout);
    expect(afterIdle.text).toMatch(/^Lingkod - government services/);
  });

  it('jumps straight to a dialog for a keyword, e.g. STATUS with a reference', async () => {
    const body = '7300000001';
    const reference = body + verhoeffCheckDigit(body);
    const reply = await context.engine.turn(
      { channel: 'sms', address: 'tel:+639170000204', text: `STATUS ${reference}`, start: { dialog: 'status', params: { reference } } },
      layout,
    );
    expect(reply.text).toMatch(/^No request has that reference\./);
  });

  it('keeps a session small enough to hold thousands in Redis (under 1 KB mid-form)', async () => {
    const phone = new UssdPhone(app, '+639170000205');
    await phone.dial();
    await phone.walk('1', '1', '1', '1', '1', 'Nur Hassan', '4');
    const raw = (await context.store.get('dialog:tel:+639170000205')) ?? '';
    expect(raw).toContain('"dialog":"apply"');
    expect(Buffer.byteLength(raw)).toBeLessThan(1024);
  });
});

describe('a dialog snapshot', () => {
  const effects: DialogEffects & Pick<TrustEffects, 'requestProof' | 'checkProof'> = {
    requestProof: async () => 'sent',
    checkProof: async () => ({ kind: 'proven' }),
    saveLanguage: async () => undefined,
    loadForm: async () => ({ fieldCount: 3 }),
    submitRequest: async () => ({ reference: '48217730953' }),
    subscribe: async () => undefined,
    unsubscribe: async () => undefined,
  };
  const { machine } = applyDialog(effects);
  const settle = async (actor: ReturnType<typeof createActor>) => {
    while (actor.getSnapshot().hasTag('busy')) await new Promise((resolve) => setImmediate(resolve));
  };

  it('survives being stringified mid-dialog and restored, with the same outcome as an unbroken run', async () => {
    const input = { citizenId: 7, channel: 'ussd', address: 'tel:+639170000207', locale: 'en', proven: false, params: { service: 'mssd-aics' } };
    const unbroken = createActor(machine, { input }).start();
    await settle(unbroken);
    for (const value of ['Amina', '5']) unbroken.send({ type: 'ANSWER', value });
    unbroken.send({ type: 'CHOOSE', value: 'medical' });

    const first = createActor(machine, { input }).start();
    await settle(first);
    first.send({ type: 'ANSWER', value: 'Amina' });
    const saved = JSON.stringify(first.getPersistedSnapshot());
    first.stop();
    const restored = createActor(machine, { snapshot: JSON.parse(saved) }).start();
    restored.send({ type: 'ANSWER', value: '5' });
    restored.send({ type: 'CHOOSE', value: 'medical' });

    expect(restored.getSnapshot().value).toBe('review');
    expect(restored.getSnapshot().value).toBe(unbroken.getSnapshot().value);
    expect(restored.getSnapshot().context).toEqual(unbroken.getSnapshot().context);
  });
});

describe.each(ephemeralBackends())('two instances sharing dialog state in $name', (backend) => {
  let db: SwitchableDatabase;
  let store: EphemeralStore;
  let first: AppContext;
  let second: AppContext;

  beforeAll(async () => {
    db = switchableDatabase(await databaseBackends()[0].open());
    store = backend.open();
    first = (await startLingkod(db, {}, { store })).context;
    second = (await startLingkod(db, {}, { store })).context;
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('carries one USSD session across both, hop by hop', async () => {
    // Alternate instances every hop, as a load balancer without stickiness would.
    const apps = [createApp(first), createApp(second)];
    const phone = new UssdPhone(apps[0], '+639170000301');
    let hop = 0;
    const next = () => phone.via(apps[hop++ % 2]);
    next();
    await phone.dial();
    for (const input of ['1', '1', '1', '1', '1', 'Rashid Ali', '3']) {
      next();
      await phone.press(input);
    }
    next();
    await phone.press(optionNumber(phone.last, 'Medical'));
    expect(phone.last).toContain('Full name: Rashid Ali');
    next();
    expect(await phone.press('1')).toMatch(/^END Request for .+ received\. Your reference is \d{4}-\d{4}-\d{3}\./);
  });

  it('files a form once when the gateway retries the confirming hop on the other instance while the first is still saving', async () => {
    const apps = [createApp(first), createApp(second)];
    const phone = new UssdPhone(apps[0], '+639170000302');
    await phone.dial();
    await phone.walk('1', '1', '1', '1', '1', 'Amina Guiamel', '2');
    await phone.press(optionNumber(phone.last, 'Medical'));
    expect(phone.last).toContain('Full name: Amina Guiamel');
    db.delayMs = 400;
    const [answer, retried] = await phone.pressWithEarlyRetry('1', apps[1]);
    db.delayMs = 0;
    expect(answer).toMatch(/^END Request for .+ received\. Your reference is \d{4}-\d{4}-\d{3}\./);
    expect(retried).toBe(answer);
    const filed = await db.query<{ count: string }>(
      "SELECT count(*)::text AS count FROM requests r JOIN citizen_addresses a ON a.citizen_id = r.citizen_id WHERE a.address = 'tel:+639170000302'",
    );
    expect(filed[0].count).toBe('1');
  });
});
