import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one instance, on a registry of its own (never prom-client's global). */
export interface Metrics {
  registry: Registry;
  /** Hops by channel and outcome: `ok`, `final` (session ended), `error` (polite END after a failure). */
  hops: Counter<'channel' | 'outcome'>;
  /** Time from a hop arriving to its reply, in seconds. */
  hopSeconds: Histogram<'channel'>;
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
  };
}
