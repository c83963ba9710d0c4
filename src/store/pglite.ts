import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { lockDataDir } from './data-dir-lock';
import type { Database, Queryable, Row } from './sql';

/**
 * PostgreSQL's shared buffers inside PGlite. PGlite's default, 128 MB, is touched at start-up
 * in WASM memory, which never shrinks; a pilot's database is tens of MB and PGlite reads its
 * files through the OS page cache, so 16 MB costs little and keeps the embedded service under
 * 400 MB of RSS (bench/RESULTS.md).
 */
const SHARED_BUFFERS = '16MB';

/**
 * Creates the database files (initdb) in a short-lived process of their own. PGlite keeps
 * initdb's WASM memory for as long as the instance that ran it lives, which would leave the
 * service at about 800 MB of RSS after its first start; a child gives that memory back.
 */
async function createDataDir(dataDir: string): Promise<void> {
  const entry = require.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(entry)});
const db = new PGlite(process.argv[1]);
db.waitReady.then(() => db.close()).then(() => process.exit(0), (error) => { process.stderr.write(String(error && error.message)); process.exit(1); });`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`PGlite could not create the database in ${dataDir}: ${stderr.trim().slice(0, 300)}`))));
  });
}

/**
 * PGlite, PostgreSQL in WASM, in a directory on disk: the embedded default, so a pilot needs
 * no database server. PGlite serves one connection, so transactions are serialised by PGlite.
 */
export class PgliteDatabase implements Database {
  readonly engine = 'pglite';

  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => void = () => {},
  ) {}

  /**
   * Opens (creating on first use) the database in `dataDir`; `undefined` keeps it in memory. A
   * directory is locked first (`<dataDir>.lock`, src/store/data-dir-lock.ts): open in another
   * process, it throws DatabaseInUseError before reading or writing anything.
   */
  static async open(dataDir: string | undefined): Promise<PgliteDatabase> {
    // PGlite is an ES module; a dynamic import keeps this CommonJS build working.
    const { PGlite } = await import('@electric-sql/pglite');
    let unlock = () => {};
    if (dataDir) {
      await mkdir(path.dirname(path.resolve(dataDir)), { recursive: true });
      unlock = lockDataDir(`${path.resolve(dataDir)}.lock`);
    }
    try {
      if (dataDir) {
        await mkdir(dataDir, { recursive: true });
        if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await createDataDir(dataDir);
      }
      const db = new PGlite(dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] });
      await db.waitReady;
      return new PgliteDatabase(db, unlock);
    } catch (error) {
      unlock();
      throw error;
    }
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
    try {
      await this.db.close();
    } finally {
      this.unlock();
    }
  }
}
