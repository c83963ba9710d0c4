import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one instance, on a registry of its own (never prom-client's global). */
export interface Metrics {
  registry: Registry;
  /** Hops by channel and outcome: `ok`, `final` (session ended), `error` (polite END after a failure). */
  hops: Counter<'channel' | 'outcome'>;
  /** Time from a hop arriving to its reply, in seconds. */
  hopSeconds: Histogram<'channel'>;
  /**
   * SMS to phones that have not texted us, by cause (`ussd-finish`, …) and what the budget
   * said: `allowed`, `texted` (the phone texted us lately: no budget used), or refused by the
   * `number`'s, the `gateway`'s or the `total` allowance, or `unavailable` (the stores down).
   */
  unsolicitedSms: Counter<'cause' | 'outcome'>;
}

export function createMetrics(collectDefaults = true): Metrics {
  const registry = new Registry();
  if (collectDefaults) collectDefaultMetrics({ register: registry, prefix: 'lingkod_' });
  return {
    registry,
    hops: new Counter({ name: 'lingkod_hops_total', help: 'Inbound hops by channel and outcome', labelNames: ['channel', 'outcome'], registers: [registry] }),
    hopSeconds: new Histogram({
      name: 'lingkod_hop_duration_seconds',
      help: 'Time to answer a hop',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    unsolicitedSms: new Counter({
      name: 'lingkod_unsolicited_sms_total',
      help: 'SMS to phones that have not texted us: allowed, or refused by which allowance',
      labelNames: ['cause', 'outcome'],
      registers: [registry],
    }),
  };
}
