import { randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { SendError, type OutboundMessage, type SendingChannel } from '../src/channels/channel';
import { createLogger } from '../src/log';
import { Dispatcher } from '../src/outbox/dispatcher';
import { Outbox } from '../src/outbox/outbox';
import { bucketCapacity, RedisRateLimiter } from '../src/outbox/rate-limiter';
import { CircuitBreakers } from '../src/outbox/routing/breaker';
import { SmsRouter } from '../src/outbox/routing/router';
import { parseRoutes } from '../src/outbox/routing/routes';
import { RedisEphemeralStore } from '../src/store/redis-ephemeral';
import type { Database } from '../src/store/sql';
import { queue } from './dispatcher-rate';

/**
 * The outbox's sending side against a local fake provider in another process
 * (bench/servers/fake-provider.ts): how fast one dispatcher drains a backlog with no rate
 * limit, and how closely two dispatchers sharing the Redis token bucket hold a configured rate.
 */

/** How a bench channel reaches the fake provider. */
export type ProviderClient = 'http-agent' | 'fetch';

/**
 * A channel that posts each message to the fake provider over loopback HTTP on kept-alive
 * connections: with node:http and a keep-alive agent (the client a high-rate provider
 * integration uses), or with fetch (as the Kannel adapter sends today), to show what the
 * client costs.
 */
function providerChannel(baseUrl: string, name: string, ratePerSecond: number, client: ProviderClient = 'http-agent'): SendingChannel {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(`${baseUrl}/send/${name}`);
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return {
    name,
    ratePerSecond,
    router: express.Router(),
    async send(message: OutboundMessage) {
      const body = JSON.stringify(message);
      if (client === 'fetch') {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!response.ok) throw new SendError(`provider answered ${response.status}`, true);
        return (await response.json()) as { providerId: string };
      }
      const { status, text } = await post(body);
      if (status !== 200) throw new SendError(`provider answered ${status}`, true);
      return JSON.parse(text) as { providerId: string };
    },
  };
}

