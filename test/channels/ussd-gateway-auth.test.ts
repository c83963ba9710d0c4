import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { scanLogs } from '../support/figures';
import { LogCapture, USSD_PATH, USSD_TEST_TOKEN, startLingkod, switchableDatabase } from '../support/app';
import { postForm, send, serve, type Answer, type Served } from '../support/served';
import { databaseBackends, ephemeralBackends } from '../support/stores';

/**
 * The USSD gateway rule (src/channels/ussd-gateway.ts) on a listening server, as the gateway
 * reaches it: USSD_TOKEN as `?token=` and/or the caller's address in USSD_ALLOWED_IPS, both
 * when both are set, and 403 for every hop with neither. A refused hop changes nothing (no
 * citizen is made for its number). Numbers outside ALLOWED_COUNTRY_CODES are refused politely.
 * Run on PGlite with memory, and on PostgreSQL with Redis where they are reachable.
 */
const stores = databaseBackends().map((records, index) => ({ records, ephemeral: ephemeralBackends()[index] ?? ephemeralBackends()[0] }));
const names = stores.map(({ records, ephemeral }) => ({ name: `${records.name} and ${ephemeral.name}`, ...{ records, ephemeral } }));

/** A form Africa's Talking would post for a first dial from `phoneNumber`. */
const dialForm = (phoneNumber: string, sessionId = `ATUid_${phoneNumber}_${Math.random().toString(36).slice(2)}`) => ({
  sessionId,
  serviceCode: '*347#',
  phoneNumber,
  networkCode: '51502',
  text: '',
});

