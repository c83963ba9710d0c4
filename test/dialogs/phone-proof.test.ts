import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import { paginate } from '../../src/text/pages';
import type { Database } from '../../src/store/sql';
import type { EphemeralStore } from '../../src/store/ephemeral';
import { UssdPhone, optionNumber, type LogCapture } from '../support/app';
import { recordFigure } from '../support/figures';
import { codesSentTo, fileAtCentre, stacks, startForged } from './support';

/**
 * Issue 12: the USSD gateway's secret has leaked, so anyone can post hops as any phone. What
 * cannot be undone still needs the phone itself: erasing a citizen's data and confirming a
 * request a centre filed ask over USSD for a one-time code sent to the phone by SMS. The
 * forger, who never sees the SMS, cannot erase or confirm; the citizen with the code can.
 */
const layout = (screen: Parameters<typeof paginate>[0]) => paginate(screen, { gsm7: 182, ucs2: 80 });

describe.each(stacks())('a forger posting USSD hops as any phone, on $name', (stack) => {
  let db: Database;
  let store: EphemeralStore;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = await stack.database.open();
    store = stack.store();
    ({ context, app, logs } = await startForged(db, store));
  });
  afterAll(async () => {
    await context.close();
  });

  /** A citizen who chose English and filed a request naming them. */
  async function victim(number: string): Promise<{ citizenId: number; reference: string }> {
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
    await context.citizens.setLocale(citizen.id, 'en');
    const { reference } = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Rahima Sultan', household_size: '4' }, channel: 'ussd' });
    return { citizenId: citizen.id, reference };
  }
  const stillHeld = async (number: string) => (await db.query('SELECT 1 FROM citizen_addresses WHERE address = $1', [`tel:${number}`])).length === 1;

  /** My data → Delete → Yes, from the menu. */
  async function askToErase(phone: UssdPhone): Promise<string> {
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'My data'));
    await phone.press(optionNumber(phone.last, 'Delete my data'));
    return phone.press(optionNumber(phone.last, 'Yes, delete'));
  }

  it('cannot erase a citizen: the code goes to the real phone, and wrong codes end politely with nothing erased', async () => {
    const number = '+639177410001';
    const { reference } = await victim(number);
    const forger = new UssdPhone(app, number);
    expect(await askToErase(forger)).toBe('CON We sent a code by SMS to this phone. Type it here:\n0 Back');
    expect(await forger.press('123456')).toBe('CON That code is not right. Type the code from the SMS again:\n0 Back');
    expect(await forger.press('654321')).toMatch(/^CON That code is not right\./);
    expect(await forger.press('111111')).toBe('END Too many wrong codes. Nothing was done. Try again in 10 minutes.');
    // Dialling again asks for no new code while the tries are spent: nothing more is sent.
    expect(await askToErase(forger)).toBe('END Too many wrong codes. Nothing was done. Try again in 10 minutes.');

    expect(await stillHeld(number)).toBe(true);
    const [request] = await db.query<{ answers: Record<string, string> }>('SELECT answers FROM requests WHERE reference = $1', [reference]);
    expect(request.answers.full_name).toBe('Rahima Sultan');
    expect(await db.query("SELECT 1 FROM audit_log WHERE action = 'citizen.erase'")).toEqual([]);
    // One code went to the phone, in English, and the code is nowhere in the state store in clear.
    const codes = await codesSentTo(context, number);
    expect(codes).toHaveLength(1);
    const [sent] = await db.query<{ body: string; channel: string }>("SELECT body, channel FROM outbox WHERE address = $1 AND body LIKE 'Lingkod code %'", [`tel:${number}`]);
    expect(sent).toEqual({ channel: 'sms', body: `Lingkod code ${codes[0]}: to DELETE your data. Valid 10 min. Never share it. Did not ask? Ignore this.` });
    expect(await store.get(`proof:erase:tel:${number}`)).not.toContain(codes[0]);
  });

  it('sends one code however often the forger asks while it lives', async () => {
    const number = '+639177410002';
    await victim(number);
    const forger = new UssdPhone(app, number);
    for (let attempt = 0; attempt < 10; attempt++) expect(await askToErase(forger)).toMatch(/^CON We sent a code by SMS/);
    expect(await codesSentTo(context, number)).toHaveLength(1);
    expect(await stillHeld(number)).toBe(true);
    recordFigure(12, `forged USSD erasure requests for one phone within 10 minutes (${stack.name})`, '10 asked, 1 code SMS sent, 0 erased');
  });

  it('erases for the citizen who types the code from the SMS, even on a later dial', async () => {
    const number = '+639177410003';
    const { citizenId } = await victim(number);
    const phone = new UssdPhone(app, number);
    await askToErase(phone);
    // The session drops while they read the SMS; they dial again and the same code works.
    expect(await askToErase(phone)).toMatch(/^CON We sent a code by SMS/);
    const [code] = await codesSentTo(context, number);
    expect(await phone.press(code)).toBe('END Your data has been deleted. If you write again, you start as a new user.');
    expect(await stillHeld(number)).toBe(false);
    const [audit] = await db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'citizen.erase' AND target = $1", [`citizen:${citizenId}`]);
    expect(audit.details).toMatchObject({ channel: 'ussd', addresses: 1, requestsAnonymised: 1 });
  });

  it('refuses a code that was used or has expired', async () => {
    const number = '+639177410004';
    await victim(number);
    const phone = new UssdPhone(app, number);
    await askToErase(phone);
    const [code] = await codesSentTo(context, number);
    await store.delete(`proof:erase:tel:${number}`); // ten minutes later, as far as the store is concerned
    expect(await phone.press(code)).toBe('END That code has expired or was used. Nothing was done. Dial again for a new code.');
    expect(await stillHeld(number)).toBe(true);
  });

  it('cannot confirm a request a centre filed for the phone; the citizen with the code can', async () => {
    const number = '+639177410005';
    const filed = await fileAtCentre(app, number);
    const status = async () => (await db.query<{ status: string }>('SELECT status FROM assisted_requests WHERE id = $1', [filed.id]))[0].status;
    const forger = new UssdPhone(app, number);
    expect(await forger.dial()).toMatch(/^CON Confirm request for Crisis assistance \(AICS\) filed at Marawi City Service Centre\?/);
    expect(await forger.press('1')).toBe('CON We sent a code by SMS to this phone. Type it here:\n0 Back');
    // The centre's own SMS code is not this one: guessing it, or anything, does not confirm.
    const [centreCode] = (await db.query<{ confirm_code: string }>('SELECT confirm_code FROM assisted_requests WHERE id = $1', [filed.id])).map((row) => row.confirm_code);
    const [code] = await codesSentTo(context, number);
    expect(await forger.press(centreCode === code ? '000000' : centreCode)).toMatch(/^CON That code is not right\./);
    expect(await forger.press('0')).toMatch(/^CON Lingkod - government services/);
    expect(await status()).toBe('pending');

    const citizen = new UssdPhone(app, number);
    await citizen.dial();
    expect(await citizen.press('1')).toMatch(/^CON We sent a code by SMS/);
    expect(await citizen.press(code)).toMatch(/^END Confirmed\. Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\./);
    expect(await status()).toBe('confirmed');
    expect(await codesSentTo(context, number)).toEqual([code]);
  });

  it('needs no code where the channel itself proves the address (SMS, Telegram)', async () => {
    const number = '+639177410006';
    await victim(number);
    const inbound = { channel: 'sms', address: `tel:${number}`, idleTimeout: 900, proven: true };
    await context.engine.turn({ ...inbound, text: 'DELETE', start: { dialog: 'mydata', params: { step: 'delete' } } }, layout);
    const erased = await context.engine.turn({ ...inbound, text: '1' }, layout);
    expect(erased.text).toMatch(/^Your data has been deleted\./);
    expect(await stillHeld(number)).toBe(false);
    expect(await codesSentTo(context, number)).toEqual([]);
  });

  it('sends a simulated phone its code in the simulator\'s inbox, never to a real number', async () => {
    const dial = async (hop: number, input: string) =>
      (await request(app).post('/simulator/ussd').send({ phone: '+639177410201', session: 'sim-proof-0001', hop, input })).body as { text: string };
    await context.citizens.setLocale((await context.citizens.findOrCreate('sim:+639177410201', 'simulator')).id, 'en');
    const first = await dial(0, '');
    const menu = await dial(1, optionNumber(first.text, 'My data'));
    const confirm = await dial(2, optionNumber(menu.text, 'Delete my data'));
    expect((await dial(3, optionNumber(confirm.text, 'Yes, delete'))).text).toContain('We sent a code by SMS to this phone.');
    const sent = await db.query<{ address: string; channel: string }>("SELECT address, channel FROM outbox WHERE body LIKE 'Lingkod code %' AND address LIKE '%9177410201'");
    expect(sent).toEqual([{ address: 'sim:+639177410201', channel: 'simulator' }]);
  });

  it('writes no phone number and no code to its logs', async () => {
    const codes = (await db.query<{ body: string }>("SELECT body FROM outbox WHERE body LIKE 'Lingkod code %'")).map((row) => /\d{6}/.exec(row.body)?.[0] ?? '');
    expect(codes.length).toBeGreaterThan(0);
    const all = logs.lines.join('\n');
    expect(all).not.toMatch(/9177410\d{3}/);
    for (const code of codes) expect(all).not.toContain(code);
  });
});

