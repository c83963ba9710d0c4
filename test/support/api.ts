import type { Express } from 'express';
import request from 'supertest';
import type { ZodType } from 'zod';
import { apiRoutes } from '../../src/api';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { startLingkod, type LogCapture } from './app';
import { smsAndTelegram, type FakeProvider } from './ministries';

/** The ADMIN_API_KEY of API tests: a super-admin key exists while it is set. */
export const ADMIN_KEY = 'test-admin-key-6f1c2a9e7b';

/** The Authorization header for a key. */
export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export interface ApiHarness {
  app: Express;
  context: AppContext;
  logs: LogCapture;
  sms: FakeProvider;
  telegram: FakeProvider;
  /**
   * Makes a key through the API with the admin key: a ministry's (an officer's unless `role`
   * says admin), or (null) a super-admin's; held by a person called `name` unless `holder` is given.
   */
  keyFor(ministry: string | null, name?: string, options?: { role?: 'admin' | 'officer' | 'privacy'; holder?: string }): Promise<{ key: string; id: number }>;
  /** Checks a 2xx body against the response schema its route declares (and the OpenAPI document shows). */
  expectDocumented(operationId: string, body: unknown): void;
}

/** The whole app on `db` with the admin key set and fake SMS and Telegram providers. */
export async function startApi(db: Database, env: Record<string, string> = {}): Promise<ApiHarness> {
  const { sms, telegram } = smsAndTelegram();
  const { app, context, logs } = await startLingkod(db, { ADMIN_API_KEY: ADMIN_KEY, ...env }, { extraChannels: [sms, telegram] });
  const responses = new Map<string, ZodType>(apiRoutes(context.admin).map((route) => [route.operationId, route.response]));
  return {
    app,
    context,
    logs,
    sms,
    telegram,
    async keyFor(ministry, name = `${ministry ?? 'super'} key`, options = {}) {
      const response = await request(app)
        .post('/api/v1/keys')
        .set(bearer(ADMIN_KEY))
        .send({ ministry, name, holder: options.holder ?? name, ...(options.role ? { role: options.role } : {}) });
      if (response.status !== 201) throw new Error(`could not make a key: ${response.status} ${response.text}`);
      return { key: response.body.key as string, id: response.body.id as number };
    },
    expectDocumented(operationId, body) {
      const schema = responses.get(operationId);
      if (!schema) throw new Error(`no route ${operationId}`);
      const result = schema.safeParse(body);
      if (!result.success) throw new Error(`${operationId} answered what its schema does not describe: ${result.error.message}`);
    },
  };
}
