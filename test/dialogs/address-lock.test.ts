import { AddressBusyError, AddressLock } from '../../src/dialogs/address-lock';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { StoreUnavailableError } from '../../src/store/sql';
import { ephemeralBackends } from '../support/stores';

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

describe.each(ephemeralBackends())('a flood of turns for one address, state on $name', (backend) => {
  it('lets one turn wait for the running one and refuses the others at once, each instance alike', async () => {
    const store = backend.open();
    // Two instances' locks on one store.
    const locks = [0, 1].map(() => new AddressLock(store, { holdSeconds: 20, waitMs: 5_000, pollMs: 5 }));
    let release = () => undefined as void;
    const running = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: number[] = [];
    const first = locks[0].run('tel:+639170000010', async () => {
      ran.push(0);
      await running;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const waiter = locks[1].run('tel:+639170000010', async () => void ran.push(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const flood = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => locks[index % 2].run('tel:+639170000010', async () => void ran.push(2))));
    // All refused while the first still runs: none of them waited for it.
    expect(flood.map((outcome) => outcome.status === 'rejected' && outcome.reason instanceof AddressBusyError)).toEqual(flood.map(() => true));
    expect(ran).toEqual([0]);
    release();
    await Promise.all([first, waiter]);
    expect(ran).toEqual([0, 1]);
    // The waiting place is free again.
    await expect(locks[0].run('tel:+639170000010', async () => 'next')).resolves.toBe('next');
    await store.close();
  });
});
