import { SendError } from '../../src/channels/channel';
import { createLogger } from '../../src/log';
import { Dispatcher, type DispatcherOptions } from '../../src/outbox/dispatcher';
import { EMERGENCY_BROADCAST_PRIORITY, Outbox, type NewMessage } from '../../src/outbox/outbox';
import type { RateLimiter } from '../../src/outbox/rate-limiter';
import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import type { Database } from '../../src/store/sql';
import { FakeProvider } from '../support/ministries';
import { databaseBackends } from '../support/stores';

const log = createLogger('silent');

describe.each(databaseBackends())('the dispatcher on $name', (backend) => {
  let db: Database;
  let outbox: Outbox;
  let citizenId: number;
  let optedOutId: number;

  beforeAll(async () => {
    db = await backend.open();
    await loadSampleCatalogIfEmpty(db);
    outbox = new Outbox(db);
    [{ id: citizenId }] = (await db.query<{ id: string }>('INSERT INTO citizens DEFAULT VALUES RETURNING id')).map((row) => ({ id: Number(row.id) }));
    [{ id: optedOutId }] = (await db.query<{ id: string }>('INSERT INTO citizens (opted_out) VALUES (true) RETURNING id')).map((row) => ({ id: Number(row.id) }));
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    // Each test starts from an empty outbox: messages left by one test must not be sent by the next.
    await db.query("UPDATE outbox SET status = 'cancelled' WHERE status IN ('queued', 'sending')");
  });

  const dispatcher = (channel: FakeProvider, options: Partial<DispatcherOptions> = {}) =>
    new Dispatcher({ outbox, channels: [channel], log, maxAttempts: 3, ...options });

  const message = (overrides: Partial<NewMessage> = {}): NewMessage => ({
    address: 'tel:+639170000001',
    channel: 'sms',
    body: 'hello',
    kind: 'reply',
    citizenId,
    ...overrides,
  });

  const row = async (id: number) =>
    (await db.query<{ status: string; attempts: number; provider_id: string | null; last_error: string | null; not_before: Date }>(
      'SELECT status, attempts, provider_id, last_error, not_before FROM outbox WHERE id = $1',
      [id],
    ))[0];

  it('sends replies, then status updates, then emergency broadcasts, then other broadcasts', async () => {
    const sms = new FakeProvider('sms');
    const ids = {
      broadcast: await outbox.enqueue(message({ kind: 'broadcast', body: 'broadcast' })),
      emergency: await outbox.enqueue(message({ kind: 'broadcast', body: 'emergency', priority: EMERGENCY_BROADCAST_PRIORITY })),
      status: await outbox.enqueue(message({ kind: 'status', body: 'status' })),
      reply: await outbox.enqueue(message({ kind: 'reply', body: 'reply' })),
    };
    const one = dispatcher(sms, { batchSize: 1 });
    while ((await one.runOnce()) > 0);
    expect(sms.deliveries.map((delivery) => delivery.body)).toEqual(['reply', 'status', 'emergency', 'broadcast']);
    expect(await row(ids.broadcast)).toMatchObject({ status: 'sent', provider_id: sms.deliveries[3].providerId });
  });

  it('retries a retryable failure later, and records the provider id when it goes through', async () => {
    const sms = new FakeProvider('sms');
    sms.failWith = (_message, attempt) => (attempt === 1 ? new SendError('provider answered 503', true) : undefined);
    const id = await outbox.enqueue(message());
    const sender = dispatcher(sms);
    await sender.runOnce();
    const waiting = await row(id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, last_error: 'provider answered 503' });
    expect(new Date(waiting.not_before).getTime()).toBeGreaterThan(Date.now());
    await db.query('UPDATE outbox SET not_before = now() WHERE id = $1', [id]);
    await sender.runOnce();
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null, provider_id: sms.deliveries[0].providerId });
  });

  it("waits as long as a 429's Retry-After says", async () => {
    const sms = new FakeProvider('sms');
    sms.failWith = () => new SendError('429 Too Many Requests', true, 60_000);
    const id = await outbox.enqueue(message());
    await dispatcher(sms).runOnce();
    const waiting = await row(id);
    expect(waiting.status).toBe('queued');
    expect(new Date(waiting.not_before).getTime()).toBeGreaterThan(Date.now() + 55_000);
  });

  it('gives up after OUTBOX_MAX_ATTEMPTS retryable failures, and at once on a permanent one', async () => {
    const sms = new FakeProvider('sms');
    sms.failWith = (outbound) => (outbound.body === 'permanent' ? new SendError('invalid number', false) : new SendError('503', true, 0));
    const retried = await outbox.enqueue(message());
    const permanent = await outbox.enqueue(message({ body: 'permanent' }));
    const sender = dispatcher(sms, { maxAttempts: 3 });
    for (let round = 0; round < 5; round++) await sender.runOnce();
    expect(await row(retried)).toMatchObject({ status: 'failed', attempts: 3, last_error: '503' });
    expect(await row(permanent)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'invalid number' });
    expect(sms.deliveries).toEqual([]);
  });

  it('holds ordinary broadcasts during quiet hours, but not replies, status updates or emergencies', async () => {
    const sms = new FakeProvider('sms');
    const ordinary = await outbox.enqueue(message({ kind: 'broadcast', body: 'ordinary' }));
    await outbox.enqueue(message({ kind: 'broadcast', body: 'emergency', priority: EMERGENCY_BROADCAST_PRIORITY }));
    await outbox.enqueue(message({ kind: 'status', body: 'status' }));
    let quiet = true;
    const sender = dispatcher(sms, { holdBroadcasts: () => quiet });
    while ((await sender.runOnce()) > 0);
    expect(sms.deliveries.map((delivery) => delivery.body).sort()).toEqual(['emergency', 'status']);
    expect((await row(ordinary)).status).toBe('queued');
    quiet = false;
    await sender.runOnce();
    expect(sms.deliveries.map((delivery) => delivery.body)).toContain('ordinary');
  });

  it('cancels a broadcast to a citizen who opted out after the fan-out, but still sends them their status updates', async () => {
    const sms = new FakeProvider('sms');
    const broadcast = await outbox.enqueue(message({ kind: 'broadcast', citizenId: optedOutId, body: 'announcement' }));
    const status = await outbox.enqueue(message({ kind: 'status', citizenId: optedOutId, body: 'your request' }));
    await dispatcher(sms).runOnce();
    expect(await row(broadcast)).toMatchObject({ status: 'cancelled', last_error: 'citizen opted out' });
    expect(await row(status)).toMatchObject({ status: 'sent' });
    expect(sms.deliveries.map((delivery) => delivery.body)).toEqual(['your request']);
  });

  it('hands messages back untried, without counting an attempt, when the rate limiter cannot be asked', async () => {
    const sms = new FakeProvider('sms', 10);
    const down: RateLimiter = { take: async () => Promise.reject(new Error('Redis unavailable')), close: async () => undefined };
    const id = await outbox.enqueue(message());
    await dispatcher(sms, { limiter: down }).runOnce();
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(sms.deliveries).toEqual([]);
  });

  it('sends again what a dispatcher claimed and never finished once its lease has run out', async () => {
    const sms = new FakeProvider('sms');
    const id = await outbox.enqueue(message({ body: 'orphaned' }));
    // A dispatcher claims it and dies: the claim is never settled. A zero-second lease has already run out.
    expect((await outbox.claim('sms', 10, { leaseSeconds: 0 })).map((claimed) => claimed.id)).toEqual([id]);
    await dispatcher(sms).runOnce();
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sms.deliveries.map((delivery) => delivery.body)).toEqual(['orphaned']);
  });

  it('never claims what another dispatcher holds under a live lease', async () => {
    const sms = new FakeProvider('sms');
    await outbox.enqueue(message());
    const held = await outbox.claim('sms', 10, { leaseSeconds: 60 });
    expect(held).toHaveLength(1);
    expect(await dispatcher(sms).runOnce()).toBe(0);
    await outbox.settle(held.map((claimed) => ({ id: claimed.id, result: 'sent' as const, providerId: 'held-1' })));
  });

  it('leaves a message cancelled while it was claimed cancelled, whatever the sender reports', async () => {
    const [{ id: broadcastKey }] = await db.query<{ id: string }>(
      "INSERT INTO api_keys (name, holder, role, key_hash, prefix, source) VALUES ('k', 'k', 'admin', md5(random()::text), 'lk_', 'cli') RETURNING id",
    );
    const [{ id: broadcastId }] = await db.query<{ id: string }>(
      `INSERT INTO broadcasts (ministry_code, topic_code, texts, default_locale, created_by, status)
       VALUES ((SELECT code FROM ministries LIMIT 1), (SELECT code FROM topics LIMIT 1), '{"en":"x"}', 'en', $1, 'sending') RETURNING id`,
      [broadcastKey],
    );
    const id = await outbox.enqueue(message({ kind: 'broadcast', broadcastId: Number(broadcastId) }));
    await outbox.claim('sms', 10, { leaseSeconds: 0 });
    expect(await outbox.cancelBroadcast(Number(broadcastId))).toBe(1);
    await outbox.settle([{ id, result: 'sent', providerId: 'late-1' }]);
    expect(await row(id)).toMatchObject({ status: 'cancelled', provider_id: null });
  });

  it('moves a sent message to delivered on its delivery receipt, and never back', async () => {
    const sms = new FakeProvider('sms');
    const id = await outbox.enqueue(message());
    await dispatcher(sms).runOnce();
    const providerId = sms.deliveries[0].providerId;
    expect(await outbox.advance('sms', providerId, 'delivered')).toBe(true);
    expect(await outbox.advance('sms', providerId, 'sent')).toBe(true);
    expect((await row(id)).status).toBe('delivered');
    expect(await outbox.advance('sms', 'unknown-id', 'delivered')).toBe(false);
  });

  it('runs in the background once started: each lane sends, housekeeping runs, and stop waits for both', async () => {
    const sms = new FakeProvider('sms');
    const telegram = new FakeProvider('telegram');
    let housekeeping = 0;
    const running = new Dispatcher({ outbox, channels: [sms, telegram], log, maxAttempts: 3, idleMs: 20, housekeeping: async () => void housekeeping++, housekeepingMs: 10 });
    running.start();
    await outbox.enqueue(message({ body: 'by sms' }));
    await outbox.enqueue(message({ channel: 'telegram', address: 'telegram:42', body: 'by telegram' }));
    running.nudge();
    for (let wait = 0; wait < 200 && sms.deliveries.length + telegram.deliveries.length < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
    await running.stop();
    expect(sms.deliveries.map((delivery) => delivery.body)).toEqual(['by sms']);
    expect(telegram.deliveries.map((delivery) => delivery.body)).toEqual(['by telegram']);
    expect(housekeeping).toBeGreaterThan(0);
  });

  it('gives up on a message still not sent a day after it was queued, with the reason, and leaves younger ones to be sent', async () => {
    const old = await outbox.enqueue(message({ body: 'queued yesterday' }));
    const stuck = await outbox.enqueue(message({ body: 'claimed by a dispatcher that died' }));
    const young = await outbox.enqueue(message({ body: 'queued this morning' }));
    await db.query(`UPDATE outbox SET created_at = now() - interval '25 hours', last_error = 'provider 503' WHERE id = $1`, [old]);
    await db.query(`UPDATE outbox SET created_at = now() - interval '25 hours', status = 'sending', lease_until = now() - interval '1 minute' WHERE id = $1`, [stuck]);
    await db.query(`UPDATE outbox SET created_at = now() - interval '23 hours' WHERE id = $1`, [young]);

    expect(await outbox.giveUp(24)).toBe(2);
    const rows = await db.query<{ id: string; status: string; last_error: string | null }>('SELECT id, status, last_error FROM outbox WHERE id = ANY($1) ORDER BY id', [[old, stuck, young]]);
    expect(rows.map((row) => [Number(row.id), row.status, row.last_error])).toEqual([
      [old, 'failed', 'not sent within 24 hours of being queued: given up (last error: provider 503)'],
      [stuck, 'failed', 'not sent within 24 hours of being queued: given up'],
      [young, 'queued', null],
    ]);
    expect(await outbox.giveUp(24)).toBe(0);
    const sms = new FakeProvider('sms');
    await dispatcher(sms).runOnce();
    expect(sms.deliveries.map((delivery) => delivery.body)).toEqual(['queued this morning']);
  });
});
