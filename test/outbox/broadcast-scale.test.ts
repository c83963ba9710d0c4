import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/log';
import { Dispatcher } from '../../src/outbox/dispatcher';
import { Outbox } from '../../src/outbox/outbox';
import { bucketCapacity, MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from '../../src/outbox/rate-limiter';
import type { Database } from '../../src/store/sql';
import { adminServices, newKey, seedSubscribers, smsAndTelegram, virtualClock, type FakeProvider } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/**
 * A broadcast to 10,000 subscribers (on the real PostgreSQL; 1,000 on PGlite) across SMS and
 * Telegram, sent by two dispatchers that share each channel's token bucket in Redis: every
 * subscriber gets the message exactly once, and no second of the limiter's clock holds more
 * sends than the bucket allows. The clock is virtual, so the rate is checked without waiting.
 */

const RATES = { sms: 300, telegram: 500 };

/** The most sends any window of `windowMs` holds. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe.each(databaseBackends())('a large broadcast on $name', (backend) => {
  const subscribers = backend.name === 'postgres' ? 10_000 : 1_000;
  let db: Database;
  const limiters: RateLimiter[] = [];

  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await db.close();
  });

  it(`reaches each of ${subscribers.toLocaleString('en')} subscribers exactly once, within each channel's rate`, async () => {
    const clock = virtualClock(1_000_000);
    const { sms, telegram } = smsAndTelegram(RATES, clock);
    // 10:00 in Manila, outside quiet hours, whatever the wall clock says.
    const { services } = await adminServices(db, [sms, telegram], { env: { BROADCAST_APPROVAL_THRESHOLD: '500' }, now: () => new Date('2026-11-28T02:00:00Z') });
    const seeded = await seedSubscribers(db, { count: subscribers, topic: 'disaster-alerts', municipalities: ['bas-lamitan', 'bas-akbar', 'cc-cotabato'], optOutEvery: 25 });
    const officer = (await newKey(db, 'milg')).actor;
    const supervisor = (await newKey(db, 'milg', 'supervisor')).actor;

    const created = await services.broadcasts.create(officer, {
      ministryCode: 'milg',
      topic: 'disaster-alerts',
      municipalities: null,
      channels: null,
      languages: null,
      texts: { en: 'Typhoon signal no. 2: secure your home and follow your barangay.', fil: 'Signal no. 2: ihanda ang bahay at sundin ang barangay.' },
      defaultLocale: 'en',
      emergency: false,
    });
    expect((await services.broadcasts.schedule(officer, created.id)).status).toBe('pending_approval');
    await services.broadcasts.approve(supervisor, created.id);
    expect(await services.broadcasts.fanOutDue()).toBe(1);

    // Two dispatchers, as two processes would be, sharing the buckets through Redis (memory when the run has none).
    const url = process.env.LINGKOD_TEST_REDIS;
    const prefix = `lktest:rate:${randomBytes(4).toString('hex')}:`;
    const shared = url ? [new RedisRateLimiter(url, prefix, clock), new RedisRateLimiter(url, prefix, clock)] : [new MemoryRateLimiter(clock)];
    limiters.push(...shared);
    const log = createLogger('silent');
    const dispatchers = [0, 1].map(
      (index) => new Dispatcher({ outbox: new Outbox(db), channels: [sms, telegram], log, maxAttempts: 3, limiter: shared[index % shared.length] }),
    );
    for (;;) {
      const handled = await Promise.all(dispatchers.map((dispatcher) => dispatcher.runOnce()));
      if (handled.every((count) => count === 0)) break;
    }

    const expected = seeded.filter((citizen) => !citizen.optedOut);
    const delivered = [...sms.deliveries, ...telegram.deliveries];
    expect(delivered).toHaveLength(expected.length);
    expect(new Set(delivered.map((delivery) => delivery.address)).size).toBe(expected.length);
    expect(delivered.map((delivery) => delivery.address).sort()).toEqual(expected.map((citizen) => citizen.address).sort());

    const check = (provider: FakeProvider, rate: number) => {
      const times = provider.deliveries.map((delivery) => delivery.at);
      expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(bucketCapacity(rate) + rate);
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(((times.length - bucketCapacity(rate)) / rate) * 1000);
    };
    check(sms, RATES.sms);
    check(telegram, RATES.telegram);

    await services.broadcasts.completeFinished();
    expect(await services.broadcasts.progress(officer, created.id)).toMatchObject({ status: 'completed', recipients: expected.length, sent: expected.length, queued: 0, failed: 0 });
  });
});
