import type { AppContext } from '../../src/context';
import { PgliteDatabase } from '../../src/store/pglite';
import { UssdPhone, optionNumber, startLingkod } from '../support/app';

/** A gateway whose phones show less than 182 characters gets pages of its own size (USSD_GATEWAY_LIMITS). */
describe('USSD screens sized per gateway', () => {
  let context: AppContext;
  let phone: UssdPhone;

  beforeAll(async () => {
    const lingkod = await startLingkod(await PgliteDatabase.open(undefined), { USSD_GATEWAY_LIMITS: 'africastalking=60/30' });
    context = lingkod.context;
    phone = new UssdPhone(lingkod.app, '+639171239101');
  });
  afterAll(async () => {
    await context.close();
  });

  it('lays every page out within the gateway\'s own size, with 98 for more', async () => {
    await phone.dial();
    const screens = [phone.last.replace(/^CON /, '')];
    expect(screens[0]).toContain('98 ');
    for (let page = 0; page < 3 && phone.last.includes('\n98 '); page++) screens.push((await phone.press('98')).replace(/^CON /, ''));
    expect(screens.length).toBeGreaterThan(1);
    for (const screen of screens) expect(screen.length).toBeLessThanOrEqual(60);
    const all = screens.join('\n');
    await phone.press(optionNumber(all, 'English'));
    expect(phone.last.replace(/^CON /, '').length).toBeLessThanOrEqual(60);
  });
});
