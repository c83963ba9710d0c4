import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer } from '../support/api';
import { LogCapture, TODAY, startLingkod } from '../support/app';
import { smsAndTelegram, type FakeProvider } from '../support/ministries';

/** The service centre of these tests (Marawi City, Lanao del Sur, in the sample catalog). */
export const MARAWI = 'lds-marawi-hall';
/** A second centre, for what one centre must not see of another's. */
export const LAMITAN = 'bas-lamitan-hall';

/** A whole Lingkod with fake SMS and Telegram providers, the admin key set, and a clock the test moves. */
export interface CentreHarness {
  app: Express;
  context: AppContext;
  logs: LogCapture;
  /** The fake SMS provider, unless a real adapter (Twilio's, with its env) sends SMS instead. */
  sms?: FakeProvider;
  clock: { now: number };
  /** Makes a key with the admin key: a centre's (with `centre`) or a ministry's. */
  keyFor(ministry: string, centre?: string): Promise<{ key: string; id: number }>;
  /** Files an assisted request for Crisis assistance with valid answers, with a centre key. */
  file(key: string, body?: Record<string, unknown>): Promise<request.Response>;
  /** The confirmation code texted for an assisted request. */
  codeOf(assistedId: number): Promise<string>;
}

export async function startCentres(db: Database, env: Record<string, string> = {}, { fakeSms = true } = {}): Promise<CentreHarness> {
  const clock = { now: TODAY.getTime() };
  const { sms, telegram } = smsAndTelegram();
  const { app, context, logs } = await startLingkod(
    db,
    { ADMIN_API_KEY: ADMIN_KEY, BROADCAST_QUIET_HOURS: 'off', ...env },
    { extraChannels: fakeSms ? [sms, telegram] : [telegram], now: () => new Date(clock.now) },
  );
  return {
    app,
    context,
    logs,
    sms: fakeSms ? sms : undefined,
    clock,
    async keyFor(ministry, centre) {
      const response = await request(app)
        .post('/api/v1/keys')
        .set(bearer(ADMIN_KEY))
        .send({ ministry, name: centre ? `${centre} counter` : `${ministry} officer`, holder: centre ? `${centre} operator` : `${ministry} officer`, ...(centre ? { centre } : {}) });
      if (response.status !== 201) throw new Error(`could not make a key: ${response.status} ${response.text}`);
      return { key: response.body.key as string, id: response.body.id as number };
    },
    file(key, body = {}) {
      return request(app)
        .post('/api/v1/assisted-requests')
        .set(bearer(key))
        .send({
          phone: '09171234000',
          service: 'mssd-aics',
          answers: { full_name: 'Amina Datu', household_size: '4', need: 'medical' },
          operator: 'Norhaya at counter 2',
          ...body,
        });
    },
    async codeOf(assistedId) {
      const [row] = await db.query<{ confirm_code: string }>('SELECT confirm_code FROM assisted_requests WHERE id = $1', [assistedId]);
      return row.confirm_code;
    },
  };
}
