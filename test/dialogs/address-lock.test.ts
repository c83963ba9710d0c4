import { AddressLock } from '../../src/dialogs/address-lock';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { StoreUnavailableError } from '../../src/store/sql';

describe('one turn per address at a time', () => {
  it('runs turns of one address one after the other, and of different addresses together', async () => {
    const lock = new AddressLock(new MemoryEphemeralStore(), { holdSeconds: 20, waitMs: 2_000, pollMs: 5 });
    const events: string[] = [];
    const turn = (address: string, name: string, ms: number) =>
      lock.run(address, async () => {
        events.push(`${name} starts`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${name} ends`);
      });
    await Promise.all([turn('tel:+639170000001', 'a1', 60), turn('tel:+639170000001', 'a2', 10), turn('tel:+639170000002', 'b', 10)]);
    expect(events.indexOf('a2 starts')).toBeGreaterThan(events.indexOf('a1 ends'));
    expect(events.indexOf('b starts')).toBeLessThan(events.indexOf('a1 ends'));
  });

  it('frees the address when a turn fails', async () => {
    const lock = new AddressLock(new MemoryEphemeralStore(), { holdSeconds: 20, waitMs: 100, pollMs: 5 });
    await expect(lock.run('tel:+639170000003', () => Promise.reject(new Error('effect failed')))).rejects.toThrow('effect failed');
    await expect(lock.run('tel:+639170000003', async () => 'next turn')).resolves.toBe('next turn');
  });

  it('gives up after its wait as an unavailable store does, so the channel answers politely', async () => {
    const store = new MemoryEphemeralStore();
    const lock = new AddressLock(store, { holdSeconds: 20, waitMs: 50, pollMs: 5 });
    // Held by an instance that is still working (or died: then the hold's time-to-live frees it).
    await store.setIfAbsent('turn:tel:+639170000004', '1', 20);
    let ran = false;
    await expect(
      lock.run('tel:+639170000004', async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(ran).toBe(false);
  });
});
