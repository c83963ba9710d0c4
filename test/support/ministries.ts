import { randomBytes } from 'node:crypto';
import express from 'express';
import { Client } from 'pg';
import type { OutboundMessage, SendingChannel } from '../../src/channels/channel';
import { loadConfig, type Config } from '../../src/config';
import { createI18n } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { Outbox } from '../../src/outbox/outbox';
import type { LimiterClock } from '../../src/outbox/rate-limiter';
import { CLI_ACTOR, keyActor, type Actor, type KeyRole } from '../../src/services/access';
import { createAdminServices, type AdminServices } from '../../src/services/admin';
import { ApiKeyService } from '../../src/services/api-keys';
import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import { unsolicitedSmsBudget, type UnsolicitedSmsBudget } from '../../src/services/unsolicited-sms';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { migrate } from '../../src/store/migrate';
import { PostgresDatabase } from '../../src/store/postgres';
import type { Database } from '../../src/store/sql';

/** One message a fake provider accepted. */
interface Delivery extends OutboundMessage {
  providerId: string;
  /** The limiter clock's time when it was accepted (ms). */
  at: number;
}

/**
 * A provider that accepts messages in memory: the sending half of a channel, for tests of the
 * outbox (the real SMS and Telegram adapters are tested against their own fakes). `failWith`
 * decides per message whether to throw a SendError instead.
 */
export class FakeProvider implements SendingChannel {
  readonly router = express.Router();
  readonly deliveries: Delivery[] = [];
  failWith?: (message: OutboundMessage, attempt: number) => Error | undefined;
  private readonly attempts = new Map<number, number>();
  private counter = 0;

  constructor(
    readonly name: string,
    readonly ratePerSecond = 0,
    private readonly clock: { now(): number } = Date,
  ) {}

  async send(message: OutboundMessage): Promise<{ providerId?: string }> {
    const attempt = (this.attempts.get(message.id) ?? 0) + 1;
    this.attempts.set(message.id, attempt);
    const failure = this.failWith?.(message, attempt);
    if (failure) throw failure;
    const providerId = `${this.name}-${message.id}-${++this.counter}`;
    this.deliveries.push({ ...message, providerId, at: this.clock.now() });
    return { providerId };
  }

  /** Deliveries to one address. */
  to(address: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.address === address);
  }
}

/**
 * A clock that only moves when someone sleeps on it: a sleeper wakes at once with time moved
 * on by its wait. Rates are then checked against this clock without a test ever waiting.
 */
export function virtualClock(start = 0): LimiterClock & { now(): number } {
  let time = start;
  return {
    now: () => time,
    sleep: async (ms) => {
      const wakeAt = time + ms;
      await new Promise((resolve) => setImmediate(resolve));
      time = Math.max(time, wakeAt);
    },
  };
}

/** The ministries' services on `db` (sample catalog loaded), sending through the given fake channels. */
export async function adminServices(
  db: Database,
  channels: SendingChannel[],
  options: { env?: Record<string, string>; now?: () => Date; queued?: () => void } = {},
): Promise<{ services: AdminServices; outbox: Outbox; config: Config }> {
  await loadSampleCatalogIfEmpty(db);
  const config = loadConfig({ LOG_LEVEL: 'silent', ...options.env });
  const outbox = new Outbox(db);
  const services = createAdminServices({
    db,
    config,
    i18n: createI18n(config.DEFAULT_LOCALE),
    outbox,
    sendingChannels: channels,
    queued: options.queued ?? (() => undefined),
    catalogChanged: () => undefined,
    unsolicitedSms: testSmsBudget(db, config),
    now: options.now,
  });
  return { services, outbox, config };
}

/** The unsolicited-SMS budget of a test's own services, counted in memory, with the configuration's limits. */
export function testSmsBudget(db: Database, config: Config = loadConfig({})): UnsolicitedSmsBudget {
  return unsolicitedSmsBudget(config, { db, store: new MemoryEphemeralStore(), log: createLogger('silent'), metrics: createMetrics(false) });
}

