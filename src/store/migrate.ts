import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './sql';

/** Where the plain `.sql` migrations live; they are applied in file-name order. */
const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'migrations');

/** An arbitrary, fixed advisory-lock id, so two instances starting together migrate once. */
const MIGRATION_LOCK_ID = 741_0001;

/**
 * Applies every migration not yet recorded in `schema_migrations`, all in one transaction
 * under an advisory lock. Returns the names applied.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Read synchronously: at start-up nothing else waits, and the first asynchronous file
  // operation after PGlite opens waits a quarter of a second for a worker thread.
  const files = readdirSync(dir).filter((name) => name.endsWith('.sql')).sort();
  // Every start but the first after an upgrade finds nothing to do: two reads answer that, where
  // the DDL, transaction and lock below take 0.4 s of an embedded restart (bench/RESULTS.md).
  const [{ present }] = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (present) {
    const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
    if (files.every((name) => done.has(name))) return [];
  }
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await tx.exec(await readFile(path.join(dir, name), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    }
    return pending;
  });
}
