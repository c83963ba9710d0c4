import { Pool, type PoolClient } from 'pg';
import type { Database, Queryable, Row } from './sql';
import { StoreUnavailableError } from './sql';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P03', '08006', '08001']);

/** Turns connection failures into StoreUnavailableError; other errors (bad SQL, constraints) pass through. */
function classify(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if ((code && CONNECTION_CODES.has(code)) || /Connection terminated|timeout exceeded when trying to connect/i.test(message)) {
    return new StoreUnavailableError(`PostgreSQL unavailable: ${code ?? message}`);
  }
  return error;
}

/** PostgreSQL through a `pg` pool: the production records store. */
export class PostgresDatabase implements Database {
  readonly engine = 'postgres';
  private readonly pool: Pool;

  constructor(connectionString: string, poolSize = 10) {
    this.pool = new Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 2000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      const result = await this.pool.query(sql, params);
      return result.rows as R[];
    } catch (error) {
      throw classify(error);
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classify(error);
    }
    // A connection lost mid-transaction fails the statement in progress (or the next one); the
    // client also emits 'error', which, unheard, would crash the process (the pool listens only
    // to idle clients). Heard here until the client goes back to the pool.
    const lost = () => undefined;
    client.on('error', lost);
    const run = async (sql: string, params: unknown[]) => {
      try {
        return await client.query(sql, params);
      } catch (error) {
        throw classify(error);
      }
    };
    const tx: Queryable = {
      query: async <R extends Row = Row>(sql: string, params: unknown[] = []) => (await run(sql, params)).rows as R[],
      exec: async (script: string) => {
        await run(script, []);
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw classify(error);
    } finally {
      client.off('error', lost);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
