import Redis from 'ioredis';
import type { EphemeralStore, Quota } from './ephemeral';
import { StoreUnavailableError } from './sql';

/**
 * `incrementAll` as one script, which Redis runs without interleaving any other command:
 * KEYS are the counters, ARGV their limits and then their windows in seconds. (All its keys
 * must live on one server: fine for one Redis or Sentinel; a Cluster would need a hash tag.)
 */
const INCREMENT_ALL = `
local n = #KEYS
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return i - 1 end
end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[n + i]) end
end
return -1`;

/**
 * Redis as the ephemeral store, shared by every instance. Commands fail fast while Redis is
 * down (no offline queue, one retry) so a USSD hop can answer politely instead of hanging
 * past the gateway's time-out; ioredis keeps reconnecting in the background.
 */
export class RedisEphemeralStore implements EphemeralStore {
  readonly engine = 'redis';
  private readonly redis: Redis;
  /** Whether the connection has ever been ready: after that, a lost connection fails at once. */
  private wasReady = false;

  constructor(url: string, private readonly prefix = 'lk:') {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // A healthy Redis answers in a millisecond; a command still unanswered after 0.8 s
      // means a lost server, and the hop must still answer within the gateway's ~2 s.
      commandTimeout: 800,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: false,
      // Commands issued in the same tick (many hops at once) go out in one write: under load,
      // a write system call per GET and SET cost more CPU than the dialog turn (bench/RESULTS.md).
      enableAutoPipelining: true,
    });
    // Connection errors surface on each command; the 'error' event would otherwise crash the process.
    this.redis.on('error', () => undefined);
    this.redis.once('ready', () => {
      this.wasReady = true;
    });
  }

  /**
   * Waits for the first connection, at most `waitMs`. Once Redis has been lost (reconnecting),
   * it fails at once: a USSD hop must answer before the gateway gives up, and waiting for a
   * server that is down only delays the polite answer.
   */
  private ready(waitMs = 500): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    // Between reconnection attempts the status passes through 'connecting' again: waiting then
    // would hold every hop (and, through the engine's gate, those queued behind it) for nothing.
    const firstConnection = !this.wasReady && ['wait', 'connecting', 'connect'].includes(this.redis.status);
    if (!firstConnection) {
      return Promise.reject(new Error(`not connected (${this.redis.status})`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`not connected (${this.redis.status})`));
      }, waitMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await command();
    } catch (error) {
      throw new StoreUnavailableError(`Redis unavailable: ${(error as Error).message}`);
    }
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.redis.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.run(() => this.redis.set(this.prefix + key, value, 'EX', ttlSeconds));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.run(() => this.redis.set(this.prefix + key, value, 'EX', ttlSeconds, 'NX'));
    return result === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(this.prefix + key));
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const full = this.prefix + key;
    const results = await this.run(() => this.redis.multi().incr(full).expire(full, ttlSeconds, 'NX').exec());
    return Number(results?.[0]?.[1] ?? 0);
  }

  async incrementAll(quotas: readonly Quota[]): Promise<number> {
    const keys = quotas.map((quota) => this.prefix + quota.key);
    const args = [...quotas.map((quota) => quota.limit), ...quotas.map((quota) => quota.ttlSeconds)];
    return Number(await this.run(() => this.redis.eval(INCREMENT_ALL, keys.length, ...keys, ...args)));
  }

  async ping(): Promise<boolean> {
    try {
      await this.ready();
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
