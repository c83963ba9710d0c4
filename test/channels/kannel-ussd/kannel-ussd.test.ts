import type { Express } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { USSD_OP, dialled, metaFor, parseMeta } from '../../../src/channels/kannel-ussd/wire';
import { LogCapture, USSD_TEST_TOKEN, startLingkod } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { ussdJourney, type UssdDriver } from '../../support/ussd-journey';
import fixture from '../../../src/channels/kannel-ussd/fixtures/session.json';
import { FakeSendsms } from './fake-sendsms';

/**
 * GET /ussd/kannel, the get-url smsbox calls for each message of the SMPP USSD link, at the HTTP
 * level: the gateway rule first, Kannel's `%D` meta-data into a hop, the screen sent at once
 * through a sendsms that records what Kannel would be asked (its answers from Kannel's user
 * guide). The same path through the real Kannel and an SMPP peer is real-kannel-ussd.test.ts.
 */

/** Kannel's `%D` for a hop, as smsbox writes it (raw TLV octets, URL-encoded; a space as +). */
function kannelMeta(op: number, session: number, sequence: number, end = false): string {
  const octet = (byte: number) => (byte === 0x20 ? '+' : /[A-Za-z0-9*._-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`);
  return `?smpp?ussd_service_op=${octet(op)}&its_session_info=${octet(session)}${octet((sequence << 1) | (end ? 1 : 0))}&`;
}

/** The get-url query smsbox sends (src/channels/kannel-ussd/kannel.conf), fields given once-decoded. */
function query(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

const hopFields = (phone: string, text: string, op: number, session: number, sequence: number, end = false) => ({
  token: USSD_TEST_TOKEN,
  from: phone,
  to: '*347#',
  text,
  coding: '0',
  charset: 'UTF-8',
  id: `${Math.random().toString(16).slice(2)}-kannel`,
  'meta-data': kannelMeta(op, session, sequence, end),
});

describe('the wire of SMPP USSD through Kannel (src/channels/kannel-ussd/wire.ts)', () => {
  it('reads the TLVs as Kannel 1.4.5 passes them in %D: raw octets, a space as +', () => {
    expect(parseMeta(Buffer.from('?smpp?ussd_service_op=%01&its_session_info=*%00&'))).toEqual({ op: 1, info: { session: 42, sequence: 0, end: false } });
    expect(parseMeta(Buffer.from('?smpp?ussd_service_op=%12&its_session_info=%C8%05&'))).toEqual({ op: 18, info: { session: 200, sequence: 2, end: true } });
    expect(parseMeta(Buffer.from('?smpp?ussd_service_op=+&its_session_info=%09%03&'))).toEqual({ op: 32, info: { session: 9, sequence: 1, end: true } });
    // A decimal written out is taken too; an its_session_info that is not two octets is not.
    expect(parseMeta(Buffer.from('?smpp?ussd_service_op=18&its_session_info=%01'))).toEqual({ op: 18 });
    expect(parseMeta(Buffer.from('ussd_service_op=1'))).toBeUndefined();
  });

  it('writes sendsms meta-data as the smpp-tlv groups take it: the operation in decimal, the session info as octets', () => {
    expect(metaFor(USSD_OP.ussrRequest, { session: 42, sequence: 1, end: false })).toBe('?smpp?ussd_service_op=2&its_session_info=%2A%02');
    expect(metaFor(USSD_OP.pssrResponse, { session: 0, sequence: 127, end: true })).toBe('?smpp?ussd_service_op=17&its_session_info=%00%FF');
  });

  it('reads a direct dial into the service code and the inputs after it', () => {
    expect(dialled('*347#')).toEqual({ serviceCode: '*347#', shortcut: [] });
    expect(dialled('*347*2*1#')).toEqual({ serviceCode: '*347#', shortcut: ['2', '1'] });
    expect(dialled('1')).toBeUndefined();
  });
});

describe('GET /ussd/kannel', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let sendsms: FakeSendsms;
  const get = (fields: Record<string, string>) => request(app).get(`/ussd/kannel?${query(fields)}`);

  beforeAll(async () => {
    sendsms = await new FakeSendsms().start();
    db = await databaseBackends()[0].open();
    ({ context, app, logs } = await startLingkod(db, {
      KANNEL_SENDSMS_URL: sendsms.url,
      KANNEL_USERNAME: 'lingkod',
      KANNEL_PASSWORD: 'sendsms-secret',
      KANNEL_USSD_SMSC: 'ussd',
      KANNEL_USSD_SEND_TIMEOUT_MS: '1000',
    }));
  });
  afterAll(async () => {
    await context.close();
    await sendsms.stop();
  });

  it('refuses a hop without the USSD token, or with a wrong one, before reading it: 403, nothing sent', async () => {
    const fields = hopFields('+639171130001', '*347#', USSD_OP.pssrIndication, 1, 0);
    const { token: _token, ...without } = fields;
    expect(await get(without)).toMatchObject({ status: 403, text: 'END Not authorised' });
    expect(await get({ ...fields, token: 'x'.repeat(40) })).toMatchObject({ status: 403 });
    expect(sendsms.to('+639171130001')).toEqual([]);
  });

  it.each([
    ['no meta-data', { 'meta-data': '' }, 'meta-data ussd_service_op, meta-data its_session_info'],
    ['meta-data that is not SMPP', { 'meta-data': 'ussd_service_op=1' }, 'meta-data ussd_service_op, meta-data its_session_info'],
    ['an its_session_info of one octet', { 'meta-data': '?smpp?ussd_service_op=%01&its_session_info=*&' }, 'meta-data its_session_info'],
    ['oversized meta-data', { 'meta-data': `?smpp?ussd_service_op=%01&its_session_info=*%00&x=${'y'.repeat(600)}` }, 'meta-data ussd_service_op, meta-data its_session_info'],
    ['a sender that is not a number', { from: 'tel:alice' }, 'from'],
    ['an oversized text', { text: '9'.repeat(401) }, 'text'],
    ['a text not valid in its charset', { text: '\u00ff', charset: 'X-UNKNOWN' }, 'text'],
  ])('refuses %s with a 400 that names the field, and sends nothing', async (_case, change, fields) => {
    const phone = '+639171130002';
    const answer = await get({ ...hopFields(phone, '*347#', USSD_OP.pssrIndication, 2, 0), ...change });
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(`Bad request: check ${fields}`);
    expect(sendsms.to(phone)).toEqual([]);
  });

  it('answers the fixture session (the queries Kannel 1.4.5 sent): a USSR request with the language menu, then the menu, nothing after the abort', async () => {
    const hops = fixture.hops.map((hop) => ({ ...hop, token: USSD_TEST_TOKEN }));
    const phone = hops[0].from;
    expect(await get(hops[0])).toMatchObject({ status: 200, text: '' });
    const [first] = sendsms.to(phone);
    expect(first).toMatchObject({ smsc: 'ussd', from: '*347#', username: 'lingkod', password: 'sendsms-secret', op: '2', text: expect.stringMatching(/^Choose your language\n/) });
    expect(first.meta).toBe('?smpp?ussd_service_op=2&its_session_info=%2A%02');
    expect((await get(hops[1])).status).toBe(200);
    const [, second] = sendsms.to(phone);
    expect(second.text).toMatch(/^Lingkod - government services\n/);
    expect([...second.info!]).toEqual([42, 4]);
    expect((await get(hops[2])).status).toBe(200);
    expect(sendsms.to(phone)).toHaveLength(2);
  });

  it('ends a session with a PSSR response and the end bit: a number outside the allowed countries', async () => {
    const phone = '+12025550123';
    expect((await get(hopFields(phone, '*347#', USSD_OP.pssrIndication, 3, 0))).status).toBe(200);
    const [screen] = sendsms.to(phone);
    expect(screen).toMatchObject({ op: '17', text: 'Sorry, this service is not available for your phone number.' });
    expect([...screen.info!]).toEqual([3, 0b11]);
  });

  it('gives a redelivered deliver_sm (same session info and text, a new Kannel id) the same screen, and advances nothing', async () => {
    const phone = '+639171130003';
    await get(hopFields(phone, '*347#', USSD_OP.pssrIndication, 4, 0));
    await get(hopFields(phone, '1', USSD_OP.ussrConfirm, 4, 1));
    await get(hopFields(phone, '1', USSD_OP.ussrConfirm, 4, 1));
    const screens = sendsms.to(phone);
    expect(screens).toHaveLength(3);
    expect(screens[2].text).toBe(screens[1].text);
    expect(screens[2].meta).toBe(screens[1].meta);
  });

  it('takes a direct dial (*347*1#) as the dial and its inputs', async () => {
    await get(hopFields('+639171130004', '*347#', USSD_OP.pssrIndication, 5, 0));
    await get(hopFields('+639171130004', '1', USSD_OP.ussrConfirm, 5, 1));
    await get(hopFields('+639171130005', '*347*1#', USSD_OP.pssrIndication, 6, 0));
    expect(sendsms.to('+639171130005')[0].text).toBe(sendsms.to('+639171130004')[1].text);
  });

  it('ignores an operation it does not answer (a USSN confirm), sending nothing', async () => {
    const phone = '+639171130006';
    expect((await get(hopFields(phone, '', USSD_OP.ussnConfirm, 7, 0))).status).toBe(200);
    expect(sendsms.to(phone)).toEqual([]);
  });

  it('sends a screen again when Kannel answered 503 (it did not take it), once', async () => {
    const phone = '+639171130007';
    sendsms.answers.push({ status: 503, body: 'Temporal failure, try again later.' });
    expect((await get(hopFields(phone, '*347#', USSD_OP.pssrIndication, 8, 0))).status).toBe(200);
    const screens = sendsms.to(phone);
    expect(screens).toHaveLength(2);
    expect(screens[1].meta).toBe(screens[0].meta);
  });

  it('never sends a screen twice after a timeout (Kannel may have taken it), nor after a 4xx', async () => {
    const timedOut = '+639171130008';
    sendsms.answers.push('hang');
    expect((await get(hopFields(timedOut, '*347#', USSD_OP.pssrIndication, 9, 0))).status).toBe(200);
    expect(sendsms.to(timedOut)).toHaveLength(1);
    const refused = '+639171130009';
    sendsms.answers.push({ status: 403, body: 'Authorization failed for sendsms' });
    expect((await get(hopFields(refused, '*347#', USSD_OP.pssrIndication, 10, 0))).status).toBe(200);
    expect(sendsms.to(refused)).toHaveLength(1);
    expect(logs.lines.some((line) => line.includes('not retried'))).toBe(true);
  });

  it('while off (no KANNEL_USSD_SMSC), answers 503 behind the gateway rule, and says at start-up how to turn it on', async () => {
    const sameDb = Object.assign(Object.create(db) as Database, { close: async () => undefined });
    const off = await startLingkod(sameDb, {});
    try {
      expect((await request(off.app).get(`/ussd/kannel?${query(hopFields('+639171130010', '*347#', 1, 1, 0))}`)).status).toBe(503);
      expect((await request(off.app).get('/ussd/kannel')).status).toBe(403);
      expect(off.logs.lines.filter((line) => line.includes('SMPP USSD through Kannel is off'))).toHaveLength(1);
    } finally {
      await off.context.close();
    }
  });

  it('answers any forged query with 200 or 400, never a 5xx or a stack', async () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => [...array].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.record({ from: fc.oneof(bytes, fc.constantFrom('+639171130099', '')), text: bytes, coding: fc.constantFrom('0', '1', '2', 'x'), charset: fc.constantFrom('UTF-8', 'UTF-16BE', ''), meta: fc.oneof(bytes, bytes.map((raw) => `%3Fsmpp%3Fussd_service_op%3D${raw}%26its_session_info%3D${raw}`)) }),
        async ({ from, text, coding, charset, meta }) => {
          const answer = await request(app).get(`/ussd/kannel?token=${encodeURIComponent(USSD_TEST_TOKEN)}&from=${from}&to=*347%23&text=${text}&coding=${coding}&charset=${charset}&id=x&meta-data=${meta}`);
          expect([200, 400]).toContain(answer.status);
          expect(answer.text).not.toMatch(/at .*\.ts|stack/i);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes no phone number and no token to the logs', () => {
    const text = logs.lines.join('\n');
    expect(text).not.toMatch(/\+?63917113\d{4}|2025550123/);
    expect(text).not.toContain(USSD_TEST_TOKEN);
  });
});

// The shared journey at the HTTP level with the meta-data Kannel passes (the same journey runs
// through the real Kannel in real-kannel-ussd.test.ts).
const journeySendsms = new FakeSendsms();
const env: Record<string, string> = { KANNEL_USERNAME: 'lingkod', KANNEL_PASSWORD: 'sendsms-secret', KANNEL_USSD_SMSC: 'ussd' };
beforeAll(async () => {
  await journeySendsms.start();
  env.KANNEL_SENDSMS_URL = journeySendsms.url;
});
afterAll(() => journeySendsms.stop());
let sessions = 0;
ussdJourney(
  'SMPP USSD via Kannel (HTTP level)',
  ({ app }, number): UssdDriver => {
    let session = 0;
    let sequence = 0;
    const hop = async (text: string, op: number) => {
      const before = journeySendsms.to(number).length;
      const answer = await request(app).get(`/ussd/kannel?${query(hopFields(number, text, op, session, sequence))}`);
      expect(answer.status).toBe(200);
      const screens = journeySendsms.to(number);
      expect(screens).toHaveLength(before + 1);
      const screen = screens[before];
      sequence = screen.info![1] >> 1;
      return { text: screen.text, final: screen.op === '17' && (screen.info![1] & 1) === 1 };
    };
    return {
      dial: () => {
        session = sessions++ % 256;
        sequence = 0;
        return hop('*347#', USSD_OP.pssrIndication);
      },
      press: (input) => hop(input, USSD_OP.ussrConfirm),
    };
  },
  env,
);
