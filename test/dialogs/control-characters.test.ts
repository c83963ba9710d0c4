import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { UssdPhone, optionNumber } from '../support/app';
import { stacks, startForged } from './support';

/**
 * Issue 12: a NUL byte in a USSD answer was stored with the form, and PostgreSQL refuses a NUL
 * in JSON, so that form failed "could not save" on every submit and every resume, silently.
 * Now the input reader refuses any control character (but line breaks) on every channel with
 * a polite screen in the citizen's language, and nothing of it is kept.
 */
describe.each(stacks())('a control character in a USSD answer, on $name', (stack) => {
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

  /** A phone in `locale` at the first question of the Crisis assistance form (a name). */
  async function atTheNameQuestion(number: string, locale: string): Promise<UssdPhone> {
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
    await context.citizens.setLocale(citizen.id, locale);
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.walk('1', '1', '1', '1');
    return phone;
  }

  it.each([
    ['en', 'Please type letters and numbers only.'],
    ['fil', 'Mga titik at numero lamang ang i-type.'],
    ['bn', 'শুধু অক্ষর ও সংখ্যা লিখুন।'],
  ])('answers %s text with %%00 with a polite screen, keeps nothing of it, and files the form once typed plainly', async (locale, hint) => {
    const number = `+6391774202${String(['en', 'fil', 'bn'].indexOf(locale))}`;
    const phone = await atTheNameQuestion(number, locale);
    const question = phone.last;
    expect(question).toMatch(/^CON .*1.*3/);
    const reply = await phone.pressEncoded('Nur%00Hassan');
    expect(reply).toBe(`CON ${hint}\n${question.slice('CON '.length)}`);
    const saved = JSON.parse((await context.store.get(`dialog:tel:${number}`)) ?? '{}');
    expect(saved.snapshot.context.answers).toEqual([]);

    // The same screen takes the plain answer, and the form goes through.
    await phone.walk('Nur Hassan', '4');
    await phone.press('1');
    expect(await phone.press('1')).toMatch(/^END /);
    const [request] = await db.query<{ answers: Record<string, string> }>(
      'SELECT r.answers FROM requests r JOIN citizen_addresses a ON a.citizen_id = r.citizen_id WHERE a.address = $1',
      [`tel:${number}`],
    );
    expect(request.answers.full_name).toBe('Nur Hassan');
  });
});
