import path from 'node:path';
import type { Config } from '../config';
import type { EphemeralStore } from './ephemeral';
import { MemoryEphemeralStore } from './memory-ephemeral';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';
import { RedisEphemeralStore } from './redis-ephemeral';
import type { Database } from './sql';

/** Opens the records store the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR. */
export async function openDatabase(config: Config, poolSize?: number): Promise<Database> {
  if (config.DATABASE_URL) return new PostgresDatabase(config.DATABASE_URL, poolSize);
  return PgliteDatabase.open(path.join(config.DATA_DIR, 'db'));
}

/** Opens the ephemeral store the configuration names: Redis when REDIS_URL is set, else memory. */
export function openEphemeralStore(config: Config): EphemeralStore {
  return config.REDIS_URL ? new RedisEphemeralStore(config.REDIS_URL) : new MemoryEphemeralStore();
}

/** Where the records are, for messages to operators (never the URL: it may hold a password). */
export function describeDatabase(config: Config): string {
  return config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${path.join(config.DATA_DIR, 'db')}`;
}
