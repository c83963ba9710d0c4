import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { OutboundMessage, SendingChannel } from '../src/channels/channel';
import { createLogger } from '../src/log';
import { Dispatcher } from '../src/outbox/dispatcher';
import { Outbox } from '../src/outbox/outbox';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from '../src/outbox/rate-limiter';
import type { Database } from '../src/store/sql';
import { benchDatabase, instantProvider, since } from './ministries-support';

/**
 * Dispatcher throughput, run by hand (`npm run bench:dispatcher`; MESSAGES=20000 by default):
 * queues MESSAGES messages (half SMS, half Telegram) and times how fast dispatchers send them
 * against a fake provider: in memory without a rate, with two dispatchers, over loopback HTTP,
 * and with the Redis token bucket (REDIS_URL, default redis://127.0.0.1:6379/15) at RATE
 * messages per second per channel, to show the configured rate is what comes out. Not a test.
 */
const MESSAGES = Number(process.env.MESSAGES ?? 20_000);
const RATE = Number(process.env.RATE ?? 1000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';

/** Queues `count` messages, alternately SMS and Telegram, in one statement. */
export async function queue(db: Database, count: number): Promise<void> {
  await db.query(
    `INSERT INTO outbox (address, channel, body, kind)
     SELECT CASE WHEN i % 2 = 0 THEN 'tel:+639' || lpad(i::text, 9, '0') ELSE 'telegram:' || i END,
            CASE WHEN i % 2 = 0 THEN 'sms' ELSE 'telegram' END, 'Benchmark message', 'broadcast'
       FROM generate_series(1, $1::int) i`,
    [count],
  );
}

/** A provider behind loopback HTTP: each send is a real request, as with a real provider (minus the internet). */
async function httpProvider(): Promise<{ channel(name: string, rate: number): SendingChannel; close(): Promise<void> }> {
  let counter = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"providerId":"p${++counter}"}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    channel: (name, ratePerSecond) => ({
      name,
      ratePerSecond,
      router: express.Router(),
      async send(message: OutboundMessage) {
        const response = await fetch(url, { method: 'POST', body: JSON.stringify(message) });
        return (await response.json()) as { providerId: string };
      },
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends everything queued with `dispatchers` side by side; returns messages per second overall. */
async function drain(db: Database, dispatchers: Dispatcher[]): Promise<number> {
  const start = performance.now();
  for (;;) {
    const handled = await Promise.all(dispatchers.map((dispatcher) => dispatcher.runOnce()));
    if (handled.every((count) => count === 0)) break;
  }
  const [{ sent }] = await db.query<{ sent: string }>("SELECT count(*) AS sent FROM outbox WHERE status = 'sent'");
  await db.query("UPDATE outbox SET status = 'cancelled' WHERE status = 'sent'");
  return Math.round(Number(sent) / (since(start) / 1000));
}

async function main(): Promise<void> {
  const { db, engine, close } = await benchDatabase();
  const log = createLogger('warn');
  const dispatcher = (channels: SendingChannel[], limiter: RateLimiter = new MemoryRateLimiter()) => new Dispatcher({ outbox: new Outbox(db), channels, log, maxAttempts: 3, limiter });
  const limiters: RateLimiter[] = [];
  const http = await httpProvider();
  try {
    const report = (what: string, rate: number) => process.stdout.write(`${engine}, ${MESSAGES.toLocaleString('en')} messages, ${what}: ${rate.toLocaleString('en')} messages/s\n`);

    await queue(db, MESSAGES);
    report('one dispatcher, in-memory provider, no rate limit', await drain(db, [dispatcher([instantProvider('sms', 0), instantProvider('telegram', 0)])]));

    await queue(db, MESSAGES);
    const channels = [instantProvider('sms', 0), instantProvider('telegram', 0)];
    report('two dispatchers, in-memory provider, no rate limit', await drain(db, [dispatcher(channels), dispatcher(channels)]));

    await queue(db, MESSAGES);
    report('one dispatcher, loopback HTTP provider, no rate limit', await drain(db, [dispatcher([http.channel('sms', 0), http.channel('telegram', 0)])]));

    const prefix = `lk:bench:${randomBytes(4).toString('hex')}:`;
    const shared = [new RedisRateLimiter(REDIS_URL, prefix), new RedisRateLimiter(REDIS_URL, prefix)];
    limiters.push(...shared);
    await queue(db, MESSAGES);
    const limited = [instantProvider('sms', RATE), instantProvider('telegram', RATE)];
    const start = performance.now();
    const overall = await drain(db, [dispatcher(limited, shared[0]), dispatcher(limited, shared[1])]);
    const seconds = since(start) / 1000;
    report(
      `two dispatchers sharing the Redis token bucket at ${RATE.toLocaleString('en')}/s per channel (SMS ${Math.round(limited[0].sent / seconds)}/s, Telegram ${Math.round(limited[1].sent / seconds)}/s)`,
      overall,
    );
  } finally {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await http.close();
    await close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`dispatcher benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
