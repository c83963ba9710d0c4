import { createLogger } from '../../../src/log';
import { Dispatcher } from '../../../src/outbox/dispatcher';
import { Outbox } from '../../../src/outbox/outbox';
import type { RateLimiter } from '../../../src/outbox/rate-limiter';
import { CircuitBreakers } from '../../../src/outbox/routing/breaker';
import { SmsRouter } from '../../../src/outbox/routing/router';
import { parseRoutes } from '../../../src/outbox/routing/routes';
import { MemoryEphemeralStore } from '../../../src/store/memory-ephemeral';
import type { Database } from '../../../src/store/sql';
import { FakeProvider } from '../../support/ministries';
import { databaseBackends } from '../../support/stores';

const log = createLogger('silent');
const SMART = 'tel:+639181234567';
const GLOBE = 'tel:+639171234567';

describe('the SMS router with the real dispatcher', () => {
  let db: Database;
  let outbox: Outbox;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    outbox = new Outbox(db);
  });
  afterAll(() => db.close());
  beforeEach(() => db.query("UPDATE outbox SET status = 'cancelled' WHERE status IN ('queued', 'sending')"));

  const setUp = (routesText: string, options: { deliveredMinMs?: number } = {}) => {
    const providers = [new FakeProvider('infobip', 10), new FakeProvider('globelabs', 10)];
    const routes = parseRoutes(routesText, providers.map((provider) => provider.name));
    const breakers = new CircuitBreakers(new MemoryEphemeralStore(), { failures: 2, windowSeconds: 60, minReports: 5, minDelivery: 0.5, cooldownSeconds: 60 });
    const router = new SmsRouter({ lane: 'sms', providers, routes, breakers, log, deliveredMinMs: options.deliveredMinMs ?? 0 });
    outbox.judgeReports((report) => router.report(report));
    const taken: Array<{ bucket: string; tokens: number }> = [];
    const limiter: RateLimiter = {
      take: async (bucket, _rate, wanted = 1) => {
        taken.push({ bucket, tokens: wanted });
        return wanted;
      },
      close: async () => undefined,
    };
    const lane = new FakeProvider('sms', 10);
    const dispatcher = new Dispatcher({ outbox, channels: [lane, ...providers], log, maxAttempts: 5, limiter, routing: router });
    return { providers, dispatcher, taken, breakers };
  };

  const row = async (id: number) =>
    (await db.query<{ status: string; route: string | null; network: string | null; delivery_doubt: string | null; provider_id: string | null }>(
      'SELECT status, route, network, delivery_doubt, provider_id FROM outbox WHERE id = $1',
      [id],
    ))[0];

  it("sends by the recipient's network to the cheapest route, spending one token per SMS part of that route's bucket", async () => {
    const { providers, dispatcher, taken } = setUp('globelabs networks=globe cost=0.2; infobip cost=0.3');
    const long = 'Ang inyong kahilingan ay naaprubahan. '.repeat(10); // 380 GSM-7 characters: 3 parts
    const toSmart = await outbox.enqueue({ address: SMART, channel: 'sms', body: long, kind: 'status' });
    const toGlobe = await outbox.enqueue({ address: GLOBE, channel: 'sms', body: 'Short', kind: 'status' });
    await dispatcher.runOnce();
    expect(providers[0].deliveries.map((delivery) => delivery.id)).toEqual([toSmart]);
    expect(providers[1].deliveries.map((delivery) => delivery.id)).toEqual([toGlobe]);
    expect(taken).toEqual(expect.arrayContaining([{ bucket: 'infobip', tokens: 3 }, { bucket: 'globelabs', tokens: 1 }]));
    expect(taken.some((take) => take.bucket === 'sms')).toBe(false);
    expect(await row(toSmart)).toMatchObject({ status: 'sent', route: 'infobip', network: 'smart' });
  });

  it('sends a reply queued under a provider back on that provider, even when a cheaper route serves the network', async () => {
    const { providers, dispatcher } = setUp('globelabs cost=0.1; infobip cost=0.3');
    const id = await outbox.enqueue({ address: SMART, channel: 'infobip', body: 'MENU', kind: 'reply' });
    await dispatcher.runOnce();
    expect(providers[0].deliveries.map((delivery) => delivery.id)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'sent', route: 'infobip' });
  });

  it('lets a lane with no provider to route between send by itself', async () => {
    const lane = new FakeProvider('sms');
    const router = new SmsRouter({ lane: 'sms', providers: [], routes: [], breakers: new CircuitBreakers(new MemoryEphemeralStore(), { failures: 2, windowSeconds: 60, minReports: 5, minDelivery: 0.5, cooldownSeconds: 60 }), log, deliveredMinMs: 0 });
    const id = await outbox.enqueue({ address: SMART, channel: 'sms', body: 'Hello', kind: 'status' });
    await new Dispatcher({ outbox, channels: [lane], log, maxAttempts: 5, routing: router }).runOnce();
    expect(lane.deliveries.map((delivery) => delivery.id)).toEqual([id]);
  });

  it('fails, with the reason, a message no route carries', async () => {
    const { dispatcher } = setUp('globelabs networks=globe');
    const id = await outbox.enqueue({ address: SMART, channel: 'sms', body: 'Hello', kind: 'status' });
    await dispatcher.runOnce();
    const [failed] = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM outbox WHERE id = $1', [id]);
    expect(failed).toEqual({ status: 'failed', last_error: 'no SMS route carries status messages to Smart/TNT (SMS_ROUTES)' });
  });

  it('tries a message refused by one route on the next, without waiting for the breaker', async () => {
    const { providers, dispatcher } = setUp('infobip cost=0.1; globelabs cost=0.2');
    providers[0].failWith = () => new Error('HTTP 400 unregistered sender');
    const id = await outbox.enqueue({ address: SMART, channel: 'sms', body: 'Hello', kind: 'status' });
    await dispatcher.runOnce();
    expect(await row(id)).toMatchObject({ status: 'queued', route: 'infobip' });
    await db.query('UPDATE outbox SET not_before = now() WHERE id = $1', [id]);
    await dispatcher.runOnce();
    expect(providers[1].deliveries.map((delivery) => delivery.id)).toEqual([id]);
    expect(await row(id)).toMatchObject({ status: 'sent', route: 'globelabs' });
  });

  it('keeps a "delivered" from a route distrusted for the network as sent, flagged with the reason; a failure still counts', async () => {
    const { providers, dispatcher } = setUp('infobip distrust=smart');
    const toSmart = await outbox.enqueue({ address: SMART, channel: 'sms', body: 'Hello', kind: 'status' });
    const toGlobe = await outbox.enqueue({ address: GLOBE, channel: 'sms', body: 'Hello', kind: 'status' });
    await dispatcher.runOnce();
    const [smart, globe] = [providers[0].deliveries.find((d) => d.id === toSmart)!, providers[0].deliveries.find((d) => d.id === toGlobe)!];
    expect(await outbox.advance(['infobip', 'sms'], smart.providerId!, 'delivered')).toBe(true);
    expect(await row(toSmart)).toMatchObject({ status: 'sent', delivery_doubt: 'reported delivered by infobip, whose delivery reports for Smart/TNT are not trusted' });
    await outbox.advance(['infobip', 'sms'], globe.providerId!, 'delivered');
    expect(await row(toGlobe)).toMatchObject({ status: 'delivered', delivery_doubt: null });
    await outbox.advance(['infobip', 'sms'], smart.providerId!, 'failed', 'EC_ABSENT_SUBSCRIBER');
    expect(await row(toSmart)).toMatchObject({ status: 'failed' });
  });

  it('doubts a "delivered" that comes impossibly soon after the send', async () => {
    const { providers, dispatcher } = setUp('infobip', { deliveredMinMs: 60_000 });
    const id = await outbox.enqueue({ address: GLOBE, channel: 'sms', body: 'Hello', kind: 'status' });
    await dispatcher.runOnce();
    await outbox.advance(['infobip', 'sms'], providers[0].deliveries[0].providerId!, 'delivered');
    expect(await row(id)).toMatchObject({ status: 'sent', delivery_doubt: 'reported delivered by infobip within 60 s of sending: too soon to believe' });
  });

  it('doubts a "delivered" for a message not yet recorded as sent', async () => {
    setUp('infobip');
    const id = await outbox.enqueue({ address: GLOBE, channel: 'sms', body: 'Hello', kind: 'status' });
    // A report racing the dispatcher's own record of the send (its id known, the row still being sent).
    await db.query("UPDATE outbox SET status = 'sending', provider_id = 'early-1', route = 'infobip' WHERE id = $1", [id]);
    await outbox.advance(['infobip', 'sms'], 'early-1', 'delivered');
    expect(await row(id)).toMatchObject({ status: 'sent', delivery_doubt: 'reported delivered by infobip before it was recorded as sent' });
  });

  it('opens the breaker on failed delivery reports and sends the next messages for that network elsewhere', async () => {
    const { providers, dispatcher, breakers } = setUp('infobip cost=0.1; globelabs cost=0.2');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await outbox.enqueue({ address: SMART, channel: 'sms', body: `Hello ${i}`, kind: 'broadcast' }));
    await dispatcher.runOnce();
    for (const delivery of providers[0].deliveries) await outbox.advance(['infobip', 'sms'], delivery.providerId!, 'failed', 'undelivered');
    expect(await breakers.state('infobip', 'smart')).toBe('open');
    const next = await outbox.enqueue({ address: SMART, channel: 'sms', body: 'After', kind: 'broadcast' });
    const toGlobe = await outbox.enqueue({ address: GLOBE, channel: 'sms', body: 'Globe still on infobip', kind: 'broadcast' });
    await dispatcher.runOnce();
    expect(providers[1].deliveries.map((delivery) => delivery.id)).toEqual([next]);
    expect(providers[0].deliveries.map((delivery) => delivery.id)).toContain(toGlobe);
  });
});
