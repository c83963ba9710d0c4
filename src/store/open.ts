import path from 'node:path';
import type { Config } from '../config';
import type { EphemeralStore } from './ephemeral';
import { MemoryEphemeralStore } from './memory-ephemeral';
import { PgliteDatabase } from './pglite';
import type { Database } from './sql';

// The pg and ioredis drivers are loaded only when their URL is set: the embedded default needs
// neither, and loading them was a tenth of its restart (bench/RESULTS.md).

/** Opens the records store the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR. */
export async function openDatabase(config: Config, poolSize?: number): Promise<Database> {
  if (config.DATABASE_URL) {
    const { PostgresDatabase } = require('./postgres') as typeof import('./postgres');
    return new PostgresDatabase(config.DATABASE_URL, poolSize);
  }
  return PgliteDatabase.open(path.join(config.DATA_DIR, 'db'));
}

/** Opens the ephemeral store the configuration names: Redis when REDIS_URL is set, else memory. */
export function openEphemeralStore(config: Config): EphemeralStore {
  if (!config.REDIS_URL) return new MemoryEphemeralStore();
  const { RedisEphemeralStore } = require('./redis-ephemeral') as typeof import('./redis-ephemeral');
  return new RedisEphemeralStore(config.REDIS_URL);
}

/** Where the records are, for messages to operators (never the URL: it may hold a password). */
export function describeDatabase(config: Config): string {
  return config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${path.join(config.DATA_DIR, 'db')}`;
}
