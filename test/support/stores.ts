import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { EphemeralStore } from '../../src/store/ephemeral';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { migrate } from '../../src/store/migrate';
import { PgliteDatabase } from '../../src/store/pglite';
import { PostgresDatabase } from '../../src/store/postgres';
import { RedisEphemeralStore } from '../../src/store/redis-ephemeral';
import type { Database } from '../../src/store/sql';

/** A records store for one test file, migrated, and a way to throw it away. */
export interface DatabaseBackend {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

/**
 * Every records backend reachable in this run: PGlite always, the real PostgreSQL when the
 * global setup found it. Each `open()` gives a brand-new database, so test files never share state.
 */
export function databaseBackends(): DatabaseBackend[] {
  const backends: DatabaseBackend[] = [{ name: 'pglite', open: openPglite }];
  const url = process.env.LINGKOD_TEST_POSTGRES;
  if (url) backends.push({ name: 'postgres', open: () => openPostgres(url) });
  return backends;
}

async function openPglite(): Promise<Database> {
  const db = await PgliteDatabase.open(undefined);
  await migrate(db);
  return db;
}

/** Creates a throw-away database on the server, migrates it, and drops it on close. */
async function openPostgres(adminUrl: string): Promise<Database> {
  const name = `lingkod_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new PostgresDatabase(url.toString(), 5);
  await migrate(db);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      const dropper = new Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  });
}

/** Every ephemeral backend reachable in this run, each open() isolated by a unique key prefix. */
export function ephemeralBackends(): { name: 'memory' | 'redis'; open(): EphemeralStore }[] {
  const backends: { name: 'memory' | 'redis'; open(): EphemeralStore }[] = [{ name: 'memory', open: () => new MemoryEphemeralStore() }];
  const url = process.env.LINGKOD_TEST_REDIS;
  if (url) backends.push({ name: 'redis', open: () => new RedisEphemeralStore(url, `lktest:${randomBytes(4).toString('hex')}:`) });
  return backends;
}

/** The same database, with a close() that leaves it open for the next context started on it. */
export function keepOpen(db: Database): Database {
  return {
    engine: db.engine,
    query: (sql, params) => db.query(sql, params),
    exec: (script) => db.exec(script),
    transaction: (work) => db.transaction(work),
    close: async () => undefined,
  };
}
