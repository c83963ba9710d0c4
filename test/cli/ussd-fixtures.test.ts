import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture, replay } from '../../src/cli/ussd-fixtures';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { USSD_TEST_TOKEN, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/**
 * `npm run ussd:fixtures -- <family> [baseUrl] [token]`: the fixture manifests of the
 * cumulative-path CON/END family replayed against Lingkod listening on a real port, as an
 * operator does before pointing the gateway at it.
 */
describe('the USSD fixture runner', () => {
  let db: Database;
  let context: AppContext;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    const lingkod = await startLingkod(db);
    context = lingkod.context;
    server = lingkod.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await context.close();
  });

  it.each(['africastalking', 'advanta'])('replays the %s session: every hop answered 200, CON screens from the language choice to a category and back', async (family) => {
    const printed: string[] = [];
    const hops = await replay(loadFixture(family), { baseUrl, token: USSD_TEST_TOKEN, print: (line) => printed.push(line) });
    expect(hops.map((hop) => hop.status)).toEqual([200, 200, 200, 200, 200]);
    const answers = printed.filter((line) => line.startsWith('< '));
    expect(answers).toHaveLength(5);
    expect(answers[0]).toMatch(/^< 200 CON Choose your language\n/);
    expect(answers[1]).toMatch(/^< 200 CON Lingkod - government services\n/);
    expect(answers[2]).toMatch(/^< 200 CON /);
    expect(answers[3]).toMatch(/^< 200 CON /);
    // The last hop pressed 0: back to the screen before.
    expect(answers[4].replace(/^< 200 /, '')).toBe(hops[2].body.replace(/\n/g, '\n  '));
    // Each request is printed with the token masked.
    const requests = printed.filter((line) => line.startsWith('> '));
    expect(requests).toHaveLength(5);
    expect(requests[0]).toMatch(family === 'advanta' ? /^> GET \/ussd\/advanta\?token=…&SESSIONID=/ : /^> POST \/ussd\/africastalking\?token=… +sessionId=/);
    expect(printed.join('\n')).not.toContain(USSD_TEST_TOKEN);
  });

  it('uses fresh session ids on every run, so a second run is a new session, not a retry', async () => {
    const runs = [];
    for (let run = 0; run < 2; run++) runs.push(await replay(loadFixture('africastalking'), { baseUrl, token: USSD_TEST_TOKEN, print: () => undefined }));
    const sessionOf = (request: string) => /sessionId=([^&]+)/.exec(request)?.[1];
    expect(sessionOf(runs[0][0].request)).not.toBe(sessionOf(runs[1][0].request));
    // The phone has chosen its language in the first run: the second dial goes straight to the menu.
    expect(runs[1][0].body).toMatch(/^CON Lingkod - government services\n/);
  });

  it('stops at the first hop not answered 200, and prints why: here the token is wrong', async () => {
    const printed: string[] = [];
    const hops = await replay(loadFixture('advanta'), { baseUrl, token: 'not-the-token-not-the-token-not-the-token', print: (line) => printed.push(line) });
    expect(hops).toHaveLength(1);
    expect(hops[0]).toMatchObject({ status: 403, body: 'END Not authorised' });
    expect(printed[printed.length - 1]).toBe('< 403 END Not authorised');
  });

  it('refuses a family that has no fixtures or is not a name', () => {
    expect(() => loadFixture('hubtel-not-here')).toThrow(/no fixtures for hubtel-not-here/);
    expect(() => loadFixture('../../etc')).toThrow(/not a family name/);
  });
});
