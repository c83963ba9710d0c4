import type { EphemeralStore } from '../store/ephemeral';
import { StoreUnavailableError } from '../store/sql';

/**
 * Refused at once: a turn of this address is running and another already waits for it. A
 * kind of unavailability, so a channel answers it as it answers a busy store: "please try again".
 */
export class AddressBusyError extends StoreUnavailableError {
  constructor() {
    super('a turn for this address is running and another is waiting for it');
  }
}

/**
 * One dialog turn per address at a time, across every instance sharing the ephemeral store.
 *
 * A USSD gateway that gives up waiting retries the same hop; when the first attempt is still
 * running (a slow submission), both would step the dialog, and a form would be filed twice.
 * With the lock the retry waits for the first to finish, then finds its saved reply and
 * answers with the same screen. It also keeps two SMS from one phone, arriving together, in
 * order. The lock is a key set only-if-absent with a time-to-live, so a crashed instance
 * cannot hold an address for longer than that.
 *
 * Only one turn waits for a busy address (a second key, taken only-if-absent too): a retry
 * needs no more, and a flood of hops for one phone (session ids cost a forger nothing) is
 * refused at once with AddressBusyError, at the price of two store commands a hop, instead of
 * queuing behind the lock for seconds and outlasting the gateway's wait.
 */
export class AddressLock {
  constructor(
    private readonly store: EphemeralStore,
    private readonly options: { holdSeconds: number; waitMs: number; pollMs?: number },
  ) {}

  /**
   * Runs `work` holding the address's lock. When another turn holds it, waits up to `waitMs`
   * if no other turn is waiting already (else fails at once with AddressBusyError); after that
   * it fails as a busy store does, so the channel answers "please try again" politely.
   */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const key = `turn:${address}`;
    if (!(await this.store.setIfAbsent(key, '1', this.options.holdSeconds))) await this.waitFor(address, key);
    try {
      return await work();
    } finally {
      // Best effort: if this fails, the key's time-to-live frees the address. (The hold outlasts
      // the longest turn, so the key deleted here is this turn's own.)
      await this.store.delete(key).catch(() => undefined);
    }
  }

  /** Waits for the lock `key` as the address's one waiter; resolves holding it. */
  private async waitFor(address: string, key: string): Promise<void> {
    const waiting = `turn-waiting:${address}`;
    // Kept a little longer than the wait, so it is this waiter's own when deleted below.
    if (!(await this.store.setIfAbsent(waiting, '1', Math.ceil(this.options.waitMs / 1000) + 1))) throw new AddressBusyError();
    try {
      const giveUpAt = Date.now() + this.options.waitMs;
      do {
        if (Date.now() >= giveUpAt) throw new StoreUnavailableError('an earlier turn for this address is still running');
        await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 25));
      } while (!(await this.store.setIfAbsent(key, '1', this.options.holdSeconds)));
    } finally {
      await this.store.delete(waiting).catch(() => undefined);
    }
  }
}