/** Waits until no message is queued or being sent; returns the milliseconds it took. */
async function drained(db: Database, started: number, limitMs: number): Promise<number> {
  for (;;) {
    const [{ left }] = await db.query<{ left: string }>("SELECT count(*) AS left FROM outbox WHERE status IN ('queued', 'sending')");
    if (Number(left) === 0) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`outbox not drained after ${limitMs} ms (${left} left)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The dispatcher's sustained rate. */
export interface DispatcherFigures {
  messages: number;
  seconds: number;
  perSecond: number;
}

/** Queues `messages` (half SMS, half Telegram) and times one dispatcher sending them all, no rate limit. */
export async function measureDispatcher(db: Database, providerUrl: string, messages: number, client: ProviderClient = 'http-agent'): Promise<DispatcherFigures> {
  await queue(db, messages);
  const dispatcher = new Dispatcher({
    outbox: new Outbox(db),
    channels: [providerChannel(providerUrl, 'sms', 0, client), providerChannel(providerUrl, 'telegram', 0, client)],
    log: createLogger('warn'),
    maxAttempts: 3,
    idleMs: 20,
  });
  const started = performance.now();
  dispatcher.start();
  const elapsed = await drained(db, started, 300_000);
  await dispatcher.stop();
  const [{ sent }] = await db.query<{ sent: string }>("SELECT count(*) AS sent FROM outbox WHERE status = 'sent'");
  await db.query("UPDATE outbox SET status = 'cancelled' WHERE status = 'sent'");
  if (Number(sent) !== messages) throw new Error(`dispatcher sent ${sent} of ${messages}`);
  return { messages, seconds: Math.round(elapsed / 100) / 10, perSecond: Math.round(messages / (elapsed / 1000)) };
}

/** How closely the shared token bucket held its rate. */
export interface LimiterFigures {
  ratePerSecond: number;
  messages: number;
  /** Messages per second at the provider once the first second's burst (the bucket's capacity) is spent. */
  measuredPerSecond: number;
  /** (measured − configured) / configured, in percent. */
  deviationPercent: number;
  /** Most messages the provider received in any one-second window (at most capacity + rate). */
  busiestSecond: number;
}

/**
 * Two dispatchers sharing one Redis token bucket send `seconds` worth of SMS at
 * `ratePerSecond`; the provider's arrival times give the rate that came out.
 */
export async function measureLimiter(db: Database, providerUrl: string, redisUrl: string, ratePerSecond: number, seconds: number): Promise<LimiterFigures> {
  const messages = bucketCapacity(ratePerSecond) + ratePerSecond * seconds;
  await db.query(
    `INSERT INTO outbox (address, channel, body, kind) SELECT 'tel:+639' || lpad(i::text, 9, '0'), 'sms', 'Benchmark message', 'broadcast' FROM generate_series(1, $1::int) i`,
    [messages],
  );
  await fetch(`${providerUrl}/reset`, { method: 'POST' });
  const prefix = `lk:bench:rate:${randomBytes(4).toString('hex')}:`;
  const limiters = [new RedisRateLimiter(redisUrl, prefix), new RedisRateLimiter(redisUrl, prefix)];
  const channel = providerChannel(providerUrl, 'sms', ratePerSecond);
  const dispatchers = limiters.map((limiter) => new Dispatcher({ outbox: new Outbox(db), channels: [channel], log: createLogger('warn'), maxAttempts: 3, limiter, idleMs: 20 }));
  const started = performance.now();
  for (const dispatcher of dispatchers) dispatcher.start();
  try {
    await drained(db, started, (seconds + 60) * 1000);
  } finally {
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
    await Promise.all(limiters.map((limiter) => limiter.close()));
  }
  await db.query("UPDATE outbox SET status = 'cancelled' WHERE status = 'sent'");
  const arrivals = ((await (await fetch(`${providerUrl}/arrivals/sms`)).json()) as number[]).sort((a, b) => a - b);
  if (arrivals.length !== messages) throw new Error(`provider received ${arrivals.length} of ${messages}`);
  const steady = arrivals.filter((at) => at >= arrivals[0] + 1000);
  const measured = ((steady.length - 1) / (steady[steady.length - 1] - steady[0])) * 1000;
  let busiest = 0;
  for (let start = 0, end = 0; end < arrivals.length; end++) {
    while (arrivals[end] - arrivals[start] >= 1000) start++;
    busiest = Math.max(busiest, end - start + 1);
  }
  return {
    ratePerSecond,
    messages,
    measuredPerSecond: Math.round(measured * 10) / 10,
    deviationPercent: Math.round(((measured - ratePerSecond) / ratePerSecond) * 1000) / 10,
    busiestSecond: busiest,
  };
}

/** SMS throughput without routing (today's lane) and with the router over two routes, one and two dispatchers. */
export interface RoutingFigures {
  messages: number;
  direct: RoutingRun;
  routed: RoutingRun;
}

/** Messages per second with one and with two dispatchers, and the dispatchers' CPU per message (one dispatcher). */
interface RoutingRun {
  one: number;
  two: number;
  cpuMsPerMessage: number;
}

/**
 * Queues `messages` SMS (alternately Globe and Smart numbers) and times dispatchers sending them
 * all, no rate limit: on the `sms` lane's own channel as before routing (the two providers' own
 * lanes idle beside it, as in a deployment), and
 * through the SMS router (src/outbox/routing) choosing between two routes per message, its
 * circuit breakers in Redis shared by the dispatchers (each its own connection, as instances).
 */
export async function measureRouting(db: Database, providerUrl: string, redisUrl: string, messages: number): Promise<RoutingFigures> {
  const log = createLogger('warn');
  const run = async (instances: number, routed: boolean): Promise<{ perSecond: number; cpuMs: number }> => {
    await db.query(
      `INSERT INTO outbox (address, channel, body, kind)
       SELECT 'tel:+6391' || CASE WHEN i % 2 = 0 THEN '7' ELSE '8' END || lpad(i::text, 7, '0'), 'sms', 'Benchmark message', 'broadcast' FROM generate_series(1, $1::int) i`,
      [messages],
    );
    const prefix = `lk:bench:routing:${randomBytes(4).toString('hex')}:`;
    const stores = Array.from({ length: instances }, () => new RedisEphemeralStore(redisUrl, prefix));
    const dispatchers = stores.map((store) => {
      const lane = providerChannel(providerUrl, 'sms', 0);
      // Each provider is a lane of its own either way (its replies), as in a deployment.
      const providers = [providerChannel(providerUrl, 'route-a', 0), providerChannel(providerUrl, 'route-b', 0)];
      if (!routed) return new Dispatcher({ outbox: new Outbox(db), channels: [lane, ...providers], log, maxAttempts: 3, idleMs: 20 });
      const routes = parseRoutes('route-a networks=globe cost=0.20; route-b cost=0.30', ['route-a', 'route-b']);
      const breakers = new CircuitBreakers(store, { failures: 5, windowSeconds: 600, minReports: 20, minDelivery: 0.5, cooldownSeconds: 60 });
      const routing = new SmsRouter({ lane: 'sms', providers, routes, breakers, log, deliveredMinMs: 0 });
      return new Dispatcher({ outbox: new Outbox(db), channels: [lane, ...providers], log, maxAttempts: 3, idleMs: 20, routing });
    });
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const dispatcher of dispatchers) dispatcher.start();
    try {
      const elapsed = await drained(db, started, 300_000);
      const used = process.cpuUsage(cpu);
      const [{ sent }] = await db.query<{ sent: string }>("SELECT count(*) AS sent FROM outbox WHERE status = 'sent'");
      if (Number(sent) !== messages) throw new Error(`dispatchers sent ${sent} of ${messages}`);
      return { perSecond: Math.round(messages / (elapsed / 1000)), cpuMs: Math.round(((used.user + used.system) / 1000 / messages) * 1000) / 1000 };
    } finally {
      await Promise.all(dispatchers.map((dispatcher) => dispatcher.stop()));
      await Promise.all(stores.map((store) => store.close()));
      await db.query("UPDATE outbox SET status = 'cancelled' WHERE status = 'sent'");
    }
  };
  const both = async (routed: boolean): Promise<RoutingRun> => {
    const one = await run(1, routed);
    return { one: one.perSecond, two: (await run(2, routed)).perSecond, cpuMsPerMessage: one.cpuMs };
  };
  return { messages, direct: await both(false), routed: await both(true) };
}
