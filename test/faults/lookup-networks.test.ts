import type { AppContext } from '../../src/context';
import { parseReference } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { optionNumber, startLingkod } from '../support/app';
import { recordFigure } from '../support/figures';
import { HttpUssdPhone, serve, type Served } from '../support/served';
import { databaseBackends, ephemeralBackends } from '../support/stores';

/**
 * Finding 5 of issue 12: the reference-guess limit was per phone number, and numbers are free
 * (40 of 40 guesses from 8 new numbers were looked up). Now misses also count per gateway and
 * network (STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR) and from everyone together
 * (STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR), in the ephemeral store every instance shares.
 */
const PER_NETWORK = 10;
const TOTAL = 15;
const NUMBERS = 8;
const GUESSES_EACH = 5;

const stores = databaseBackends().map((records, index) => ({ name: `${records.name} and ${ephemeralBackends()[index]?.name ?? 'memory'}`, records, ephemeral: ephemeralBackends()[index] ?? ephemeralBackends()[0] }));

/** References that pass the check digit (so they reach the guard) and match nothing. */
function guesses(count: number): string[] {
  const out: string[] = [];
  for (let seed = 0; out.length < count; seed++) {
    const parsed = parseReference(String(7_000_000_000 + seed * 7919 + Math.floor(Math.random() * 7919)).padStart(11, '0'));
    if (parsed.ok) out.push(parsed.reference);
  }
  return out;
}

describe.each(stores)('guessing references from many numbers on one network, records and state on $name', ({ records, ephemeral }) => {
  let db: Database;
  let context: AppContext;
  let served: Served;

  beforeAll(async () => {
    db = await records.open();
    const started = await startLingkod(db, { STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR: String(PER_NETWORK), STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR: String(TOTAL) }, { store: ephemeral.open() });
    context = started.context;
    served = await serve(started.app);
  });
  afterAll(async () => {
    await served.close();
    await context.close();
  });

  /** Lookups the audit log shows from one network. */
  const lookedUp = async (network: string) =>
    Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'request.lookup' AND details->>'network' = $1", [network]))[0].n);

  /** Eight new numbers, five guesses each, all through the gateway on `networkCode`. */
  async function guessFrom(networkCode: string, prefix: string): Promise<{ answered: number; limited: number }> {
    let answered = 0;
    let limited = 0;
    for (let index = 0; index < NUMBERS; index++) {
      const phone = new HttpUssdPhone(served.base, `+63917${prefix}${String(index).padStart(4, '0')}`, networkCode);
      await phone.dial();
      await phone.press(optionNumber(phone.last, 'English'));
      await phone.press(optionNumber(phone.last, 'Check a status'));
      for (const reference of guesses(GUESSES_EACH)) {
        const screen = await phone.press(reference);
        if (screen.includes('Too many references')) {
          limited++;
          break;
        }
        expect(screen).toContain('No request has that reference.');
        answered++;
        await phone.press(optionNumber(screen, 'Check another'));
      }
    }
    return { answered, limited };
  }

  it(`looks up at most ${PER_NETWORK} of ${NUMBERS * GUESSES_EACH} guesses from ${NUMBERS} new numbers on one network, and at most ${TOTAL} in all`, async () => {
    const first = await guessFrom('51502', '31');
    expect(await lookedUp('africastalking:51502')).toBe(PER_NETWORK);
    expect(first.answered).toBe(PER_NETWORK);
    // Another network has its own allowance, until the total is spent.
    const second = await guessFrom('51503', '32');
    expect(await lookedUp('africastalking:51503')).toBe(TOTAL - PER_NETWORK);
    expect(second.answered).toBe(TOTAL - PER_NETWORK);
    // Each spent allowance is audited once, naming it.
    const limits = await db.query<{ limit: string; network: string }>("SELECT details->>'limit' AS limit, details->>'network' AS network FROM audit_log WHERE action = 'request.lookup_limited' ORDER BY id");
    expect(limits).toEqual([
      { limit: 'network', network: 'africastalking:51502' },
      { limit: 'total', network: 'africastalking:51503' },
    ]);
    recordFigure(9, `${NUMBERS * GUESSES_EACH} guesses from ${NUMBERS} new numbers on one network (USSD)`, `${first.answered} looked up (STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR=${PER_NETWORK}); on a second network ${second.answered} more until STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR=${TOTAL}`);
  }, 120_000);
});
