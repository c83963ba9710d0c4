import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { UssdPhone, optionNumber } from '../support/app';
import { recordFigure } from '../support/figures';
import { stacks, startForged } from './support';

/**
 * Issue 12: every first hop from a new number created a citizen row, so anyone posting dials
 * for made-up numbers grew the citizens table, and a phone that only dialled and hung up was
 * kept. Now a caller becomes a citizen only when something of theirs is kept: a language, a
 * request, a topic, a person on the phone, a status lookup (audited).
 */
describe.each(stacks())('dials from numbers Lingkod has never seen, on $name', (stack) => {
  let db: Database;
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    db = await stack.database.open();
    ({ context, app } = await startForged(db, stack.store()));
  });
  afterAll(async () => {
    await context.close();
  });

  const citizens = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM citizens'))[0].n);
  const known = async (number: string) => (await db.query('SELECT 1 FROM citizen_addresses WHERE address = $1', [`tel:${number}`])).length === 1;

  it('keeps nothing about 50 dials that browse and hang up, or cancel the language screen', async () => {
    const before = await citizens();
    for (let index = 0; index < 50; index++) {
      const phone = new UssdPhone(app, `+6391774300${String(index).padStart(2, '0')}`);
      expect(await phone.dial()).toMatch(/^CON Choose your language/);
      if (index % 2 === 0) {
        // Back from the language screen: the menu, browsing, My data, without becoming anybody.
        expect(await phone.press('0')).toMatch(/^CON Lingkod - government services/);
        await phone.press(optionNumber(phone.last, 'Services'));
        await phone.press('1');
      }
    }
    expect(await citizens()).toBe(before);
    recordFigure(12, `anonymous dials from new numbers (${stack.name})`, '50 dials (25 browsing), 0 citizen rows created');
  });

  it('shows a caller who is nobody yet that nothing is held, and erases nothing without asking for a code', async () => {
    const number = '+639177430100';
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press('0');
    const summary = await phone.press(optionNumber(phone.last, 'My data'));
    expect(summary).toContain('Requests with your answers: 0');
    await phone.press(optionNumber(summary, 'Delete my data'));
    expect(await phone.press(optionNumber(phone.last, 'Yes, delete'))).toMatch(/^END Your data has been deleted\./);
    expect(await known(number)).toBe(false);
    expect(await db.query("SELECT 1 FROM audit_log WHERE action = 'citizen.erase'")).toEqual([]);
  });

  it('makes the caller a citizen when they choose a language, and remembers it on the next dial', async () => {
    const number = '+639177430101';
    const phone = new UssdPhone(app, number);
    await phone.dial();
    expect(await known(number)).toBe(false);
    expect(await phone.press(optionNumber(phone.last, 'Filipino'))).toMatch(/^CON /);
    expect(await known(number)).toBe(true);
    expect(await phone.dial()).not.toMatch(/language/i);
  });

  it('makes a caller who skipped the language a citizen when they file a request, and shows it under My requests on the next dial', async () => {
    const number = '+639177430102';
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press('0');
    await phone.walk(optionNumber(phone.last, 'Services'), '1', '1', '1', 'Nur Hassan', '4');
    await phone.press(optionNumber(phone.last, 'Medical'));
    expect(await known(number)).toBe(false);
    expect(await phone.press(optionNumber(phone.last, 'Submit'))).toMatch(/^END Request for .+ received\./);
    expect(await known(number)).toBe(true);
    const again = new UssdPhone(app, number);
    await again.dial();
    await again.press('0');
    expect(await again.press(optionNumber(again.last, 'My requests'))).toMatch(/\d{4}-\d{4}-\d{3} Crisis assistance/);
  });
});
