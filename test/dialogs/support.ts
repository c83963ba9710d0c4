import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import type { EphemeralStore } from '../../src/store/ephemeral';
import { ADMIN_KEY, bearer } from '../support/api';
import { TODAY, startLingkod } from '../support/app';
import { smsAndTelegram, type FakeProvider } from '../support/ministries';
import { databaseBackends, ephemeralBackends, type DatabaseBackend } from '../support/stores';

/**
 * What the attack tests of the dialogs share: a forger who holds the USSD gateway's secret
 * and posts hops as any phone, and the records and state stores they run on (PGlite with
 * memory, PostgreSQL with Redis when both are reachable).
 */


/** Each records store paired with a state store: PGlite with memory, PostgreSQL with Redis. */
export function stacks(): { name: string; database: DatabaseBackend; store: () => EphemeralStore }[] {
  const states = ephemeralBackends();
  return databaseBackends().map((database, index) => {
    const state = states[Math.min(index, states.length - 1)];
    return { name: `${database.name} and ${state.name}`, database, store: () => state.open() };
  });
}

/** A Lingkod with a fake SMS provider (unless `sms` is false), the admin key set and a clock the test moves. */
export async function startForged(db: Database, store: EphemeralStore, { sms: withSms = true } = {}) {
  const clock = { now: TODAY.getTime() };
  const { sms, telegram } = smsAndTelegram();
  const { app, context, logs } = await startLingkod(
    db,
    { ADMIN_API_KEY: ADMIN_KEY, BROADCAST_QUIET_HOURS: 'off' },
    { store, extraChannels: withSms ? [sms, telegram] : [telegram], now: () => new Date(clock.now) },
  );
  return { app, context, logs, clock, sms: withSms ? (sms as FakeProvider) : undefined };
}

/** The one-time codes queued for a phone, newest last, as the phone would receive them. */
export async function codesSentTo(context: AppContext, phoneNumber: string): Promise<string[]> {
  const rows = await context.db.query<{ body: string }>("SELECT body FROM outbox WHERE address = $1 AND body LIKE 'Lingkod code %' ORDER BY id", [`tel:${phoneNumber}`]);
  return rows.map((row) => /\b(\d{6})\b/.exec(row.body)?.[1] ?? '');
}

/** Files a request at the Marawi centre for `phone`, with a centre key made by the admin key. */
export async function fileAtCentre(app: Express, phone: string): Promise<{ id: number }> {
  const made = await request(app).post('/api/v1/keys').set(bearer(ADMIN_KEY)).send({ ministry: 'mssd', name: 'Marawi counter', holder: 'Marawi counter operator', centre: 'lds-marawi-hall' });
  if (made.status !== 201) throw new Error(`could not make a centre key: ${made.status} ${made.text}`);
  const filed = await request(app)
    .post('/api/v1/assisted-requests')
    .set(bearer(made.body.key as string))
    .send({ phone, service: 'mssd-aics', answers: { full_name: 'Amina Datu', household_size: '4', need: 'medical' }, operator: 'Norhaya', locale: 'en' });
  if (filed.status !== 201) throw new Error(`could not file: ${filed.status} ${filed.text}`);
  return { id: filed.body.request.id as number };
}
