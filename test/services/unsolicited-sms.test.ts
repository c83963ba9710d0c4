import { createLogger } from '../../src/log';
import { createMetrics, type Metrics } from '../../src/metrics';
import { CitizenService } from '../../src/services/citizens';
import { recordTextFrom, TEXTED_WITHIN_DAYS, UnsolicitedSmsBudget } from '../../src/services/unsolicited-sms';
import type { EphemeralStore } from '../../src/store/ephemeral';
import type { Database } from '../../src/store/sql';
import { LogCapture } from '../support/app';
import { databaseBackends, ephemeralBackends } from '../support/stores';

/**
 * The unsolicited-SMS budget on its own: three allowances taken together, phones that texted
 * us left alone, every refusal counted and logged without the number.
 */
const combinations = databaseBackends().flatMap((database) => ephemeralBackends().map((ephemeral) => ({ name: `${database.name} and ${ephemeral.name}`, database, ephemeral })));

describe.each(combinations)('the unsolicited-SMS budget on $name', ({ database, ephemeral }) => {
  let db: Database;
  let store: EphemeralStore;
  let metrics: Metrics;
  const logs = new LogCapture();
  let budget: UnsolicitedSmsBudget;
  const ussd = (network: string) => ({ kind: 'ussd-finish', source: `ussd:africastalking:${network}` });

  beforeAll(async () => {
    db = await database.open();
    store = ephemeral.open();
    metrics = createMetrics(false);
    budget = new UnsolicitedSmsBudget({ db, store, metrics, log: createLogger('info', logs), limits: { perNumberPerDay: 2, perGatewayPerHour: 3, perHour: 4 } });
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('gives a number its day, a gateway its hour and everyone theirs, and says which allowance refused', async () => {
    expect(await budget.take({ address: 'tel:+639170001001', cause: ussd('51502') })).toEqual({ allowed: true, texted: false });
    expect(await budget.take({ address: 'tel:+639170001001', cause: ussd('51502') })).toEqual({ allowed: true, texted: false });
    expect(await budget.take({ address: 'tel:+639170001001', cause: ussd('51502') })).toEqual({ allowed: false, reason: 'number' });
    expect(await budget.take({ address: 'tel:+639170001002', cause: ussd('51502') })).toEqual({ allowed: true, texted: false });
    expect(await budget.take({ address: 'tel:+639170001003', cause: ussd('51502') })).toEqual({ allowed: false, reason: 'gateway' });
    expect(await budget.take({ address: 'tel:+639170001003', cause: ussd('51503') })).toEqual({ allowed: true, texted: false });
    expect(await budget.take({ address: 'tel:+639170001004', cause: ussd('51503') })).toEqual({ allowed: false, reason: 'total' });
  });

  it('spares a phone that texted us lately its daily allowance, but not the hourly ones, and only that long', async () => {
    const citizens = new CitizenService(db);
    await citizens.findOrCreate('tel:+639170001010', 'sms');
    await db.transaction((tx) => recordTextFrom(tx, 'tel:+639170001010'));
    // Its own day is spent by now (perNumberPerDay 2), yet the phone that wrote to us is answered...
    const fresh = ephemeral.open();
    const spare = new UnsolicitedSmsBudget({ db, store: fresh, metrics: createMetrics(false), log: createLogger('silent'), limits: { perNumberPerDay: 0, perGatewayPerHour: 2, perHour: 9 } });
    expect(await spare.take({ address: 'tel:+639170001010', cause: ussd('51502') })).toEqual({ allowed: true, texted: true });
    expect(await spare.take({ address: 'tel:+639170001010', cause: ussd('51502') })).toEqual({ allowed: true, texted: true });
    // ...but texting once from each SIM one holds does not buy more than the gateway's hour.
    expect(await spare.take({ address: 'tel:+639170001010', cause: ussd('51502') })).toEqual({ allowed: false, reason: 'gateway' });
    expect(await spare.take({ address: 'tel:+639170001010', cause: ussd('51503') })).toEqual({ allowed: true, texted: true });
    await db.query(`UPDATE citizen_addresses SET texted_at = now() - make_interval(days => $1 + 1) WHERE address = 'tel:+639170001010'`, [TEXTED_WITHIN_DAYS]);
    expect(await spare.take({ address: 'tel:+639170001010', cause: ussd('51503') })).toEqual({ allowed: false, reason: 'number' });
    // A phone merely seen over USSD has not written to us.
    await citizens.findOrCreate('tel:+639170001011', 'ussd');
    expect(await spare.take({ address: 'tel:+639170001011', cause: ussd('51504') })).toEqual({ allowed: false, reason: 'number' });
    await fresh.close();
  });

  it('counts every decision in a metric, and logs refusals with the source and limit but no number', async () => {
    const counted = (await metrics.registry.getSingleMetric('lingkod_unsolicited_sms_total')?.get())?.values ?? [];
    const count = (outcome: string) => counted.filter((value) => value.labels.outcome === outcome).reduce((sum, value) => sum + value.value, 0);
    expect({ allowed: count('allowed'), texted: count('texted'), number: count('number'), gateway: count('gateway'), total: count('total') }).toEqual({
      allowed: 4,
      texted: 0,
      number: 1,
      gateway: 1,
      total: 1,
    });
    const refusals = logs.lines.filter((line) => line.includes('unsolicited SMS refused'));
    expect(refusals).toHaveLength(3);
    expect(refusals.every((line) => line.includes('ussd:africastalking:5150') && !line.includes('9170001'))).toBe(true);
  });

  it('refuses when its stores cannot be asked: an SMS it cannot count is not sent', async () => {
    const down = { ...store, incrementAll: () => Promise.reject(new Error('Redis unavailable')) } as unknown as EphemeralStore;
    const offline = new UnsolicitedSmsBudget({ db, store: down, metrics, log: createLogger('silent'), limits: { perNumberPerDay: 9, perGatewayPerHour: 9, perHour: 9 } });
    expect(await offline.take({ address: 'tel:+639170001020', cause: ussd('51502') })).toEqual({ allowed: false, reason: 'unavailable' });
  });
});
