import type { Express } from 'express';
import request from 'supertest';
import { ussdGateways } from '../../src/channels/ussd-gateways';
import type { AppContext } from '../../src/context';
import { USSD_TEST_TOKEN, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/** The POST paths a channel's router declares. */
/** The routes a family's router serves, as `METHOD path` (smsbox's get-url is a GET; the others POST). */
const routesOf = (router: { stack: { route?: { path: string; methods?: Record<string, boolean> } }[] }) =>
  router.stack.flatMap((layer) => Object.keys(layer.route?.methods ?? {}).map((method) => ({ method: method as 'get' | 'post', path: layer.route!.path })));

/**
 * Every family of src/channels/ussd-gateways.ts is behind the one gateway rule, before its body
 * is read: a hop without the token, or with a wrong one, is 403 whatever it carries (a
 * malformed body too: the guard answers before the parser), and nothing is served for it.
 */
describe('every USSD gateway family is behind USSD_TOKEN', () => {
  let context: AppContext;
  let app: Express;
  let routes: { method: 'get' | 'post'; path: string }[];

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await databaseBackends()[0].open()));
    const { config, conversation, i18n, log, metrics, outbox, store } = context;
    routes = ussdGateways({ config, conversation, i18n, log, metrics, outbox, store }).flatMap((channel) => routesOf(channel.router as never));
  });
  afterAll(async () => {
    await context.close();
  });

  it('lists every family at its own /ussd/<name>', () => {
    const paths = routes.map((route) => route.path);
    expect(paths).toEqual(expect.arrayContaining(['/ussd/africastalking', '/ussd/hubtel', '/ussd/nalo', '/ussd/arkesel', '/ussd/bdapps', '/ussd/kannel']));
    expect(new Set(routes.map((route) => `${route.method} ${route.path}`)).size).toBe(routes.length);
    for (const path of paths) expect(path).toMatch(/^\/ussd\/[a-z][a-z0-9-]*(\/[a-z]+)?$/);
  });

  it.each([
    ['no token', ''],
    ['a wrong token', `?token=${encodeURIComponent(`${USSD_TEST_TOKEN.slice(0, -1)}x`)}`],
    ['the token twice', `?token=${encodeURIComponent(USSD_TEST_TOKEN)}&token=${encodeURIComponent(USSD_TEST_TOKEN)}`],
  ])('refuses a hop with %s on every family, before reading its body: 403', async (_what, query) => {
    for (const { method, path } of routes) {
      if (method === 'get') {
        const refused = await request(app).get(`${path}${query}${query ? '&' : '?'}from=%2B639175550990&text=&meta-data=%3Fsmpp%3Fussd_service_op%3D%2501`);
        expect({ path, status: refused.status }).toEqual({ path, status: 403 });
        continue;
      }
      for (const [type, body] of [
        ['application/json', JSON.stringify({ sessionId: 's', SessionId: 's', SESSIONID: 's', sessionID: 's', phoneNumber: '+639175550990', Mobile: '639175550990', MSISDN: '639175550990', msisdn: '639175550990' })],
        ['application/json', '{"not": json'],
        ['application/x-www-form-urlencoded', 'sessionId=s&phoneNumber=%2B639175550990&text='],
      ]) {
        const refused = await request(app)[method](`${path}${query}`).set('content-type', type).send(body);
        expect({ path, type, status: refused.status }).toEqual({ path, type, status: 403 });
      }
    }
    await context.hops.settled();
    const [{ n }] = await context.db.query<{ n: string }>('SELECT count(*) AS n FROM ussd_hops WHERE address = $1', ['tel:+639175550990']);
    expect(Number(n)).toBe(0);
  });
});