/** A new API key and the actor behind it: a ministry's, or (null) a super-admin's; its holder is `name` at the ministry (keys of one name and ministry are one person's). */
export async function newKey(db: Database, ministryCode: string | null, name = 'test key', role: KeyRole = 'officer'): Promise<{ key: string; actor: Actor; id: number }> {
  const { key, record } = await new ApiKeyService(db).create(CLI_ACTOR, { ministryCode, name, holder: `${name} (${ministryCode ?? 'super-admin'})`, role: ministryCode === null ? undefined : role }, 'cli');
  return { key, actor: keyActor(record.id, record.ministryCode, record.centreCode, record.role), id: record.id };
}

/** What a seeded subscriber is, to compute expectations independently of the SQL under test. */
export interface SeededCitizen {
  id: number;
  address: string;
  /** The channel that should reach them. */
  channel: 'sms' | 'telegram';
  locale: string | null;
  optedOut: boolean;
  municipality: string;
}

/**
 * Adds `count` citizens subscribed to `topic`, in bulk (one statement each): every third has
 * a Telegram chat, the others a phone last used over USSD (reached by SMS); languages cycle
 * through none, fil, bn, en; every `optOutEvery`-th has opted out; municipalities change every twelve citizens, so
 * every combination of channel, language and municipality occurs.
 */
export async function seedSubscribers(
  db: Database,
  options: { count: number; topic: string; municipalities: string[]; optOutEvery?: number },
): Promise<SeededCitizen[]> {
  const optOutEvery = options.optOutEvery ?? 0;
  const [{ first }] = await db.query<{ first: string }>(
    `WITH inserted AS (
       INSERT INTO citizens (locale, opted_out)
       SELECT (ARRAY[NULL, 'fil', 'bn', 'en'])[1 + (i % 4)], CASE WHEN $2::int > 0 THEN i % $2::int = 0 ELSE false END
         FROM generate_series(1, $1::int) i
       RETURNING id)
     SELECT min(id) AS first FROM inserted`,
    [options.count, optOutEvery],
  );
  const from = Number(first);
  await db.query(
    `INSERT INTO citizen_addresses (address, citizen_id, channel)
     SELECT CASE WHEN (id - $1) % 3 <> 0 THEN 'tel:+639' || lpad(id::text, 9, '0') ELSE 'telegram:' || (700000000 + id) END,
            id, CASE WHEN (id - $1) % 3 <> 0 THEN 'ussd' ELSE 'telegram' END
       FROM citizens WHERE id >= $1 AND id < $1 + $2`,
    [from, options.count],
  );
  await db.query(
    `INSERT INTO subscriptions (citizen_id, topic_code, municipality_code)
     SELECT id, $3, ($4::text[])[1 + (((id - $1) / 12) % cardinality($4::text[]))] FROM citizens WHERE id >= $1 AND id < $1 + $2`,
    [from, options.count, options.topic, options.municipalities],
  );
  return Array.from({ length: options.count }, (_unused, index) => {
    const id = from + index;
    const i = index + 1;
    const phone = index % 3 !== 0;
    return {
      id,
      address: phone ? `tel:+639${String(id).padStart(9, '0')}` : `telegram:${700000000 + id}`,
      channel: phone ? 'sms' : 'telegram',
      locale: [null, 'fil', 'bn', 'en'][i % 4],
      optedOut: optOutEvery > 0 && i % optOutEvery === 0,
      municipality: options.municipalities[Math.floor(index / 12) % options.municipalities.length],
    };
  });
}

/** The fake providers for SMS and Telegram that most outbox tests send through. */
export function smsAndTelegram(rates: { sms?: number; telegram?: number } = {}, clock?: { now(): number }): { sms: FakeProvider; telegram: FakeProvider } {
  return { sms: new FakeProvider('sms', rates.sms ?? 0, clock), telegram: new FakeProvider('telegram', rates.telegram ?? 0, clock) };
}

/**
 * A throw-away, migrated database on the real PostgreSQL whose URL another process can open
 * (the support helper's databases keep theirs private); dropped by `drop()`.
 */
export async function throwawayPostgres(adminUrl: string): Promise<{ url: string; db: Database; drop(): Promise<void> }> {
  const name = `lingkod_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new PostgresDatabase(url.toString(), 10);
  await migrate(db);
  return {
    url: url.toString(),
    db,
    drop: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

