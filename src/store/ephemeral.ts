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
  /**
   * Adds one to every counter of `quotas` when each is below its limit, atomically across
   * instances (all or none: no two callers both pass a counter's last place, and a refusal
   * counts nothing). Returns the index of the first counter already at its limit, or -1 when
   * all were counted. Each counter starts its `ttlSeconds` window on its first count.
   */
  incrementAll(quotas: readonly Quota[]): Promise<number>;
  /** True when the store answers, for readiness checks. */
  ping(): Promise<boolean>;
  readonly engine: 'redis' | 'memory';
  close(): Promise<void>;
}

/** One counter of `incrementAll`: its key, the count it may reach, and its window. */
export interface Quota {
  key: string;
  limit: number;
  ttlSeconds: number;
}