describe.each(names)('the USSD gateway rule, records and state on $name', ({ records, ephemeral }) => {
  let db: Database;
  const running: { context: AppContext; served: Served; logs: LogCapture }[] = [];

  /** The records store, for one more instance: closed once, after all of them. */
  const shared = (): Database => Object.assign(Object.create(db) as Database, { close: async () => undefined });

  /** A Lingkod with these USSD settings, served on loopback. */
  async function lingkod(env: Record<string, string>) {
    const { context, app, logs } = await startLingkod(shared(), env, { store: ephemeral.open() });
    const served = await serve(app);
    running.push({ context, served, logs });
    return { context, served, logs, dial: (phoneNumber: string, query = `?token=${encodeURIComponent(USSD_TEST_TOKEN)}`) => postForm(`${served.base}/ussd/africastalking${query}`, dialForm(phoneNumber)) };
  }

  const citizenOf = async (phoneNumber: string) => (await db.query('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [`tel:${phoneNumber}`])).length;
  /** Hops the trail recorded for a phone: only a hop the gateway rule let through is recorded. */
  const traced = async (phoneNumber: string) => {
    for (const { context } of running) await context.hops.settled();
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM ussd_hops WHERE address = $1', [`tel:${phoneNumber}`]);
    return Number(n);
  };

  beforeAll(async () => {
    db = await records.open();
  });
  afterAll(async () => {
    for (const { served, context } of running) {
      await served.close();
      await context.close();
    }
    await db.close();
  });

  it('serves the token in the query, and refuses a hop without it: 403, END, nothing served or recorded', async () => {
    const { dial } = await lingkod({});
    const served = await dial('+639172000001');
    expect(served).toMatchObject({ status: 200, text: expect.stringMatching(/^CON Choose your language/) });
    const refused: Answer = await dial('+639172000002', '');
    expect(refused).toMatchObject({ status: 403, text: 'END Not authorised' });
    expect(await traced('+639172000001')).toBe(1);
    expect(await traced('+639172000002')).toBe(0);
  });

  it('with the token and USSD_ALLOWED_IPS, refuses the right token from an address not allowed', async () => {
    const elsewhere = await lingkod({ USSD_ALLOWED_IPS: '203.0.113.0/24, 2001:db8::/32' });
    expect(await elsewhere.dial('+639172000003')).toMatchObject({ status: 403, text: 'END Not authorised' });
    expect(await traced('+639172000003')).toBe(0);
    // Loopback allowed (as ::ffff:127.0.0.1 too): both checks pass.
    const here = await lingkod({ USSD_ALLOWED_IPS: '127.0.0.0/8,::1' });
    expect((await here.dial('+639172000004')).status).toBe(200);
    // …but the address alone is not enough while a token is set.
    expect((await here.dial('+639172000005', '')).status).toBe(403);
    expect(await traced('+639172000005')).toBe(0);
  });

  it('with USSD_ALLOWED_IPS alone, serves the allowed addresses and refuses the rest', async () => {
    const here = await lingkod({ USSD_TOKEN: '', USSD_ALLOWED_IPS: '127.0.0.1/32,::1/128' });
    expect((await here.dial('+639172000006', '')).status).toBe(200);
    const elsewhere = await lingkod({ USSD_TOKEN: '', USSD_ALLOWED_IPS: '198.51.100.7' });
    expect(await elsewhere.dial('+639172000007', '')).toMatchObject({ status: 403, text: 'END Not authorised' });
    expect(await traced('+639172000007')).toBe(0);
  });

  it('believes no forwarded address for USSD_ALLOWED_IPS unless TRUST_PROXY says so', async () => {
    const forged = { 'X-Forwarded-For': '203.0.113.7' };
    const direct = await lingkod({ USSD_TOKEN: '', USSD_ALLOWED_IPS: '203.0.113.7' });
    expect(await postForm(`${direct.served.base}/ussd/africastalking`, dialForm('+639172000015'), forged)).toMatchObject({ status: 403, text: 'END Not authorised' });
    expect(await traced('+639172000015')).toBe(0);
    // Behind a proxy on loopback that TRUST_PROXY names, the address it forwards is the gateway's.
    const proxied = await lingkod({ USSD_TOKEN: '', USSD_ALLOWED_IPS: '203.0.113.7', TRUST_PROXY: 'loopback' });
    expect((await postForm(`${proxied.served.base}/ussd/africastalking`, dialForm('+639172000016'), forged)).status).toBe(200);
  });

  it('with neither set, answers every USSD hop 403 and says once at start-up how to turn USSD on', async () => {
    const off = await lingkod({ USSD_TOKEN: '' });
    for (const query of ['', `?token=${encodeURIComponent(USSD_TEST_TOKEN)}`]) {
      expect(await off.dial('+639172000008', query)).toMatchObject({ status: 403, text: 'END USSD is not configured on this server' });
    }
    expect(await traced('+639172000008')).toBe(0);
    const told = off.logs.lines.filter((line) => line.includes('USSD is off'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('USSD_TOKEN');
    expect(told[0]).toContain('USSD_ALLOWED_IPS');
    // The simulator stays the way to try USSD without a gateway.
    const simulated = await send(`${off.served.base}/simulator/ussd`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+639172000009', session: 'abcdef0123456789', hop: 0, input: '' }),
    });
    expect(simulated.status).toBe(200);
  });

  it.each([
    ['+1', '+12025550123'],
    ['+44', '+447700900123'],
  ])('refuses a %s number politely in the default locale: END, not served, no citizen made', async (_code, phoneNumber) => {
    const english = await lingkod({});
    expect(await english.dial(phoneNumber)).toEqual(expect.objectContaining({ status: 200, text: 'END Sorry, this service is not available for your phone number.' }));
    const filipino = await lingkod({ DEFAULT_LOCALE: 'fil' });
    expect((await filipino.dial(phoneNumber)).text).toBe('END Paumanhin, hindi magagamit ang serbisyong ito sa numero ng iyong telepono.');
    expect(await citizenOf(phoneNumber)).toBe(0);
    // The countries this deployment serves are still served.
    expect((await english.dial('+8801712000010')).text).toMatch(/^CON Choose your language/);
  });

  it('never writes the token or a query string to the logs, after good and bad hops alike', async () => {
    const flaky = switchableDatabase(shared());
    const { context, app, logs } = await startLingkod(flaky, {}, { store: ephemeral.open() });
    const served = await serve(app);
    running.push({ context, served, logs });
    const url = `${served.base}${USSD_PATH}`;
    const good = await postForm(url, dialForm('+639172000011'));
    expect(good.status).toBe(200);
    // The caller's mistakes: malformed, huge, binary, wrong charset; a wrong token; then our own failure.
    expect((await postForm(url, { sessionId: 'x', text: '' })).status).toBe(400);
    expect((await postForm(url, { ...dialForm('+639172000012'), text: '1'.repeat(20_000) })).status).toBe(413);
    expect((await send(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 255, 1]) })).status).toBe(400);
    expect((await send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' }, body: 'sessionId=x' })).status).toBe(415);
    expect((await postForm(`${served.base}/ussd/africastalking?token=${USSD_TEST_TOKEN.slice(0, -1)}`, dialForm('+639172000013'))).status).toBe(403);
    expect((await send(`${url}&other=1`, { method: 'GET' })).status).toBe(404);
    flaky.down = true;
    expect((await postForm(url, dialForm('+639172000014'))).text).toMatch(/^END Sorry, the service is busy/);
    flaky.down = false;
    await context.hops.settled();

    expect(logs.lines.some((line) => line.includes('USSD hop refused'))).toBe(true);
    expect(logs.lines.some((line) => line.includes('USSD hop not served'))).toBe(true);
    expect(scanLogs(`ussd-gateway-${records.name}`, logs.lines, { secrets: [USSD_TEST_TOKEN, USSD_TEST_TOKEN.slice(0, -1)], phones: ['+639172000011', '+639172000014'] })).toEqual([]);
    expect(logs.lines.join('\n')).not.toMatch(/token=(?!\[redacted\])/);
  });
});
