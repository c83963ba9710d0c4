import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { mkdir } from 'node:fs/promises';
import type { Database, Queryable, Row } from './sql';

/**
 * PGlite, PostgreSQL in WASM, in a directory on disk: the embedded default, so a pilot needs
 * no database server. PGlite serves one connection, so transactions are serialised by PGlite.
 */
export class PgliteDatabase implements Database {
  readonly engine = 'pglite';

  private constructor(private readonly db: PGlite) {}

  /** Opens (creating on first use) the database in `dataDir`; `undefined` keeps it in memory. */
  static async open(dataDir: string | undefined): Promise<PgliteDatabase> {
    // PGlite is an ES module; a dynamic import keeps this CommonJS build working.
    const { PGlite } = await import('@electric-sql/pglite');
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const db = new PGlite(dataDir);
    await db.waitReady;
    return new PgliteDatabase(db);
  }

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(sql, params)).rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (inner) => {
      const tx: Queryable = {
        query: async <R extends Row = Row>(sql: string, params: unknown[] = []) => (await inner.query<R>(sql, params)).rows,
        exec: async (script: string) => {
          await inner.exec(script);
        },
      };
      return work(tx);
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
