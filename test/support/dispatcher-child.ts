import { SendError, type OutboundMessage, type SendingChannel } from '../../src/channels/channel';
import express from 'express';
import { createLogger } from '../../src/log';
import { Dispatcher } from '../../src/outbox/dispatcher';
import { Outbox } from '../../src/outbox/outbox';
import { MemoryRateLimiter, RedisRateLimiter } from '../../src/outbox/rate-limiter';
import { PostgresDatabase } from '../../src/store/postgres';

/**
 * A dispatcher in a process of its own, for the test that kills one mid-broadcast:
 *   node -r ./test/support/ts-register.js test/support/dispatcher-child.ts
 * Environment: DATABASE_URL (the test's PostgreSQL database), PROVIDER_URL (the test's fake
 * provider, which receives each message as JSON), RATE (messages per second per channel),
 * LEASE_SECONDS, and REDIS_URL + RATE_PREFIX for a bucket shared through Redis.
 * Prints `started` once it is sending; stops cleanly on SIGTERM.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`dispatcher-child: ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

/** A channel that posts each message to the fake provider and maps its answer to a SendError. */
function httpChannel(name: string, providerUrl: string, ratePerSecond: number): SendingChannel {
  return {
    name,
    ratePerSecond,
    router: express.Router(),
    async send(message: OutboundMessage) {
      let response: Response;
      try {
        response = await fetch(providerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: name, ...message }) });
      } catch (error) {
        throw new SendError(`provider unreachable: ${(error as Error).message}`, true);
      }
      if (!response.ok) throw new SendError(`provider answered ${response.status}`, response.status >= 500 || response.status === 429);
      return { providerId: ((await response.json()) as { providerId: string }).providerId };
    },
  };
}

async function main(): Promise<void> {
  const db = new PostgresDatabase(required('DATABASE_URL'), 4);
  const providerUrl = required('PROVIDER_URL');
  const rate = Number(process.env.RATE ?? '500');
  const limiter = process.env.REDIS_URL ? new RedisRateLimiter(process.env.REDIS_URL, process.env.RATE_PREFIX) : new MemoryRateLimiter();
  const dispatcher = new Dispatcher({
    outbox: new Outbox(db),
    channels: [httpChannel('sms', providerUrl, rate), httpChannel('telegram', providerUrl, rate)],
    log: createLogger('silent'),
    maxAttempts: 8,
    limiter,
    leaseSeconds: Number(process.env.LEASE_SECONDS ?? '30'),
    idleMs: 50,
  });
  dispatcher.start();
  process.stdout.write('started\n');
  process.once('SIGTERM', () => {
    void dispatcher
      .stop()
      .then(() => Promise.all([limiter.close(), db.close()]))
      .then(() => process.exit(0));
  });
}

void main();
