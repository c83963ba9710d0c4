import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

/**
 * The stores the bench runs against: a database of its own, created on the PostgreSQL server
 * at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test, as the tests use) and
 * dropped at the end, and a Redis database index of its own, BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379/13), whose Lingkod and peer keys are deleted before and after.
 */
export interface BenchStores {
  databaseUrl: string;
  redisUrl: string;
  /** The servers' versions, for the machine description. */
  postgresVersion: string;
  redisVersion: string;
  /** MEMORY USAGE of each key (bytes), and each value's length. */
  memoryUsage(keys: string[]): Promise<{ bytes: number[]; valueLengths: number[] }>;
  close(): Promise<void>;
}

/** Key prefixes the bench's servers write (Lingkod's `lk:`, the peer's `ub:`). */
const BENCH_PREFIXES = ['lk:*', 'ub:*'];

async function adminQuery(adminUrl: string, sql: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query(sql);
    return String(result.rows[0]?.version ?? '');
  } finally {
    await client.end();
  }
}

async function deleteBenchKeys(redis: Redis): Promise<void> {
  for (const pattern of BENCH_PREFIXES) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}

export async function openBenchStores(): Promise<BenchStores> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
  const name = `lingkod_bench_${randomBytes(4).toString('hex')}`;
  const postgresVersion = (await adminQuery(adminUrl, "SELECT current_setting('server_version') AS version")).split(' ')[0];
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  await deleteBenchKeys(redis);
  const info = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return {
    databaseUrl: url.toString(),
    redisUrl,
    postgresVersion,
    redisVersion,
    async memoryUsage(keys) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0').strlen(key);
      const replies = (await pipeline.exec()) ?? [];
      const bytes: number[] = [];
      const valueLengths: number[] = [];
      for (let index = 0; index < replies.length; index += 2) {
        const usage = replies[index]?.[1];
        if (typeof usage === 'number') {
          bytes.push(usage);
          valueLengths.push(Number(replies[index + 1]?.[1] ?? 0));
        }
      }
      return { bytes, valueLengths };
    },
    async close() {
      await deleteBenchKeys(redis);
      redis.disconnect();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