describe.each(stacks())('USSD where no SMS can be sent, on $name', (stack) => {
  let context: AppContext;
  let app: Express;
  let db: Database;

  beforeAll(async () => {
    db = await stack.database.open();
    ({ context, app } = await startForged(db, stack.store(), { sms: false }));
  });
  afterAll(async () => {
    await context.close();
  });

  it('says erasure and confirmation are done by SMS, and does neither', async () => {
    const number = '+639177410101';
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
    await context.citizens.setLocale(citizen.id, 'en');
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.walk(optionNumber(phone.last, 'My data'), '1');
    expect(await phone.press(optionNumber(phone.last, 'Yes, delete'))).toBe(
      'END For your safety, data cannot be deleted here now. Text DELETE from this phone to our SMS number.',
    );
    expect(await db.query('SELECT 1 FROM citizen_addresses WHERE address = $1', [`tel:${number}`])).toHaveLength(1);

    const other = '+639177410102';
    const filed = await fileAtCentre(app, other);
    const asked = new UssdPhone(app, other);
    await asked.dial();
    expect(await asked.press('1')).toBe("END For your safety, this cannot be confirmed here now. Reply to the centre's SMS with its code.");
    expect((await db.query<{ status: string }>('SELECT status FROM assisted_requests WHERE id = $1', [filed.id]))[0].status).toBe('pending');
  });
});
