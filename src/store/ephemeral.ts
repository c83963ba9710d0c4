/**
 * Ephemeral state: dialog snapshots, webhook de-duplication and rate-limit counters. Everything
 * here may be lost without losing a citizen's record; everything here expires.
 * Redis in production (shared by every instance), memory by default.
 */
export interface EphemeralStore {
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key` for `ttlSeconds`. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Stores `value` only when `key` is absent; true when it was stored (first sight of a webhook). */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Adds one to a counter that starts its `ttlSeconds` window on the first increment; returns the count. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** True when the store answers, for readiness checks. */
  ping(): Promise<boolean>;
  readonly engine: 'redis' | 'memory';
  close(): Promise<void>;
}
