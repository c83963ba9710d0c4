/**
 * The records store: PostgreSQL in production, PGlite (PostgreSQL compiled to WASM) embedded.
 * Both speak the same SQL, so services are written once against this small interface.
 */

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** Something that runs SQL: the database itself, or one transaction on it. */
export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** The records database. */
export interface Database extends Queryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Which engine this is, for readiness reports and logs. */
  readonly engine: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached, so callers can answer "try again later". */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
