import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import { formDate, localDay, readableDay, readableTime } from '../../src/text/dates';
import { PgliteDatabase } from '../../src/store/pglite';
import { UssdPhone, optionNumber, startLingkod } from '../support/app';

/**
 * Every date a citizen reads is in the deployment's time zone (TIME_ZONE, Asia/Manila by
 * default) and in their language's format, never UTC: at 01:30 on 4 December in Manila
 * (2026-12-03T17:30Z) a request updated a minute ago says 4 December. A date they typed is
 * echoed in the format the form asked for it (DD-MM-YYYY), and "today" for a date's range is
 * Manila's today.
 */
const MANILA_SMALL_HOURS = new Date('2026-12-03T17:30:00Z');

describe('dates as a person reads them', () => {
  it('are days and times in the deployment\'s zone, in each language\'s format', () => {
    expect(localDay(MANILA_SMALL_HOURS, 'Asia/Manila')).toBe('2026-12-04');
    expect(localDay(MANILA_SMALL_HOURS, 'UTC')).toBe('2026-12-03');
    expect(readableDay(MANILA_SMALL_HOURS, 'en', 'Asia/Manila')).toBe('4 Dec 2026');
    expect(readableDay(MANILA_SMALL_HOURS, 'fil', 'Asia/Manila')).toBe('Dis 4, 2026');
    expect(readableDay(MANILA_SMALL_HOURS, 'bn', 'Asia/Manila')).toBe('৪ ডিসে, ২০২৬');
    expect(readableTime(MANILA_SMALL_HOURS, 'en', 'Asia/Manila')).toBe('4 Dec 2026, 01:30');
    expect(formDate('1990-06-15')).toBe('15-06-1990');
  });
});

describe('dates on the citizen\'s screens, with the clock at 01:30 on 4 December in Manila', () => {
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined), {}, { now: () => MANILA_SMALL_HOURS }));
  });
  afterAll(async () => {
    await context.close();
  });

  async function englishPhone(number: string): Promise<UssdPhone> {
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    return phone;
  }

  it('takes today in Manila as a past date, and echoes a typed date on the review as the form asked it (DD-MM-YYYY)', async () => {
    const phone = await englishPhone('+639171239401');
    await phone.press(optionNumber(phone.last, 'Services'));
    await phone.press(optionNumber(phone.last, 'Social welfare'));
    await phone.press(optionNumber(phone.last, 'Social pension'));
    await phone.press(optionNumber(phone.last, 'Apply now'));
    await phone.press('Maria Santos');
    expect(phone.last).toContain('DD-MM-YYYY');
    // 4 December is today in Manila, though it is still 3 December in UTC: not "in the future".
    const review = await phone.press('04-12-2026');
    expect(review).toContain('Date of birth: 04-12-2026');
    await phone.press(optionNumber(review, 'Change answers'));
    await phone.press('Maria Santos');
    expect(await phone.press('15061990')).toContain('Date of birth: 15-06-1990');
  });

  it.each([
    ['en', 'English', 'Updated 4 Dec 2026'],
    ['fil', 'Filipino', 'Na-update Dis 4, 2026'],
    ['bn', 'বাংলা', 'হালনাগাদ ৪ ডিসে, ২০২৬'],
  ])('says when a request was updated in Manila\'s day, in %s', async (locale, language, updated) => {
    const phone = new UssdPhone(app, `+63917123950${['en', 'fil', 'bn'].indexOf(locale)}`);
    await phone.dial();
    await phone.press(optionNumber(phone.last, language));
    const citizen = (await context.db.query<{ id: number }>("SELECT id FROM citizens ORDER BY id DESC LIMIT 1"))[0];
    const filed = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: {}, channel: 'ussd' });
    await context.db.query('UPDATE requests SET updated_at = $1 WHERE reference = $2', [MANILA_SMALL_HOURS.toISOString(), filed.reference]);
    await phone.dial();
    const menu = phone.last;
    const mine = await phone.press(optionNumber(menu, /^\d+ (My requests|Mga request ko|আমার আবেদন)/));
    let detail = await phone.press(optionNumber(mine, new RegExp(filed.reference.slice(-3))));
    // Bangla's 80 characters take the detail onto a second page.
    while (/\n98 /.test(phone.last)) detail += `\n${await phone.press('98')}`;
    expect(detail).toContain(updated);
    expect(detail).not.toContain('2026-12-03');
  });
});
