import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * How fast each channel may send. A provider's limit (Twilio's messages per second, Telegram's
 * ~30 per second) is for the whole deployment, not per process, so the bucket is shared
 * through Redis by every dispatcher; in memory for a single-process pilot.
 */
export interface RateLimiter {
  /**
   * Waits until at least one message may go out on `channel`, then takes up to `wanted`
   * tokens at once and returns how many it took. A rate that is not a positive number means
   * no limit.
   */
  take(channel: string, ratePerSecond: number, wanted?: number): Promise<number>;
  close(): Promise<void>;
}

/** No limit: for tests and for channels without one. */
export const unlimited: RateLimiter = {
  take: async (_channel, _rate, wanted = 1) => wanted,
  close: async () => undefined,
};

/** Time as the limiter sees it; tests pass a virtual clock so rates are checked without waiting. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
const realClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A bucket holds at most one second of tokens (at least one): a short burst, then the steady rate. */
export function bucketCapacity(ratePerSecond: number): number {
  return Math.max(1, ratePerSecond);
}

/**
 * Once the bucket is empty, a taker waits until this many tokens have come (50 ms' worth, at
 * most what it wants): sends then go out in small chunks rather than one Redis round trip and
 * one database write per message, and never faster than the rate.
 */
function minimumGrant(ratePerSecond: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(ratePerSecond * 0.05)));
}

/** One answer of a bucket: tokens granted now, or how long to wait for the next one. */
interface Grant {
  granted: number;
  waitMs: number;
}

/** The token-bucket loop both backends share: ask, and if nothing was granted, wait as told and ask again. */
abstract class TokenBucketLimiter implements RateLimiter {
  constructor(protected readonly clock: LimiterClock) {}

  protected abstract grant(channel: string, ratePerSecond: number, wanted: number, nowMs: number): Promise<Grant>;

  async take(channel: string, ratePerSecond: number, wanted = 1): Promise<number> {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return wanted;
    const want = Math.max(1, Math.floor(wanted));
    for (;;) {
      const { granted, waitMs } = await this.grant(channel, ratePerSecond, want, this.clock.now());
      if (granted > 0) return granted;
      await this.clock.sleep(Math.max(1, waitMs));
    }
  }

  abstract close(): Promise<void>;
}

interface BucketState {
  tokens: number;
  at: number;
}

/** Refills `state` up to `nowMs` and takes what it can; the same arithmetic as the Redis script below. */
function takeFrom(state: BucketState | undefined, ratePerSecond: number, wanted: number, nowMs: number): { state: BucketState; grant: Grant } {
  const capacity = bucketCapacity(ratePerSecond);
  let { tokens, at } = state ?? { tokens: capacity, at: nowMs };
  // A clock that went backwards (another instance's, slightly behind) adds nothing.
  if (nowMs > at) {
    tokens = Math.min(capacity, tokens + ((nowMs - at) * ratePerSecond) / 1000);
    at = nowMs;
  }
  const needed = minimumGrant(ratePerSecond, wanted);
  if (tokens >= needed) {
    const granted = Math.min(wanted, Math.floor(tokens));
    return { state: { tokens: tokens - granted, at }, grant: { granted, waitMs: 0 } };
  }
  return { state: { tokens, at }, grant: { granted: 0, waitMs: Math.ceil(((needed - tokens) * 1000) / ratePerSecond) } };
}

/** Token buckets in this process's memory: the embedded default, right when one process sends. */
export class MemoryRateLimiter extends TokenBucketLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(clock: LimiterClock = realClock) {
    super(clock);
  }

  protected async grant(channel: string, ratePerSecond: number, wanted: number, nowMs: number): Promise<Grant> {
    const { state, grant } = takeFrom(this.buckets.get(channel), ratePerSecond, wanted, nowMs);
    this.buckets.set(channel, state);
    return grant;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

/**
 * The bucket update as one Redis script, so concurrent dispatchers cannot both spend the same
 * token; the same arithmetic as `takeFrom`. KEYS[1]: the bucket; ARGV: rate per second,
 * capacity, now (ms), tokens wanted, TTL (ms). Returns {granted, wait ms}.
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
  at = now
end
local needed = math.max(1, math.min(wanted, math.floor(rate * 0.05)))
local granted = 0
local wait = 0
if tokens >= needed then
  granted = math.min(wanted, math.floor(tokens))
  tokens = tokens - granted
else
  wait = math.ceil((needed - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {granted, wait}
`;
const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');

/**
 * Token buckets in Redis, shared by every dispatcher of the deployment. Time comes from the
 * caller's clock (hosts are NTP-synchronised; a clock behind the bucket's only slows that
 * caller). When Redis is unreachable `take` throws, and the dispatcher holds its messages
 * rather than sending past the provider's limit.
 */
export class RedisRateLimiter extends TokenBucketLimiter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix = 'lk:rate:',
    clock: LimiterClock = realClock,
  ) {
    super(clock);
    // Loaded here, not at the top: a deployment without Redis never needs the driver (see store/open.ts).
    const IORedis = require('ioredis') as typeof Redis;
    this.redis = new IORedis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    // Errors surface on each command; the 'error' event would otherwise crash the process.
    this.redis.on('error', () => undefined);
  }

  protected async grant(channel: string, ratePerSecond: number, wanted: number, nowMs: number): Promise<Grant> {
    const args = [String(ratePerSecond), String(bucketCapacity(ratePerSecond)), String(nowMs), String(wanted), '60000'];
    const key = this.prefix + channel;
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(TAKE_SHA, 1, key, ...args);
    } catch (error) {
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      reply = await this.redis.eval(TAKE_SCRIPT, 1, key, ...args);
    }
    const [granted, waitMs] = reply as [number, number];
    return { granted: Number(granted), waitMs: Number(waitMs) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
