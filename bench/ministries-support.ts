import { randomBytes } from 'node:crypto';
import express from 'express';
import { Client } from 'pg';
import type { OutboundMessage, SendingChannel } from '../src/channels/channel';
import { loadSampleCatalogIfEmpty } from '../src/services/catalog-import';
import { migrate } from '../src/store/migrate';
import { PgliteDatabase } from '../src/store/pglite';
import { PostgresDatabase } from '../src/store/postgres';
import type { Database } from '../src/store/sql';

/**
 * What the broadcast and dispatcher benchmarks share: a throw-away database (a new database on
 * the PostgreSQL at BENCH_POSTGRES_URL, or in-memory PGlite with BENCH_ENGINE=pglite), bulk
 * subscribers, and a provider that accepts everything in memory.
 */

/** A migrated database holding the sample catalog, and how to throw it away. */
export async function benchDatabase(): Promise<{ db: Database; engine: string; close(): Promise<void> }> {
  if (process.env.BENCH_ENGINE === 'pglite') {
    const db = await PgliteDatabase.open(undefined);
    await migrate(db);
    await loadSampleCatalogIfEmpty(db);
    return { db, engine: 'PGlite (in memory)', close: () => db.close() };
  }
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `lingkod_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new PostgresDatabase(url.toString(), 10);
  await migrate(db);
  await loadSampleCatalogIfEmpty(db);
  return {
    db,
    engine: 'PostgreSQL',
    close: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Adds `count` citizens following `topic` (two in three by phone, one in three on Telegram; languages and places mixed; one in 25 opted out). */
export async function seedSubscribers(db: Database, count: number, topic: string): Promise<void> {
  const [{ first }] = await db.query<{ first: string }>(
    `WITH inserted AS (
       INSERT INTO citizens (locale, opted_out)
       SELECT (ARRAY[NULL, 'fil', 'bn', 'en'])[1 + (i % 4)], i % 25 = 0 FROM generate_series(1, $1::int) i RETURNING id)
     SELECT min(id) AS first FROM inserted`,
    [count],
  );
  await db.query(
    `INSERT INTO citizen_addresses (address, citizen_id, channel)
     SELECT CASE WHEN id % 3 <> 0 THEN 'tel:+639' || lpad(id::text, 9, '0') ELSE 'telegram:' || (700000000 + id) END, id,
            CASE WHEN id % 3 <> 0 THEN 'ussd' ELSE 'telegram' END
       FROM citizens WHERE id >= $1`,
    [Number(first)],
  );
  await db.query(
    `INSERT INTO subscriptions (citizen_id, topic_code, municipality_code)
     SELECT c.id, $2, m.codes[1 + (c.id % cardinality(m.codes))]
       FROM citizens c, (SELECT array_agg(code ORDER BY code) AS codes FROM municipalities) m WHERE c.id >= $1`,
    [Number(first), topic],
  );
  await db.query('ANALYZE');
}

/** A provider that takes every message at once, in memory. */
export function instantProvider(name: string, ratePerSecond: number): SendingChannel & { sent: number } {
  let counter = 0;
  const provider = {
    name,
    ratePerSecond,
    router: express.Router(),
    sent: 0,
    async send(message: OutboundMessage) {
      provider.sent++;
      return { providerId: `${name}-${message.id}-${++counter}` };
    },
  };
  return provider;
}

/** Milliseconds since `start` (from performance.now()). */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
