import { loadConfig, SUPPORTED_LOCALES } from '../../src/config';
import { createI18n } from '../../src/i18n';
import { Outbox } from '../../src/outbox/outbox';
import type { Actor } from '../../src/services/access';
import { createAdminServices, type AdminServices } from '../../src/services/admin';
import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import { CitizenService } from '../../src/services/citizens';
import { RequestService } from '../../src/services/requests';
import { normaliseCode, VerificationService, verificationStamp } from '../../src/services/verification';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import type { Database } from '../../src/store/sql';
import { newKey, seedSubscribers, smsAndTelegram, testSmsBudget } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/** Daytime in Manila, outside quiet hours. */
const NOW = new Date('2026-11-28T02:00:00Z');
const LETTERS = 'ABCDEFGHJKLMNPQR';
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** The code at the end of a stamped message. */
const codeIn = (body: string) => /VERIFY ([A-Z2-9]{6})$/.exec(body)?.[1];

describe('a typed verification code', () => {
  it('is read in any case, with spaces or dashes, and refused when it cannot be a code', () => {
    expect(normaliseCode(' kx7 m2q ')).toBe('KX7M2Q');
    expect(normaliseCode('KX7-M2Q')).toBe('KX7M2Q');
    expect(normaliseCode('KX7M2')).toBeUndefined();
    expect(normaliseCode('KX7M2Q1')).toBeUndefined();
    expect(normaliseCode('KX7M!Q')).toBeUndefined();
  });
});

