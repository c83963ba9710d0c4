import type { EphemeralStore } from '../../src/store/ephemeral';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { RedisEphemeralStore } from '../../src/store/redis-ephemeral';
import { StoreUnavailableError } from '../../src/store/sql';
import { ephemeralBackends } from '../support/stores';

describe.each(ephemeralBackends())('the ephemeral store on $name', (backend) => {
  let store: EphemeralStore;
  beforeAll(() => {
    store = backend.open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('returns what was set and forgets what was deleted', async () => {
    await store.set('a', 'snapshot', 60);
    expect(await store.get('a')).toBe('snapshot');
    await store.delete('a');
    expect(await store.get('a')).toBeNull();
  });

  it('stores a key only the first time with setIfAbsent', async () => {
    expect(await store.setIfAbsent('msg:1', 'x', 60)).toBe(true);
    expect(await store.setIfAbsent('msg:1', 'y', 60)).toBe(false);
    expect(await store.get('msg:1')).toBe('x');
  });

  it('counts increments within a window', async () => {
    expect(await store.increment('count', 60)).toBe(1);
    expect(await store.increment('count', 60)).toBe(2);
    expect(await store.increment('count', 60)).toBe(3);
  });

  it('counts several quotas all or none, and says which one is full', async () => {
    const quotas = [
      { key: 'q:number', limit: 3, ttlSeconds: 60 },
      { key: 'q:total', limit: 2, ttlSeconds: 60 },
    ];
    expect(await store.incrementAll(quotas)).toBe(-1);
    expect(await store.incrementAll(quotas)).toBe(-1);
    // The total is full: refused, and the number's count is left where it was.
    expect(await store.incrementAll(quotas)).toBe(1);
    expect(await store.get('q:number')).toBe('2');
    expect(await store.incrementAll([{ key: 'q:other', limit: 0, ttlSeconds: 60 }])).toBe(0);
    expect(await store.get('q:other')).toBeNull();
  });

  it('never lets concurrent takers past a quota', async () => {
    const quotas = [
      { key: 'race:one', limit: 50, ttlSeconds: 60 },
      { key: 'race:all', limit: 7, ttlSeconds: 60 },
    ];
    const results = await Promise.all(Array.from({ length: 200 }, () => store.incrementAll(quotas)));
    expect(results.filter((full) => full === -1)).toHaveLength(7);
    expect(results.filter((full) => full === 1)).toHaveLength(193);
    expect([await store.get('race:one'), await store.get('race:all')]).toEqual(['7', '7']);
  });

  it('answers a ping', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('the memory store', () => {
  it('forgets a value once its time to live has passed', async () => {
    let now = 1_000_000;
    const store = new MemoryEphemeralStore(() => now);
    await store.set('k', 'v', 10);
    now += 9_999;
    expect(await store.get('k')).toBe('v');
    now += 2;
    expect(await store.get('k')).toBeNull();
    expect(await store.increment('c', 5)).toBe(1);
    now += 5_001;
    expect(await store.increment('c', 5)).toBe(1);
    // A quota's window starts at its first count and ends with its time to live.
    expect(await store.incrementAll([{ key: 'w', limit: 1, ttlSeconds: 5 }])).toBe(-1);
    expect(await store.incrementAll([{ key: 'w', limit: 1, ttlSeconds: 5 }])).toBe(0);
    now += 5_001;
    expect(await store.incrementAll([{ key: 'w', limit: 1, ttlSeconds: 5 }])).toBe(-1);
    await store.close();
  });
});

describe('the Redis store when Redis is down', () => {
  it('fails fast with StoreUnavailableError and reports not ready', async () => {
    const store = new RedisEphemeralStore('redis://127.0.0.1:1/0');
    await expect(store.get('anything')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.ping()).toBe(false);
    await store.close();
  });
});
