import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { apiRoutes } from '../../src/api';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { recordFigure, scanLogs } from '../support/figures';
import { databaseBackends } from '../support/stores';

/**
 * The other half of the authorization matrix. test/api/authorization.test.ts calls every route
 * with another ministry's key (403) and test/api/api.test.ts every route without a key, with a
 * Basic header and with a key never given out (401); a revoked key was tried on one route only.
 * Here every route of the API is called with a key revoked a moment before and with keys
 * garbled in the ways keys get garbled (one character changed, cut short, doubled, wrong
 * scheme, stray bytes): each call is 401 and changes nothing.
 */
describe('every API route refuses a revoked or garbled key', () => {
  let db: Database;
  let api: ApiHarness;
  let revoked: string;
  let valid: string;

  beforeAll(async () => {
    db = (await databaseBackends().at(-1)?.open())!;
    // Hundreds of refused keys from one client: the refused-key throttle (test/api/throttle.test.ts) is set out of the way.
    api = await startApi(db, { AUTH_FAILURES_PER_CLIENT: '10000', AUTH_FAILURES_TOTAL: '100000' });
    valid = (await api.keyFor('mssd', 'valid key')).key;
    const doomed = await api.keyFor('mssd', 'revoked key');
    revoked = doomed.key;
    expect((await request(api.app).get('/api/v1/ministries/mssd').set(bearer(revoked))).status).toBe(200);
    expect((await request(api.app).post(`/api/v1/keys/${doomed.id}/revoke`).set(bearer(ADMIN_KEY))).status).toBe(200);
  });
  afterAll(async () => {
    await api.context.close();
  });

  /** Each way a key can arrive wrong, as the Authorization header sent. */
  const garbled = (key: string): Record<string, string> => {
    const flip = (at: number) => key.slice(0, at) + (key[at] === 'A' ? 'B' : 'A') + key.slice(at + 1);
    return {
      'revoked key': `Bearer ${revoked}`,
      'last character changed': `Bearer ${flip(key.length - 1)}`,
      'a middle character changed': `Bearer ${flip(Math.floor(key.length / 2))}`,
      'cut one short': `Bearer ${key.slice(0, -1)}`,
      'one character too many': `Bearer ${key}x`,
      'doubled': `Bearer ${key}${key}`,
      'prefix only': `Bearer ${key.slice(0, 9)}`,
      'empty bearer': 'Bearer ',
      'wrong scheme': `Token ${key}`,
      'no scheme': key,
      'two keys': `Bearer ${key} ${key}`,
      'a stray control byte': `Bearer ${key.slice(0, 5)}\u0007${key.slice(5)}`,
      'random bytes of a key\'s length': `Bearer lk_${randomBytes(32).toString('base64url')}`,
      'very long': `Bearer ${'k'.repeat(5000)}`,
    };
  };

  it('answers 401 with a reason to each, on every route, and changes nothing', async () => {
    const concrete = (path: string) => path.replace(':code', 'mssd').replace(':id', '1').replace(':reference', '48217730953');
    const auditBefore = await db.query('SELECT count(*) AS n FROM audit_log');
    const cases = Object.entries(garbled(valid));
    const wrong: string[] = [];
    let calls = 0;
    for (const route of apiRoutes(api.context.admin)) {
      for (const [how, header] of cases) {
        // A header Node refuses to send (the control byte) is refused before it leaves: not a call.
        let response: request.Response;
        try {
          response = await request(api.app)[route.method](`/api/v1${concrete(route.path)}`).set('Authorization', header).send({});
        } catch {
          continue;
        }
        calls++;
        if (response.status !== 401 || typeof response.body.error !== 'string') wrong.push(`${route.operationId} with ${how}: ${response.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await db.query('SELECT count(*) AS n FROM audit_log')).toEqual(auditBefore);
    expect(await db.query('SELECT id FROM outbox')).toEqual([]);
    // The valid key still works: the refusals were about the keys, not the routes.
    expect((await request(api.app).get('/api/v1/ministries/mssd').set(bearer(valid))).status).toBe(200);
    const routes = apiRoutes(api.context.admin).length;
    recordFigure(11, `${routes} API routes × ${calls / routes} revoked or garbled keys sent`, `${calls} calls, all 401 with a reason, 0 changes (another ministry's key: 403 on every route, test/api/authorization.test.ts; no key or an unknown one: 401, test/api/api.test.ts)`);
  });

  it('writes no key to its logs', () => {
    expect(scanLogs('authorization-keys', api.logs.lines, { secrets: [valid, revoked, ADMIN_KEY] })).toEqual([]);
  });
});
