import type { Database } from '../../src/store/sql';
import { MARAWI, startCentres, type CentreHarness } from '../centres/support';
import { USSD_TEST_TOKEN, UssdPhone, optionNumber } from '../support/app';
import { send, serve, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';

/**
 * Finding 1 of issue 12: anyone who could reach POST /ussd/africastalking was any phone. With a
 * victim's number and a session id of their own, an outsider listed the victim's requests,
 * resumed the victim's half-filled form, filed requests in their name, confirmed a request a
 * centre filed for them and erased their data. Now every USSD hop must carry the gateway's
 * token in the callback URL: each journey below is tried the way an outsider would, and each is
 * refused at its first hop, with nothing changed in the records.
 */
const VICTIM = '+639171239001';

/** Refused at the gateway check: the journey stops there. */
class Refused extends Error {}

/** How an outsider may present (or fail to present) the token. */
const attempts: { what: string; query: string; headers?: Record<string, string> }[] = [
  { what: 'no token at all', query: '' },
  { what: 'a wrong token of the same length', query: `?token=${'x'.repeat(USSD_TEST_TOKEN.length)}` },
  { what: 'the token one character short', query: `?token=${encodeURIComponent(USSD_TEST_TOKEN.slice(0, -1))}` },
  { what: 'the token with a character added', query: `?token=${encodeURIComponent(`${USSD_TEST_TOKEN}x`)}` },
  { what: 'an empty token', query: '?token=' },
  { what: 'the token in headers and in the form instead of the query', query: '', headers: { 'x-token': USSD_TEST_TOKEN, authorization: `Bearer ${USSD_TEST_TOKEN}` } },
  { what: 'a wrong token beside the right one', query: `?token=wrong&token=${encodeURIComponent(USSD_TEST_TOKEN)}` },
];

/** An outsider's phone: posts Africa's Talking's form with a session id and number of its choosing. */
class Intruder {
  private history: string[] = [];
  private session = '';
  last = '';
  constructor(
    private readonly served: Served,
    private readonly attempt: (typeof attempts)[number],
    private readonly phoneNumber = VICTIM,
  ) {}

  async dial(): Promise<string> {
    this.session = `ATUid_forged_${Math.random().toString(36).slice(2)}`;
    this.history = [];
    return this.post('');
  }

  async press(input: string): Promise<string> {
    this.history.push(input);
    return this.post(this.history.join('*'));
  }

  private async post(text: string): Promise<string> {
    const answer = await send(`${this.served.base}/ussd/africastalking${this.attempt.query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.attempt.headers },
      body: new URLSearchParams({ sessionId: this.session, serviceCode: '*347#', phoneNumber: this.phoneNumber, networkCode: '51502', text, ...(this.attempt.headers ? { token: USSD_TEST_TOKEN } : {}) }).toString(),
    });
    if (answer.status === 403) {
      expect(answer.text).toMatch(/^END /);
      throw new Refused();
    }
    this.last = answer.text;
    return answer.text;
  }
}

/** What the outsider tried, each as a person at the keypad would go about it. */
const journeys: Record<string, (phone: Intruder) => Promise<unknown>> = {
  'confirm the request a centre filed for the victim': async (phone) => {
    await phone.dial();
    await phone.press('1');
  },
  "resume the victim's half-filled form and submit it": async (phone) => {
    await phone.dial();
    if (phone.last.includes('unfinished request')) await phone.press('1');
    for (let step = 0; step < 6 && !phone.last.startsWith('END'); step++) await phone.press('1');
  },
  "list the victim's requests": async (phone) => {
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'My requests'));
    await phone.press('1');
  },
  "file a request in the victim's name": async (phone) => {
    await phone.dial();
    for (const input of ['1', '1', '1', '1', 'Forged Name', '2', '1', '1']) await phone.press(input);
  },
  "erase the victim's data (My data, Delete)": async (phone) => {
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'My data'));
    await phone.press(optionNumber(phone.last, 'Delete my data'));
    await phone.press('1');
  },
};

describe.each(databaseBackends())('an outsider posing as a phone over USSD, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;
  let served: Served;

  /** Everything the journeys could change, read straight from the records. */
  async function records() {
    return {
      citizens: await db.query('SELECT id, locale, deleted_at FROM citizens ORDER BY id'),
      addresses: await db.query('SELECT address, citizen_id FROM citizen_addresses ORDER BY address'),
      requests: await db.query('SELECT reference, answers, status FROM requests ORDER BY id'),
      assisted: await db.query('SELECT id, status FROM assisted_requests ORDER BY id'),
      audit: await db.query('SELECT id FROM audit_log ORDER BY id'),
    };
  }

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
    served = await serve(h.app);
    // The victim: a request filed, a second form half-filled when the dial dropped, and a
    // request the centre filed for them waiting for their confirmation.
    const victim = new UssdPhone(h.app, VICTIM);
    await victim.dial();
    await victim.press(optionNumber(victim.last, 'English'));
    await victim.walk('1', '1', '1', '1', 'Amina Datu', '5');
    await victim.press(optionNumber(victim.last, 'Medical'));
    expect(await victim.press(optionNumber(victim.last, 'Submit'))).toMatch(/^END Request for .+ received/);
    await victim.dial();
    await victim.walk('1', '1', '1', '1', 'Amina Datu');
    const centreKey = (await h.keyFor('mssd', MARAWI)).key;
    expect((await h.file(centreKey, { phone: VICTIM, locale: 'en' })).status).toBe(201);
  });
  afterAll(async () => {
    await served.close();
    await h.context.close();
  });

  describe.each(attempts)('with $what', (attempt) => {
    it.each(Object.keys(journeys))('cannot %s: refused with 403 at the first hop, nothing changed', async (journey) => {
      const before = await records();
      let refused = false;
      try {
        await journeys[journey](new Intruder(served, attempt));
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        refused = true;
      }
      expect(refused).toBe(true);
      expect(await records()).toEqual(before);
    });

    it('creates no citizen for a number that never called', async () => {
      const before = await records();
      await expect(new Intruder(served, attempt, '+639171239999').dial()).rejects.toBeInstanceOf(Refused);
      expect(await records()).toEqual(before);
    });
  });

  it('still serves the genuine gateway: the victim finds their half-filled form offered back', async () => {
    expect(await new UssdPhone(h.app, VICTIM).dial()).toMatch(/^CON You have an unfinished request for Crisis assistance/);
  });
});
