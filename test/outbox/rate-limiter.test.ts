import { randomBytes } from 'node:crypto';
import { MemoryRateLimiter, RedisRateLimiter, bucketCapacity, type LimiterClock, type RateLimiter } from '../../src/outbox/rate-limiter';
import { virtualClock } from '../support/ministries';

type Backend = { name: string; open(clock: LimiterClock): RateLimiter; shared?: (clock: LimiterClock) => RateLimiter[] };

/** In memory always; Redis when the run has it (CI requires it), where two limiters share one bucket. */
function backends(): Backend[] {
  const list: Backend[] = [{ name: 'memory', open: (clock) => new MemoryRateLimiter(clock) }];
  const url = process.env.LINGKOD_TEST_REDIS;
  if (url) {
    list.push({
      name: 'redis',
      open: (clock) => new RedisRateLimiter(url, `lktest:rate:${randomBytes(4).toString('hex')}:`, clock),
      shared: (clock) => {
        const prefix = `lktest:rate:${randomBytes(4).toString('hex')}:`;
        return [new RedisRateLimiter(url, prefix, clock), new RedisRateLimiter(url, prefix, clock)];
      },
    });
  }
  return list;
}

/** The most sends any window of `windowMs` holds, given send times. */
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

describe.each(backends())('the token bucket in $name', (backend) => {
  const opened: RateLimiter[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((limiter) => limiter.close()));
  });
  const open = (clock: LimiterClock) => {
    const limiter = backend.open(clock);
    opened.push(limiter);
    return limiter;
  };

  it("allows a burst of one second's tokens, then one token every 1/rate seconds", async () => {
    const clock = virtualClock(1_000_000);
    const limiter = open(clock);
    const times: number[] = [];
    for (let index = 0; index < 120; index++) {
      await limiter.take('sms', 20);
      times.push(clock.now());
    }
    // 20 at once, then 100 more at 20 per second: five seconds of virtual time.
    expect(times.filter((time) => time === 1_000_000)).toHaveLength(bucketCapacity(20));
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(5000);
    expect(times[times.length - 1] - times[0]).toBeLessThan(5200);
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(20 + 20);
  });

  it('grants several tokens at once, never more than were asked for or are in the bucket', async () => {
    const clock = virtualClock(5_000_000);
    const limiter = open(clock);
    expect(await limiter.take('telegram', 30, 12)).toBe(12);
    expect(await limiter.take('telegram', 30, 50)).toBe(18);
    // Empty now: the next grant waits for at least one token.
    const before = clock.now();
    expect(await limiter.take('telegram', 30, 50)).toBeGreaterThanOrEqual(1);
    expect(clock.now()).toBeGreaterThan(before);
  });

  it("once empty, waits for 50 ms' worth of tokens rather than granting them one at a time", async () => {
    const clock = virtualClock(7_000_000);
    const limiter = open(clock);
    expect(await limiter.take('sms', 400, 400)).toBe(400);
    const before = clock.now();
    expect(await limiter.take('sms', 400, 50)).toBe(20);
    expect(clock.now() - before).toBe(50);
  });

  it('keeps a bucket per channel', async () => {
    const clock = virtualClock(9_000_000);
    const limiter = open(clock);
    expect(await limiter.take('sms', 5, 5)).toBe(5);
    expect(await limiter.take('telegram', 5, 5)).toBe(5);
    expect(clock.now()).toBe(9_000_000);
  });

  it('treats a rate that is not a positive number as no limit', async () => {
    const clock = virtualClock();
    const limiter = open(clock);
    expect(await limiter.take('simulator', 0, 500)).toBe(500);
    expect(await limiter.take('simulator', Number.POSITIVE_INFINITY, 7)).toBe(7);
    expect(clock.now()).toBe(0);
  });

  if (backend.shared) {
    const shared = backend.shared;
    it('is one bucket for every dispatcher that shares the Redis', async () => {
      const clock = virtualClock(2_000_000);
      const limiters = shared(clock);
      opened.push(...limiters);
      const times: number[] = [];
      await Promise.all(
        limiters.map(async (limiter) => {
          for (let index = 0; index < 60; index++) {
            await limiter.take('sms', 10);
            times.push(clock.now());
          }
        }),
      );
      // 120 sends at 10 per second with a burst of 10: eleven seconds at least, whoever took them.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(11_000);
      expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(10 + 10);
    });
  }
});

describe('the Redis token bucket when Redis is down', () => {
  it('throws rather than let messages past the limit', async () => {
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1', 'lktest:rate:down:');
    await expect(limiter.take('sms', 10)).rejects.toThrow();
    await limiter.close();
  });
});
