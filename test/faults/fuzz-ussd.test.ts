import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { AppContext } from '../../src/context';
import { encodedLength, encodingOf } from '../../src/text/gsm7';
import type { Database } from '../../src/store/sql';
import { USSD_PATH, startLingkod } from '../support/app';
import { recordFigure } from '../support/figures';
import { databaseBackends } from '../support/stores';

/**
 * Property-based fuzzing of the USSD webhook and the dialog engine behind it, 10,000 cases
 * each, over real HTTP: whatever arrives, the answer is a 4xx with a reason or a valid
 * `CON`/`END` screen within the USSD limit, and the same hop twice gives the same screen.
 */
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);

describe('fuzzing the USSD webhook and the dialog engine', () => {
  let db: Database;
  let context: AppContext;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    const started = await startLingkod(db);
    context = started.context;
    server = started.app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${USSD_PATH}`;
  });
  afterAll(async () => {
    server.close();
    await context.close();
  });

  async function post(body: string | Uint8Array, contentType = 'application/x-www-form-urlencoded') {
    const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]), headers: { 'content-type': contentType } });
    return { status: response.status, text: await response.text() };
  }

  /** A valid screen: a prefix, then text within the limit of the encoding it needs. */
  function isValidScreen(text: string): boolean {
    const match = /^(CON|END) ([\s\S]*)$/.exec(text);
    if (!match) return false;
    const screen = match[2];
    const encoding = encodingOf(screen);
    return encodedLength(screen, encoding) <= (encoding === 'gsm7' ? 182 : 80);
  }

  it('answers any form body with a 4xx and a reason, or a valid screen; never a 5xx', async () => {
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(''), fc.stringMatching(/^\+?63\d{10}$/));
    const body = fc.record(
      { sessionId: field, phoneNumber: field, serviceCode: field, networkCode: field, text: fc.oneof(field, fc.stringMatching(/^[0-9*#]{0,60}$/)) },
      { requiredKeys: [] },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (fields) => {
        const { status, text } = await post(new URLSearchParams(fields as Record<string, string>).toString());
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) return isValidScreen(text);
        return status >= 400 && status < 500 && text.length > 0;
      }),
      { numRuns: CASES },
    );
    recordFigure(6, `USSD webhook: ${CASES} generated form bodies`, `no 5xx; answers by status ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(statuses.get(200)).toBeGreaterThan(0);
  }, 300_000);

  it('answers raw bytes of any content type without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/octet-stream'), async (bytes, type) => {
        const { status } = await post(bytes, type);
        return status < 500;
      }),
      { numRuns: Math.ceil(CASES / 10) },
    );
  }, 120_000);

  it('walks any sequence of inputs with valid screens, and gives the same screen for the same hop twice', async () => {
    const input = fc.oneof(fc.integer({ min: 0, max: 99 }).map(String), fc.constantFrom('98', '0', '1', '2', 'Juan dela Cruz', '15-06-1990'), fc.string({ maxLength: 12 }));
    let hops = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 49 }), fc.array(input, { minLength: 1, maxLength: 6 }), fc.nat(), async (caller, inputs, nonce) => {
        const sessionId = `fuzz-${caller}-${nonce}`;
        const phoneNumber = `+6391790${String(caller).padStart(5, '0')}`;
        const history: string[] = [];
        for (const step of ['', ...inputs.map((item) => item.replace(/\*/g, ''))]) {
          if (step) history.push(step);
          const form = new URLSearchParams({ sessionId, phoneNumber, text: history.join('*') }).toString();
          const first = await post(form);
          const again = await post(form);
          hops += 2;
          if (first.status !== 200 || !isValidScreen(first.text) || again.text !== first.text) return false;
          if (first.text.startsWith('END')) break;
        }
        return true;
      }),
      { numRuns: Math.ceil(CASES / 4) },
    );
    recordFigure(6, `dialog engine over USSD: ${Math.ceil(CASES / 4)} generated sessions`, `${hops} hops, every screen valid and within its limit, every hop sent twice answered alike`);
    expect(hops).toBeGreaterThan(CASES / 2);
  }, 300_000);
});
