import type { Express } from 'express';
import request from 'supertest';
import { dialStringToPath, withoutExtension } from '../../src/channels/advanta/mapping';
import { loadConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { LogCapture, USSD_TEST_TOKEN, optionNumber, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/**
 * Advanta's USSD callback (GET /ussd/advanta), the second mapping of the cumulative-path
 * CON/END family: the query string as Advanta's USSD guide shows it (SESSIONID, USSDCODE,
 * MSISDN without +, INPUT cumulative, bare or as the whole dial string), our own values.
 */
describe('an Advanta INPUT as a path', () => {
  it.each([
    ['', '*347#', ''],
    ['1*2', '*347#', '1*2'],
    ['*347#', '*347#', ''],
    ['*347*1*2#', '*347#', '1*2'],
    ['*347*1*2#', undefined, '1*2'],
    ['*415*33*1#', '*347#', '33*1'],
    ['Amina', '*347#', 'Amina'],
  ])('reads %j (code %s) as %j', (input, code, path) => {
    expect(dialStringToPath(input, code)).toBe(path);
  });
});

describe('a shared Advanta code', () => {
  it.each([
    ['33', '33', ''],
    ['33*1*2', '33', '1*2'],
    ['1*2', '33', '1*2'],
    ['331*2', '33', '331*2'],
    ['33*1', undefined, '33*1'],
  ])('takes the extension off %j (extension %s): %j', (path, extension, expected) => {
    expect(withoutExtension(path, extension)).toBe(expected);
  });

  it('with a shared code in USSD_SERVICE_CODE, the extension Advanta sends first is not taken as an answer', async () => {
    const db = await databaseBackends()[0].open();
    const { context, app } = await startLingkod(db, { USSD_SERVICE_CODE: '*415*33#' });
    try {
      const base = { token: USSD_TEST_TOKEN, SESSIONID: '5551001', USSDCODE: '*415#', MSISDN: '639171239101' };
      const first = (await request(app).get('/ussd/advanta').query({ ...base, INPUT: '33' })).text;
      expect(first).toMatch(/^CON Choose your language\n/);
      const english = optionNumber(first, 'English');
      expect((await request(app).get('/ussd/advanta').query({ ...base, INPUT: `*415*33*${english}#` })).text).toMatch(/^CON Lingkod - government services\n/);
    } finally {
      await context.close();
    }
  });

  it('refuses a service code that is not one at start-up', () => {
    expect(() => loadConfig({ USSD_TOKEN: USSD_TEST_TOKEN, USSD_SERVICE_CODE: '415*33' })).toThrow(/USSD_SERVICE_CODE/);
  });
});

describe.each(databaseBackends())('USSD through Advanta, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db));
  });
  afterAll(async () => {
    await context.close();
  });

  const hop = (query: Record<string, string>) => request(app).get('/ussd/advanta').query({ token: USSD_TEST_TOKEN, ...query });

  it('refuses a hop without the token (403) before reading it, and a wrong token alike', async () => {
    const none = await request(app).get('/ussd/advanta').query({ SESSIONID: '1', USSDCODE: '*347#', MSISDN: '639171239001', INPUT: '' });
    expect([none.status, none.text]).toEqual([403, 'END Not authorised']);
    const wrong = await request(app).get('/ussd/advanta').query({ token: 'x'.repeat(40), SESSIONID: '1', USSDCODE: '*347#', MSISDN: '639171239001', INPUT: '' });
    expect(wrong.status).toBe(403);
    await context.hops.settled();
    expect(await db.query(`SELECT id FROM ussd_hops WHERE address = 'tel:+639171239001'`)).toEqual([]);
  });

  it.each([
    ['no session id', { MSISDN: '639171239002', INPUT: '' }, 'END Bad request: check SESSIONID'],
    ['no number', { SESSIONID: '7', INPUT: '' }, 'END Bad request: check MSISDN'],
    ['a number that is not one', { SESSIONID: '7', MSISDN: 'abcdefgh', INPUT: '' }, 'END Bad request: MSISDN is not a valid phone number'],
    ['a repeated field', { SESSIONID: ['7', '8'] as unknown as string, MSISDN: '639171239002', INPUT: '' }, 'END Bad request: check SESSIONID'],
    ['an INPUT too long', { SESSIONID: '7', MSISDN: '639171239002', INPUT: '1'.repeat(2001) }, 'END Bad request: check INPUT'],
  ])('answers 400 in its own format to a hop with %s', async (_what, query, text) => {
    const response = await hop(query);
    expect([response.status, response.text]).toEqual([400, text]);
  });

  it('walks the menu with a cumulative INPUT, reads the whole dial string alike, and answers a retry with the same screen', async () => {
    const base = { SESSIONID: '5550001', USSDCODE: '*347#', MSISDN: '639171239003' };
    const first = (await hop({ ...base, INPUT: '' })).text;
    expect(first).toMatch(/^CON Choose your language\n/);
    const english = optionNumber(first, 'English');
    const menu = (await hop({ ...base, INPUT: english })).text;
    expect(menu).toMatch(/^CON Lingkod - government services\n/);
    const services = optionNumber(menu, 'Services');
    const categories = (await hop({ ...base, INPUT: `*347*${english}*${services}#` })).text;
    expect(categories).toContain('Social welfare');
    // The same hop again (Advanta timed out waiting): the same screen, not a step further.
    expect((await hop({ ...base, INPUT: `${english}*${services}` })).text).toBe(categories);
    const back = (await hop({ ...base, INPUT: `${english}*${services}*0` })).text;
    expect(back).toBe(menu);
    // MSISDN comes without +: the number is the same citizen as +639171239003 on any channel.
    expect(await db.query(`SELECT address FROM citizen_addresses WHERE address = 'tel:+639171239003'`)).toHaveLength(1);
  });

  it('names its hops advanta on an unknown network in the hop trail (Advanta sends no network)', async () => {
    await hop({ SESSIONID: '5550002', USSDCODE: '*347#', MSISDN: '639171239004', INPUT: '' });
    await context.hops.settled();
    const rows = await db.query<{ gateway: string; network: string | null; session_id: string }>(`SELECT gateway, network, session_id, service_code FROM ussd_hops WHERE session_id = '5550002'`);
    expect(rows[0]).toMatchObject({ gateway: 'advanta', network: null, session_id: '5550002', service_code: '*347#' });
  });

  it('writes no phone number to the logs', () => {
    expect(logs.lines.filter((line) => /6391712390\d\d/.test(line))).toEqual([]);
  });
});
