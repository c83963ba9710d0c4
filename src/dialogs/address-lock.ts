import type { EphemeralStore } from '../store/ephemeral';
import { StoreUnavailableError } from '../store/sql';

/**
 * One dialog turn per address at a time, across every instance sharing the ephemeral store.
 *
 * A USSD gateway that gives up waiting retries the same hop; when the first attempt is still
 * running (a slow submission), both would step the dialog, and a form would be filed twice.
 * With the lock the retry waits for the first to finish, then finds its saved reply and
 * answers with the same screen. It also keeps two SMS from one phone, arriving together, in
 * order. The lock is a key set only-if-absent with a time-to-live, so a crashed instance
 * cannot hold an address for longer than that.
 */
export class AddressLock {
  constructor(
    private readonly store: EphemeralStore,
    private readonly options: { holdSeconds: number; waitMs: number; pollMs?: number },
  ) {}

  /**
   * Runs `work` holding the address's lock. Waits up to `waitMs` for another holder; after that
   * it fails as a busy store does, so the channel answers "please try again" politely.
   */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const key = `turn:${address}`;
    const giveUpAt = Date.now() + this.options.waitMs;
    while (!(await this.store.setIfAbsent(key, '1', this.options.holdSeconds))) {
      if (Date.now() >= giveUpAt) throw new StoreUnavailableError('an earlier turn for this address is still running');
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 25));
    }
    try {
      return await work();
    } finally {
      // Best effort: if this fails, the key's time-to-live frees the address. (The hold outlasts
      // the longest turn, so the key deleted here is this turn's own.)
      await this.store.delete(key).catch(() => undefined);
    }
  }
}
