import { CircuitBreakers, type BreakerSettings } from '../../../src/outbox/routing/breaker';
import { ephemeralBackends } from '../../support/stores';

const SETTINGS: BreakerSettings = { failures: 3, windowSeconds: 60, minReports: 10, minDelivery: 0.5, cooldownSeconds: 1 };

describe.each(ephemeralBackends())('circuit breakers in the $name store', (backend) => {
  const store = backend.open();
  afterAll(() => store.close());

  it('open after N refusals in a row, and an accepted send in between starts the count again', async () => {
    const breakers = new CircuitBreakers(store, SETTINGS);
    expect(await breakers.refused('a', 'smart', false)).toBe(false);
    expect(await breakers.refused('a', 'smart', false)).toBe(false);
    await breakers.accepted('a', 'smart', false);
    expect(await breakers.refused('a', 'smart', false)).toBe(false);
    expect(await breakers.refused('a', 'smart', false)).toBe(false);
    expect(await breakers.state('a', 'smart')).toBe('closed');
    expect(await breakers.refused('a', 'smart', false)).toBe(true);
    expect(await breakers.state('a', 'smart')).toBe('open');
    // Per network: the route still serves Globe.
    expect(await breakers.state('a', 'globe')).toBe('closed');
  });

  it('is shared: another instance on the same store sees it open, then half-open after the cool-down with one probe for all', async () => {
    const one = new CircuitBreakers(store, SETTINGS);
    const two = new CircuitBreakers(store, SETTINGS);
    for (let i = 0; i < 3; i++) await one.refused('b', 'robi', false);
    expect(await two.state('b', 'robi')).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await two.state('b', 'robi')).toBe('half-open');
    expect(await one.state('b', 'robi')).toBe('half-open');
    const probes = await Promise.all([one.claimProbe('b', 'robi'), two.claimProbe('b', 'robi')]);
    expect(probes.filter(Boolean)).toHaveLength(1);
    // A refused probe opens it again; an accepted one closes it.
    expect(await one.refused('b', 'robi', true)).toBe(true);
    expect(await one.state('b', 'robi')).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await one.claimProbe('b', 'robi')).toBe(true);
    await one.accepted('b', 'robi', true);
    expect(await one.state('b', 'robi')).toBe('closed');
  });

  it('opens when the delivery rate over the window falls below the threshold, once there are enough reports', async () => {
    const breakers = new CircuitBreakers(store, SETTINGS);
    for (let i = 0; i < 4; i++) expect(await breakers.reported('c', 'smart', true)).toBe(false);
    // Five failed of nine: below 50 %, but fewer than ten reports.
    for (let i = 0; i < 5; i++) expect(await breakers.reported('c', 'smart', false)).toBe(false);
    expect(await breakers.reported('c', 'smart', false)).toBe(true);
    expect(await breakers.state('c', 'smart')).toBe('open');
  });

  it('stays closed while the rate holds', async () => {
    const breakers = new CircuitBreakers(store, SETTINGS);
    for (let i = 0; i < 20; i++) expect(await breakers.reported('d', 'globe', i % 3 !== 0)).toBe(false);
    expect(await breakers.state('d', 'globe')).toBe('closed');
  });
});
