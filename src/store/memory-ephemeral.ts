import type { EphemeralStore, Quota } from './ephemeral';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * The embedded ephemeral store: a Map with expiry, for one process. Expired entries are dropped
 * when read and swept once a minute so an idle pilot does not grow without bound.
 */
export class MemoryEphemeralStore implements EphemeralStore {
  readonly engine = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      await this.set(key, '1', ttlSeconds);
      return 1;
    }
    entry.value = String(Number(entry.value) + 1);
    return Number(entry.value);
  }

  async incrementAll(quotas: readonly Quota[]): Promise<number> {
    // One synchronous pass: nothing else runs in this process between the checks and the counts.
    const full = quotas.findIndex((quota) => Number(this.live(quota.key)?.value ?? 0) >= quota.limit);
    if (full >= 0) return full;
    for (const quota of quotas) {
      const entry = this.live(quota.key);
      if (entry) entry.value = String(Number(entry.value) + 1);
      else this.entries.set(quota.key, { value: '1', expiresAt: this.now() + quota.ttlSeconds * 1000 });
    }
    return -1;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
