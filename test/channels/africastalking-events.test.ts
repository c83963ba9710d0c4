import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { translate } from '../../src/i18n';
import type { Database } from '../../src/store/sql';
import { USSD_TEST_TOKEN, optionNumber } from '../support/app';
import { databaseBackends } from '../support/stores';
import { startCentres, type CentreHarness } from '../centres/support';

/**
 * Africa's Talking's end-of-session notification (POST /ussd/africastalking/events): a session
 * that ended Incomplete with a form in progress gets one SMS saying how to continue, in the
 * citizen's language, within the unsolicited-SMS budget; anything else gets nothing. The body
 * is the form Africa's Talking posts (fields from its USSD notifications documentation, our
 * own values). SMS is on through the test SMS provider of the centres' harness.
 */
const EVENTS = `/ussd/africastalking/events?token=${encodeURIComponent(USSD_TEST_TOKEN)}`;
const HOPS = `/ussd/africastalking?token=${encodeURIComponent(USSD_TEST_TOKEN)}`;

/** The notification as Africa's Talking posts it, for a session of `phoneNumber`. */
function endOf(sessionId: string, phoneNumber: string, status: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    date: '2026-11-28 08:01:12',
    sessionId,
    serviceCode: '*347#',
    networkCode: '51502',
    phoneNumber,
    status,
    cost: 'PHP 0.0000',
    durationInMillis: '41250',
    hopsCount: '7',
    input: '1*1*4*1*1*Amina Datu',
    lastAppResponse: 'CON Question 2 of 3',
    errorMessage: '',
    ...extra,
  };
}

