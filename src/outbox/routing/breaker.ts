import type { EphemeralStore } from '../../store/ephemeral';

/** When a route stops being used for a network, and when it is tried again. */
export interface BreakerSettings {
  /** Refusals in a row (send errors other than the recipient's own) that open the breaker. */
  failures: number;
  /** The rolling window over which delivery reports are counted. */
  windowSeconds: number;
  /** Reports needed in the window before the delivery rate can open the breaker. */
  minReports: number;
  /** Delivery rate (0..1) below which the breaker opens. */
  minDelivery: number;
  /** How long an open breaker keeps traffic away before one probe message is let through. */
  cooldownSeconds: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** The window is counted in this many slots, so it rolls forward a tenth at a time. */
const SLOTS = 10;
/** How long one instance believes what it read of a breaker: fewer store round trips per message. */
const CACHE_MS = 1000;
/** How long a tripped breaker stays remembered (half-open) when no probe ever settles it. */
const TRIPPED_TTL_SECONDS = 24 * 3600;

interface Seen {
  state: BreakerState;
  failures: number;
  at: number;
}

/**
 * Circuit breakers per route and network, kept in the ephemeral store so every instance sees
 * the same (Redis in production, memory for one process), like the rate limiter's buckets.
 * Closed: the route is used. Open: `failures` refusals in a row, or a delivery rate below
 * `minDelivery` over the last `windowSeconds` with at least `minReports` reports; traffic goes
 * to the next route for `cooldownSeconds`. Half-open: one probe message (one instance wins
 * it) goes through; accepted closes the breaker and forgets the window, refused opens it again.
 */
export class CircuitBreakers {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly store: EphemeralStore,
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private key(route: string, network: string, part: string): string {
    return `breaker:${route}:${network}:${part}`;
  }

  private slotMs(): number {
    return (this.settings.windowSeconds * 1000) / SLOTS;
  }

  /** Where the breaker of `route` for `network` stands (read at most once a second per instance). */
  async state(route: string, network: string): Promise<BreakerState> {
    return (await this.read(route, network)).state;
  }

  private async read(route: string, network: string): Promise<Seen> {
    const id = `${route}:${network}`;
    const cached = this.seen.get(id);
    if (cached && this.now() - cached.at < CACHE_MS) return cached;
    const [open, tripped, failures] = await Promise.all(['open', 'tripped', 'failures'].map((part) => this.store.get(this.key(route, network, part))));
    const seen: Seen = { state: open ? 'open' : tripped ? 'half-open' : 'closed', failures: Number(failures ?? 0), at: this.now() };
    this.seen.set(id, seen);
    return seen;
  }

  /** In half-open, claims the one probe (true for one caller across instances until it settles or a cool-down passes). */
  async claimProbe(route: string, network: string): Promise<boolean> {
    return this.store.setIfAbsent(this.key(route, network, 'probe'), '1', this.settings.cooldownSeconds);
  }

  /** The provider took a message for `network`. A probe that is taken closes the breaker. */
  async accepted(route: string, network: string, probe: boolean): Promise<void> {
    if (probe) return this.close(route, network);
    const seen = await this.read(route, network);
    if (seen.failures > 0) {
      seen.failures = 0;
      await this.store.delete(this.key(route, network, 'failures'));
    }
  }

  /** The provider refused a message for `network` (not for the recipient's own reason). True when this opened the breaker. */
  async refused(route: string, network: string, probe: boolean): Promise<boolean> {
    if (probe) {
      await this.open(route, network);
      return true;
    }
    const failures = await this.store.increment(this.key(route, network, 'failures'), this.settings.windowSeconds);
    const seen = await this.read(route, network);
    seen.failures = failures;
    if (failures < this.settings.failures || seen.state === 'open') return false;
    await this.open(route, network);
    return true;
  }

  /** A delivery report for a message sent on `route` to `network`. True when this opened the breaker. */
  async reported(route: string, network: string, delivered: boolean): Promise<boolean> {
    const slot = Math.floor(this.now() / this.slotMs());
    await this.store.increment(this.key(route, network, `${slot}:${delivered ? 'ok' : 'fail'}`), this.settings.windowSeconds + 1);
    if (delivered) return false;
    const { ok, fail } = await this.window(route, network, slot);
    if (ok + fail < this.settings.minReports || ok / (ok + fail) >= this.settings.minDelivery) return false;
    if ((await this.read(route, network)).state === 'open') return false;
    await this.open(route, network);
    return true;
  }

  /** Delivered and failed reports in the window ending with `slot`. */
  private async window(route: string, network: string, slot: number): Promise<{ ok: number; fail: number }> {
    const slots = Array.from({ length: SLOTS }, (_, index) => slot - index);
    const counts = await Promise.all(
      slots.flatMap((at) => ['ok', 'fail'].map(async (what) => ({ what, count: Number((await this.store.get(this.key(route, network, `${at}:${what}`))) ?? 0) }))),
    );
    const sum = (what: string) => counts.filter((count) => count.what === what).reduce((total, count) => total + count.count, 0);
    return { ok: sum('ok'), fail: sum('fail') };
  }

  private async open(route: string, network: string): Promise<void> {
    const { cooldownSeconds } = this.settings;
    await Promise.all([
      this.store.set(this.key(route, network, 'open'), '1', cooldownSeconds),
      this.store.set(this.key(route, network, 'tripped'), '1', TRIPPED_TTL_SECONDS),
      this.store.delete(this.key(route, network, 'failures')),
      this.store.delete(this.key(route, network, 'probe')),
    ]);
    this.seen.set(`${route}:${network}`, { state: 'open', failures: 0, at: this.now() });
  }

  private async close(route: string, network: string): Promise<void> {
    const slot = Math.floor(this.now() / this.slotMs());
    const parts = ['tripped', 'probe', 'failures', ...Array.from({ length: SLOTS }, (_, index) => [`${slot - index}:ok`, `${slot - index}:fail`]).flat()];
    await Promise.all(parts.map((part) => this.store.delete(this.key(route, network, part))));
    this.seen.set(`${route}:${network}`, { state: 'closed', failures: 0, at: this.now() });
  }
}