describe.each(databaseBackends())('verification codes on $name', (backend) => {
  let db: Database;
  let stamped: Outbox;
  let services: AdminServices;
  let mssd: Actor;
  const i18n = createI18n('en');
  const store = new MemoryEphemeralStore();
  const citizens = () => new CitizenService(db);

  beforeAll(async () => {
    db = await backend.open();
    await loadSampleCatalogIfEmpty(db);
    stamped = new Outbox(db, verificationStamp(i18n, SUPPORTED_LOCALES, 'en'));
    const { sms, telegram } = smsAndTelegram();
    services = createAdminServices({
      db,
      config: loadConfig({ LOG_LEVEL: 'silent', BROADCAST_QUIET_HOURS: 'off' }),
      i18n,
      outbox: stamped,
      sendingChannels: [sms, telegram],
      queued: () => undefined,
      catalogChanged: () => undefined,
      unsolicitedSms: testSmsBudget(db),
      now: () => NOW,
    });
    mssd = (await newKey(db, 'mssd')).actor;
  });
  afterAll(async () => {
    await db.close();
  });

  it('draws six characters without look-alikes, a letter first, every one of them used, each code its own', async () => {
    const rows = await db.query<{ code: string }>('SELECT verification_code() AS code FROM generate_series(1, 1000)');
    const codes = rows.map((row) => row.code);
    expect(codes.every((code) => new RegExp(`^[${LETTERS}][${ALPHABET}]{5}$`).test(code))).toBe(true);
    expect(new Set(codes.map((code) => code[0]))).toEqual(new Set(LETTERS));
    expect(new Set(codes.flatMap((code) => [...code.slice(1)]))).toEqual(new Set(ALPHABET));
    // 1,000 draws from 2^29 codes: a repeat or two is possible, many would mean no randomness.
    expect(new Set(codes).size).toBeGreaterThan(990);
  });

  it('stamps a pushed message with its own code and a line in its language, and a reply with none', async () => {
    const citizen = await citizens().findOrCreate('tel:+639171300001', 'sms');
    const notice = await stamped.enqueue({ address: 'tel:+639171300001', channel: 'sms', body: 'Kumusta', kind: 'notice', citizenId: citizen.id, locale: 'fil' });
    const reply = await stamped.enqueue({ address: 'tel:+639171300001', channel: 'sms', body: 'Reply text', kind: 'reply', citizenId: citizen.id });
    const rows = await db.query<{ id: string; body: string; verification_code: string | null }>('SELECT id, body, verification_code FROM outbox WHERE id = ANY($1) ORDER BY id', [[notice, reply]]);
    expect(rows[0].body).toMatch(/^Kumusta\nPara matiyak na galing ito sa Lingkod, i-text ang VERIFY [A-Z2-9]{6}$/);
    expect(codeIn(rows[0].body)).toBe(rows[0].verification_code);
    expect(rows[1]).toMatchObject({ body: 'Reply text', verification_code: null });
  });

  it('leaves messages alone when the outbox has no stamp (tests of other parts, and deployments that want none)', async () => {
    const id = await new Outbox(db).enqueue({ address: 'tel:+639171300002', channel: 'sms', body: 'Plain', kind: 'status' });
    expect(await db.query('SELECT body, verification_code FROM outbox WHERE id = $1', [id])).toEqual([{ body: 'Plain', verification_code: null }]);
  });

  it('gives every recipient of a broadcast a code of their own, in the line of the text they get', async () => {
    const seeded = await seedSubscribers(db, { count: 24, topic: 'aid-payouts', municipalities: ['cc-cotabato'] });
    const draft = await services.broadcasts.create(mssd, {
      ministryCode: 'mssd',
      topic: 'aid-payouts',
      municipalities: null,
      channels: null,
      languages: null,
      texts: { en: 'Payout on Friday.', fil: 'Bayad sa Biyernes.' },
      defaultLocale: 'en',
      emergency: false,
    });
    const preview = await services.broadcasts.preview(mssd, draft.id);
    // Sized as sent: the English text with its verification line is 65 characters.
    expect(preview.locales.find((locale) => locale.locale === 'en')?.sms.units).toBe('Payout on Friday.\nTo check it is from Lingkod, text VERIFY KX7M2Q'.length);
    await services.broadcasts.schedule(mssd, draft.id);
    await services.broadcasts.fanOutDue();
    const rows = await db.query<{ body: string; verification_code: string; citizen_id: string }>(
      'SELECT body, verification_code, citizen_id FROM outbox WHERE broadcast_id = $1',
      [draft.id],
    );
    expect(rows).toHaveLength(seeded.length);
    for (const row of rows) {
      expect(codeIn(row.body)).toBe(row.verification_code);
      const locale = seeded.find((citizen) => citizen.id === Number(row.citizen_id))?.locale;
      // Bangla and unset languages get the English text, so the English line: one encoding per message.
      if (locale === 'fil') expect(row.body).toMatch(/^Bayad sa Biyernes\.\nPara matiyak na galing ito sa Lingkod, i-text ang VERIFY /);
      else expect(row.body).toMatch(/^Payout on Friday\.\nTo check it is from Lingkod, text VERIFY /);
    }
    expect(new Set(rows.map((row) => row.verification_code)).size).toBe(rows.length);
  });

  it("tells a citizen a code of their own message is genuine, when and from which ministry, and nobody else's", async () => {
    const verify = new VerificationService(db, { store, perHour: 100, timeZone: 'Asia/Manila' });
    const owner = await citizens().findOrCreate('tel:+639171300003', 'ussd');
    const stranger = await citizens().findOrCreate('tel:+639171300004', 'ussd');
    const { reference } = await new RequestService(db).submit({ citizenId: owner.id, serviceCode: 'mssd-aics', answers: {}, channel: 'ussd' });
    const { notification } = await services.requests.changeStatus(mssd, reference, { status: 'in_review' });
    expect(notification.queued).toBe(true);
    const [row] = await db.query<{ verification_code: string }>('SELECT verification_code FROM outbox WHERE request_id IS NOT NULL AND citizen_id = $1', [owner.id]);
    const code = row.verification_code;

    const genuine = await verify.check(owner.id, code.toLowerCase());
    expect(genuine).toMatchObject({ kind: 'genuine', ministry: { en: 'Ministry of Social Services and Development' }, centre: null });
    expect(genuine.kind === 'genuine' && genuine.when).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(await verify.check(stranger.id, code)).toEqual({ kind: 'unknown' });
    expect(await verify.check(owner.id, 'AAAAAA')).toEqual({ kind: 'unknown' });

    await db.query(`UPDATE outbox SET status = 'cancelled' WHERE verification_code = $1`, [code]);
    expect(await verify.check(owner.id, code)).toEqual({ kind: 'unknown' });
  });

  it('limits lookups per citizen per hour, counting misses, malformed codes and hits alike', async () => {
    const verify = new VerificationService(db, { store: new MemoryEphemeralStore(), perHour: 3, timeZone: 'Asia/Manila' });
    const citizen = await citizens().findOrCreate('tel:+639171300005', 'sms');
    const other = await citizens().findOrCreate('tel:+639171300006', 'sms');
    const outcomes = [];
    for (const typed of ['AAAAAA', 'nonsense', 'BBBBBB', 'CCCCCC']) outcomes.push((await verify.check(citizen.id, typed)).kind);
    expect(outcomes).toEqual(['unknown', 'unknown', 'unknown', 'limited']);
    expect((await verify.check(other.id, 'AAAAAA')).kind).toBe('unknown');
  });
});