describe.each(databaseBackends())("Africa's Talking end-of-session notifications, records on $name", (backend) => {
  let db: Database;
  let h: CentreHarness;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
  });
  afterAll(async () => {
    await h.context.close();
  });

  const notices = (number: string) => db.query<{ body: string; channel: string }>(`SELECT body, channel FROM outbox WHERE address = $1 AND kind = 'notice' ORDER BY id`, [`tel:${number}`]);

  /** A session over real HTTP; `walk` presses inputs as Africa's Talking sends them (the whole path). */
  function session(number: string) {
    const id = `ATUid_${randomUUID()}`;
    const path: string[] = [];
    let last = '';
    const hop = async () => {
      const response = await request(h.app).post(HOPS).type('form').send({ sessionId: id, serviceCode: '*347#', phoneNumber: number, networkCode: '51502', text: path.join('*') });
      if (response.status !== 200) throw new Error(`hop answered ${response.status}: ${response.text}`);
      last = response.text;
      return last;
    };
    return {
      id,
      dial: hop,
      press: (input: string) => {
        path.push(input);
        return hop();
      },
      get last() {
        return last;
      },
      get path() {
        return [...path];
      },
    };
  }

  /** A first-time caller who picks `language` and stops after the first answer of the Crisis assistance form. */
  async function midForm(number: string, language: 'English' | 'Filipino' = 'English') {
    // The option numbers are the same in every language: learn them in English on another phone.
    const guide = session(`+6391799${number.slice(-5)}`);
    await guide.dial();
    const english = optionNumber(guide.last, 'English');
    await guide.press(english);
    for (const label of ['Services', 'Social welfare', 'Crisis assistance', 'Apply now']) await guide.press(optionNumber(guide.last, label));
    expect(guide.last).toContain('Question 1 of 3');
    const route = guide.path.slice(1);

    const caller = session(number);
    const first = await caller.dial();
    await caller.press(optionNumber(first, language));
    for (const input of route) await caller.press(input);
    await caller.press('Amina Datu');
    return caller;
  }

  const report = (body: Record<string, string>, path = EVENTS) => request(h.app).post(path).type('form').send(body);

  it('texts a caller whose session dropped mid-form once, in their language, how to continue; a repeated report texts nothing more', async () => {
    const number = '+639171238001';
    const caller = await midForm(number, 'Filipino');
    expect(await notices(number)).toEqual([]);

    const answer = await report(endOf(caller.id, number, 'Incomplete'));
    expect([answer.status, answer.text]).toEqual([200, 'OK']);
    const hours = Math.max(1, Math.floor(h.context.config.SESSION_TTL / 3600));
    const expected = translate(h.context.i18n, 'fil', { key: 'sms:ussd_dropped', params: { code: '*347#', hours } });
    expect(expected).toMatch(/^Naputol ang tawag/);
    // The outbox adds the line that lets a citizen check an SMS is ours (in their language too).
    const sent = await notices(number);
    expect(sent).toHaveLength(1);
    expect(sent[0].channel).toBe('sms');
    expect(sent[0].body).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nPara matiyak na galing ito sa Lingkod, i-text ang VERIFY [A-Z2-9]{6}$`));

    // Africa's Talking may send the same notification again: still one SMS.
    expect((await report(endOf(caller.id, number, 'Incomplete'))).status).toBe(200);
    expect(await notices(number)).toHaveLength(1);
  });

  it('texts nothing for a session that ended Success, or dropped with no form in progress', async () => {
    const finished = '+639171238002';
    const done = await midForm(finished);
    expect((await report(endOf(done.id, finished, 'Success'))).status).toBe(200);
    expect(await notices(finished)).toEqual([]);

    const browsing = '+639171238003';
    const caller = session(browsing);
    await caller.dial();
    await caller.press(optionNumber(caller.last, 'English'));
    await caller.press(optionNumber(caller.last, 'Services'));
    expect((await report(endOf(caller.id, browsing, 'Incomplete'))).status).toBe(200);
    expect(await notices(browsing)).toEqual([]);
  });

  it('maps Failed to a failed session: the form in progress is offered back by SMS the same way', async () => {
    const number = '+639171238004';
    const caller = await midForm(number);
    expect((await report(endOf(caller.id, number, 'Failed', { errorMessage: 'Timeout waiting for the application' }))).status).toBe(200);
    const [sms] = await notices(number);
    expect(sms.body).toMatch(/^Your call ended before your request was sent\. .*dial \*347# within \d+ hours/);
  });

  it('refuses a notification without the token (403) or with a body that is not one (400), before acting on it', async () => {
    const number = '+639171238005';
    const caller = await midForm(number);
    const noToken = await report(endOf(caller.id, number, 'Incomplete'), '/ussd/africastalking/events');
    expect(noToken.status).toBe(403);
    const wrongToken = await report(endOf(caller.id, number, 'Incomplete'), '/ussd/africastalking/events?token=not-the-token-at-all-not-the-token');
    expect(wrongToken.status).toBe(403);
    const badStatus = await report(endOf(caller.id, number, 'Dropped'));
    expect([badStatus.status, badStatus.text]).toEqual([400, 'Bad request: check status']);
    const noSession = await report({ phoneNumber: number, status: 'Incomplete' });
    expect([noSession.status, noSession.text]).toEqual([400, 'Bad request: check sessionId']);
    const huge = await report(endOf(caller.id, number, 'Incomplete', { lastAppResponse: 'x'.repeat(20_000) }));
    expect(huge.status).toBe(413);
    const binary = await request(h.app).post(EVENTS).set('content-type', 'application/octet-stream').send(Buffer.from([0, 255, 254, 1]));
    expect(binary.status).toBe(400);
    expect(await notices(number)).toEqual([]);
  });

  it('writes no phone number to the logs', () => {
    expect(h.logs.lines.filter((line) => /6391712380\d\d/.test(line))).toEqual([]);
  });
});

describe.each(databaseBackends())('a dropped session when the unsolicited-SMS budget refuses, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db, { UNSOLICITED_SMS_PER_NUMBER_PER_DAY: '0' });
  });
  afterAll(async () => {
    await h.context.close();
  });

  it('texts nothing', async () => {
    const number = '+639171238101';
    const id = `ATUid_${randomUUID()}`;
    const path: string[] = [];
    let last = '';
    const press = async (input?: string) => {
      if (input !== undefined) path.push(input);
      last = (await request(h.app).post(HOPS).type('form').send({ sessionId: id, serviceCode: '*347#', phoneNumber: number, networkCode: '51502', text: path.join('*') })).text;
    };
    await press();
    for (const label of ['English', 'Services', 'Social welfare', 'Crisis assistance', 'Apply now']) await press(optionNumber(last, label));
    expect(last).toContain('Question 1 of 3');
    await press('Amina Datu');
    const answer = await request(h.app).post(EVENTS).type('form').send(endOf(id, number, 'Incomplete'));
    expect(answer.status).toBe(200);
    const rows = await db.query(`SELECT id FROM outbox WHERE address = $1 AND kind = 'notice'`, [`tel:${number}`]);
    expect(rows).toEqual([]);
  });
});
