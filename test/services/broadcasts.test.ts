import { ConflictError, ForbiddenError, InvalidError, NotFoundError, type Actor } from '../../src/services/access';
import type { AdminServices } from '../../src/services/admin';
import type { BroadcastInput } from '../../src/services/broadcasts';
import type { Database } from '../../src/store/sql';
import { adminServices, newKey, seedSubscribers, smsAndTelegram, type SeededCitizen } from '../support/ministries';
import { databaseBackends } from '../support/stores';

const MUNICIPALITIES = ['bas-lamitan', 'bas-akbar', 'cc-cotabato'];
/** 10:00 in Manila: outside quiet hours. */
const DAYTIME = new Date('2026-11-28T02:00:00Z');
/** 22:00 in Manila: inside quiet hours (21:00-07:00), which end at 23:00 UTC. */
const NIGHT = new Date('2026-11-28T14:00:00Z');

describe.each(databaseBackends())('broadcasts on $name', (backend) => {
  let db: Database;
  let services: AdminServices;
  let now = DAYTIME;
  let moh: Actor;
  let mohSecond: Actor;
  let mssd: Actor;
  let superAdmin: Actor;
  let seeded: SeededCitizen[];

  beforeAll(async () => {
    db = await backend.open();
    const { sms, telegram } = smsAndTelegram({ sms: 10, telegram: 25 });
    ({ services } = await adminServices(db, [sms, telegram], {
      env: { BROADCAST_APPROVAL_THRESHOLD: '100', BROADCAST_QUIET_HOURS: '21:00-07:00 Asia/Manila', SMS_PRICE_PHP: '0.35', TELEGRAM_PRICE_PHP: '0' },
      now: () => now,
    }));
    moh = (await newKey(db, 'moh')).actor;
    mohSecond = (await newKey(db, 'moh', 'second officer')).actor;
    mssd = (await newKey(db, 'mssd')).actor;
    superAdmin = (await newKey(db, null)).actor;
    seeded = await seedSubscribers(db, { count: 240, topic: 'health-advisories', municipalities: MUNICIPALITIES, optOutEvery: 10 });
    // The first subscriber also follows the topic in a second municipality: still one message.
    await db.query("INSERT INTO subscriptions (citizen_id, topic_code, municipality_code) VALUES ($1, 'health-advisories', 'bas-al-barka')", [seeded[0].id]);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    now = DAYTIME;
  });

  const draft = (overrides: Partial<BroadcastInput> = {}): BroadcastInput => ({
    ministryCode: 'moh',
    topic: 'health-advisories',
    municipalities: null,
    channels: null,
    languages: null,
    texts: { en: 'Free measles shots at the health centre on Monday.', fil: 'Libreng bakuna kontra tigdas sa health centre sa Lunes.' },
    defaultLocale: 'en',
    emergency: false,
    ...overrides,
  });

  const messagesOf = (broadcastId: number) =>
    db.query<{ citizen_id: string; address: string; channel: string; body: string; priority: number; due_now: boolean; not_before: Date }>(
      `SELECT citizen_id, address, channel, body, priority, not_before <= now() + interval '2 seconds' AS due_now, not_before
         FROM outbox WHERE broadcast_id = $1 ORDER BY citizen_id`,
      [broadcastId],
    );

  /** Drafts, schedules (approving with a second key when needed) and fans out; returns the broadcast id. */
  async function send(input: BroadcastInput): Promise<number> {
    const created = await services.broadcasts.create(moh, input);
    const scheduled = await services.broadcasts.schedule(moh, created.id);
    if (scheduled.status === 'pending_approval') await services.broadcasts.approve(mohSecond, created.id);
    expect(await services.broadcasts.fanOutDue()).toBe(1);
    return created.id;
  }

  it('reaches every subscriber of the topic exactly once, never one who opted out, in their language or the default', async () => {
    const id = await send(draft());
    const messages = await messagesOf(id);
    const expected = seeded.filter((citizen) => !citizen.optedOut);
    expect(messages.map((message) => Number(message.citizen_id))).toEqual(expected.map((citizen) => citizen.id));
    for (const [index, citizen] of expected.entries()) {
      const message = messages[index];
      expect(message).toMatchObject({ address: citizen.address, channel: citizen.channel, priority: 5, due_now: true });
      expect(message.body).toBe(citizen.locale === 'fil' ? draft().texts.fil : draft().texts.en);
    }
    const broadcast = await services.broadcasts.get(moh, id);
    expect(broadcast).toMatchObject({ status: 'sending', recipients: expected.length, approvedBy: mohSecond.keyId });
  });

  it('narrows the audience to some municipalities, channels and languages', async () => {
    const id = await send(draft({ municipalities: ['bas-akbar', 'cc-cotabato'], channels: ['telegram'], languages: ['fil', 'bn'], texts: { en: 'Clinic hours change.', bn: 'ক্লিনিকের সময় বদলেছে।' } }));
    const expected = seeded.filter(
      (citizen) => !citizen.optedOut && ['bas-akbar', 'cc-cotabato'].includes(citizen.municipality) && citizen.channel === 'telegram' && ['fil', 'bn'].includes(citizen.locale ?? 'en'),
    );
    const messages = await messagesOf(id);
    expect(messages.map((message) => Number(message.citizen_id))).toEqual(expected.map((citizen) => citizen.id));
    expect(new Set(messages.map((message) => message.body))).toEqual(new Set(['Clinic hours change.', 'ক্লিনিকের সময় বদলেছে।']));
  });

  it('previews recipients per channel and locale, SMS parts per locale, cost and duration', async () => {
    const long = 'Health advisory: '.padEnd(200, 'x');
    const bangla = 'স্বাস্থ্য সতর্কতা '.padEnd(100, 'ক');
    const created = await services.broadcasts.create(moh, draft({ texts: { en: long, bn: bangla } }));
    const preview = await services.broadcasts.preview(moh, created.id);
    const reached = seeded.filter((citizen) => !citizen.optedOut);
    const count = (predicate: (citizen: SeededCitizen) => boolean) => reached.filter(predicate).length;
    const sms = count((citizen) => citizen.channel === 'sms');
    const smsBangla = count((citizen) => citizen.channel === 'sms' && citizen.locale === 'bn');

    expect(preview.recipients).toBe(reached.length);
    expect(preview.notReached).toBe(0);
    expect(preview.locales).toEqual([
      { locale: 'bn', recipients: count((c) => c.locale === 'bn'), textLocale: 'bn', sms: { encoding: 'ucs2', units: 100, segments: 2 } },
      { locale: 'en', recipients: count((c) => c.locale === 'en' || c.locale === null), textLocale: 'en', sms: { encoding: 'gsm7', units: 200, segments: 2 } },
      { locale: 'fil', recipients: count((c) => c.locale === 'fil'), textLocale: 'en', sms: { encoding: 'gsm7', units: 200, segments: 2 } },
    ]);
    expect(preview.byChannelAndLocale).toContainEqual({ channel: 'sms', locale: 'bn', recipients: smsBangla });
    // Two parts per SMS at 0.35 each; Telegram is free. SMS at 10/s, Telegram at 25/s, side by side.
    expect(preview.channels).toEqual([
      { channel: 'sms', recipients: sms, ratePerSecond: 10, costPhp: Math.round(sms * 2 * 0.35 * 100) / 100, seconds: Math.ceil(sms / 10) },
      { channel: 'telegram', recipients: reached.length - sms, ratePerSecond: 25, costPhp: 0, seconds: Math.ceil((reached.length - sms) / 25) },
    ]);
    expect(preview.costPhp).toBe(Math.round(sms * 2 * 0.35 * 100) / 100);
    expect(preview.estimatedSeconds).toBe(Math.ceil(sms / 10));
    expect(preview).toMatchObject({ needsApproval: true, approvalThreshold: 100, heldByQuietHours: false, startsAt: DAYTIME });
  });

  it('counts subscribers no channel that is on can reach as not reached', async () => {
    const [{ id }] = await db.query<{ id: string }>("INSERT INTO citizens DEFAULT VALUES RETURNING id");
    await db.query("INSERT INTO citizen_addresses (address, citizen_id, channel) VALUES ('sim:preview-1', $1, 'simulator')", [id]);
    await db.query("INSERT INTO subscriptions (citizen_id, topic_code, municipality_code) VALUES ($1, 'farming', 'bas-lamitan')", [id]);
    const created = await services.broadcasts.create(moh, draft({ topic: 'farming' }));
    expect(await services.broadcasts.preview(moh, created.id)).toMatchObject({ recipients: 0, notReached: 1, estimatedSeconds: 0, costPhp: 0 });
  });

  it('needs a second key, not the drafter or the scheduler, above the approval threshold', async () => {
    const created = await services.broadcasts.create(moh, draft());
    const scheduled = await services.broadcasts.schedule(mohSecond, created.id);
    expect(scheduled.status).toBe('pending_approval');
    expect(await services.broadcasts.fanOutDue()).toBe(0);
    await expect(services.broadcasts.approve(moh, created.id)).rejects.toThrow(ConflictError);
    await expect(services.broadcasts.approve(mohSecond, created.id)).rejects.toThrow(ConflictError);
    // Another ministry's broadcast is not found, as one that does not exist.
    await expect(services.broadcasts.approve(mssd, created.id)).rejects.toThrow(NotFoundError);
    const approved = await services.broadcasts.approve(superAdmin, created.id);
    expect(approved).toMatchObject({ status: 'scheduled', approvedBy: superAdmin.keyId });
    await expect(services.broadcasts.approve(superAdmin, created.id)).rejects.toThrow(ConflictError);
    await services.broadcasts.stop(moh, created.id);
  });

  it('goes without approval at or below the threshold', async () => {
    const created = await services.broadcasts.create(moh, draft({ municipalities: ['bas-lamitan'], channels: ['sms'] }));
    expect((await services.broadcasts.schedule(moh, created.id)).status).toBe('scheduled');
    await services.broadcasts.stop(moh, created.id);
  });

  it('holds an ordinary broadcast fanned out in quiet hours until 07:00 Manila time, but not an emergency', async () => {
    now = NIGHT;
    const ordinary = await services.broadcasts.create(moh, draft({ municipalities: ['bas-lamitan'] }));
    const preview = await services.broadcasts.preview(moh, ordinary.id);
    expect(preview).toMatchObject({ heldByQuietHours: true, startsAt: new Date('2026-11-28T23:00:00Z') });
    const ordinaryId = await send(draft({ municipalities: ['bas-lamitan'] }));
    const held = await messagesOf(ordinaryId);
    expect(held.length).toBeGreaterThan(0);
    for (const message of held) expect(new Date(message.not_before)).toEqual(new Date('2026-11-28T23:00:00Z'));

    const emergency = await send(draft({ municipalities: ['bas-lamitan'], emergency: true, texts: { en: 'Flood warning: move to higher ground now.' } }));
    const urgent = await messagesOf(emergency);
    expect(urgent.length).toBe(held.length);
    for (const message of urgent) expect(message).toMatchObject({ due_now: true, priority: 4 });
    expect((await services.broadcasts.preview(moh, emergency)).heldByQuietHours).toBe(false);
  });

  it('fans a scheduled broadcast out only when its time has come', async () => {
    const created = await services.broadcasts.create(moh, draft({ municipalities: ['cc-cotabato'], channels: ['sms'] }));
    const scheduled = await services.broadcasts.schedule(moh, created.id, new Date(Date.now() + 3_600_000));
    expect(scheduled.status).toBe('scheduled');
    expect(await services.broadcasts.fanOutDue()).toBe(0);
    await db.query("UPDATE broadcasts SET scheduled_at = now() - interval '1 second' WHERE id = $1", [created.id]);
    expect(await services.broadcasts.fanOutDue()).toBe(1);
    expect((await messagesOf(created.id)).length).toBeGreaterThan(0);
  });

  it('stops a draft for good, and of a running broadcast cancels what has not gone out', async () => {
    const stoppedDraft = await services.broadcasts.create(moh, draft());
    expect((await services.broadcasts.stop(moh, stoppedDraft.id)).cancelled).toBe(0);
    await expect(services.broadcasts.schedule(moh, stoppedDraft.id)).rejects.toThrow(ConflictError);

    const id = await send(draft({ municipalities: ['bas-akbar'], channels: ['sms'], texts: { en: 'Stop me.' } }));
    const total = (await messagesOf(id)).length;
    // Three are in flight (claimed, their sender alive) when the officer stops it.
    const inFlight = await db.query<{ id: string }>(
      "UPDATE outbox SET status = 'sending', lease_until = now() + interval '30 seconds' WHERE id IN (SELECT id FROM outbox WHERE broadcast_id = $1 ORDER BY id LIMIT 3) RETURNING id",
      [id],
    );
    const { broadcast, cancelled } = await services.broadcasts.stop(moh, id);
    expect(broadcast.status).toBe('stopped');
    expect(cancelled).toBe(total - 3);
    await db.query("UPDATE outbox SET status = 'sent' WHERE id = ANY($1::bigint[])", [inFlight.map((row) => Number(row.id))]);
    expect(await services.broadcasts.progress(moh, id)).toMatchObject({ status: 'stopped', recipients: total, queued: 0, sent: 3, cancelled: total - 3, failed: 0 });
    await expect(services.broadcasts.stop(moh, id)).rejects.toThrow(ConflictError);
  });

  it('reports progress and completes a broadcast once nothing is left to send', async () => {
    const id = await send(draft({ municipalities: ['bas-lamitan'], channels: ['telegram'], texts: { en: 'Progress.' } }));
    const total = (await messagesOf(id)).length;
    expect(await services.broadcasts.progress(moh, id)).toMatchObject({ status: 'sending', recipients: total, queued: total, sent: 0 });
    await db.query("UPDATE outbox SET status = 'sent' WHERE broadcast_id = $1 AND id % 2 = 0", [id]);
    await db.query("UPDATE outbox SET status = 'failed' WHERE broadcast_id = $1 AND status = 'queued' AND id % 3 = 0", [id]);
    await services.broadcasts.completeFinished();
    expect((await services.broadcasts.progress(moh, id)).status).toBe('sending');
    await db.query("UPDATE outbox SET status = 'delivered' WHERE broadcast_id = $1 AND status = 'queued'", [id]);
    await services.broadcasts.completeFinished();
    const progress = await services.broadcasts.progress(moh, id);
    expect(progress).toMatchObject({ status: 'completed', queued: 0 });
    expect(progress.sent + progress.delivered + progress.failed).toBe(total);
  });

  it('completes at once a broadcast nobody can receive', async () => {
    const created = await services.broadcasts.create(moh, draft({ topic: 'aid-payouts' }));
    await services.broadcasts.schedule(moh, created.id);
    await services.broadcasts.fanOutDue();
    expect(await services.broadcasts.get(moh, created.id)).toMatchObject({ status: 'completed', recipients: 0 });
  });

  it('refuses an unknown topic or municipality, a text missing for the default locale, and another ministry', async () => {
    await expect(services.broadcasts.create(moh, draft({ topic: 'weather' }))).rejects.toThrow(/unknown topic/);
    await expect(services.broadcasts.create(moh, draft({ municipalities: ['bas-akbar', 'atlantis'] }))).rejects.toThrow(/atlantis/);
    await expect(services.broadcasts.create(moh, draft({ defaultLocale: 'bn' }))).rejects.toThrow(InvalidError);
    await expect(services.broadcasts.create(mssd, draft())).rejects.toThrow(ForbiddenError);
    const created = await services.broadcasts.create(moh, draft());
    await expect(services.broadcasts.preview(mssd, created.id)).rejects.toThrow(NotFoundError);
    await expect(services.broadcasts.progress(mssd, created.id)).rejects.toThrow(NotFoundError);
    await expect(services.broadcasts.list(mssd, { ministry: 'moh', limit: 10 })).rejects.toThrow(ForbiddenError);
    expect((await services.broadcasts.list(mssd, { limit: 10 })).items).toEqual([]);
  });

  it('counts subscribers by topic, municipality, channel and language, leaving out who opted out', async () => {
    const counts = await services.subscribers(moh, { topic: 'health-advisories', groupBy: ['channel', 'language'] });
    const reached = seeded.filter((citizen) => !citizen.optedOut);
    expect(counts.total).toBe(reached.length);
    const expected = (channel: string, language: string) => reached.filter((c) => c.channel === channel && (c.locale ?? 'en') === language).length;
    expect(counts.groups).toContainEqual({ channel: 'sms', language: 'fil', subscribers: expected('sms', 'fil') });
    expect(counts.groups).toContainEqual({ channel: 'telegram', language: 'en', subscribers: expected('telegram', 'en') });
    expect(counts.groups.reduce((sum, group) => sum + group.subscribers, 0)).toBe(reached.length);

    const byPlace = await services.subscribers(moh, { topic: 'health-advisories', municipality: 'bas-al-barka', groupBy: ['topic', 'municipality'] });
    expect(byPlace).toEqual({ total: 1, groups: [{ topic: 'health-advisories', municipality: 'bas-al-barka', subscribers: 1 }] });
    const unreachable = await services.subscribers(moh, { topic: 'farming', channel: 'none', groupBy: [] });
    expect(unreachable).toEqual({ total: 1, groups: [] });
  });
});
