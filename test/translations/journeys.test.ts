import type { Express } from 'express';
import { loadConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createI18n, translate } from '../../src/i18n';
import { PgliteDatabase } from '../../src/store/pglite';
import { UssdPhone, optionNumber, startLingkod } from '../support/app';
import { TWILIO_ENV, TwilioPhone } from '../channels/sms/support';
import type { FakeBotApi } from '../channels/telegram/fake-bot-api';
import { TelegramUser, startWithTelegram } from '../channels/telegram/support';

/**
 * The region's languages as a citizen meets them, on each channel: chosen on USSD (from the
 * language menu), by SMS (LANG and the language's own name, or a local keyword) and on Telegram
 * (its buttons). Maguindanaon shows its drafts; Tausug hides them, so a Tausug speaker reads
 * Filipino, string by string, until a reviewer accepts the Tausug; the catalog falls back the same way.
 */
const i18n = createI18n('en');
const t = (locale: string, key: string) => translate(i18n, locale, { key });

describe('the region languages on USSD and SMS', () => {
  let context: AppContext;
  let app: Express;
  const localeOf = async (address: string) =>
    (await context.db.query<{ locale: string }>(`SELECT c.locale FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1`, [address]))[0]?.locale;

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined), { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '1000' }));
  });
  afterAll(async () => {
    await context.close();
  });

  it.each([
    ['mdh', 'Magindanawn', '+639171239301'],
    ['mrw', 'Meranaw', '+639171239302'],
    ['tsg', 'Bahasa Sug', '+639171239303'],
  ])('USSD: %s is chosen from the language menu by its own name, and the menu follows', async (locale, name, number) => {
    const phone = new UssdPhone(app, number);
    let screen = await phone.dial();
    while (!screen.includes(name)) screen = await phone.press('98');
    const menu = await phone.press(optionNumber(screen, name));
    expect(await localeOf(`tel:${number}`)).toBe(locale);
    expect(menu).toContain(t(locale, 'menu.browse'));
    // Services: the categories in the locale, or (none translated) in Filipino, never English.
    const categories = await phone.press(optionNumber(menu, t(locale, 'menu.browse')));
    expect(categories).toContain('Kapakanang panlipunan');
  });

  it('USSD: Maguindanaon shows its drafts, Tausug shows Filipino in their place', async () => {
    expect(t('mdh', 'menu.help')).toBe('Tabang');
    expect(t('tsg', 'menu.help')).toBe(t('fil', 'menu.help'));
  });

  it('SMS: LANG with the language\'s English or own name switches to it, and a shown draft keyword works', async () => {
    const phone = new TwilioPhone(app, '+639181239310');
    const tausug = await phone.send('LANG Tausug');
    expect(await localeOf('tel:+639181239310')).toBe('tsg');
    expect(tausug).toContain(t('fil', 'menu.browse'));
    await phone.send('LANG Magindanawn');
    expect(await localeOf('tel:+639181239310')).toBe('mdh');
    // TABANG (Maguindanaon, a shown draft) is HELP, answered in Maguindanaon.
    expect(await phone.send('tabang')).toContain(t('mdh', 'sms:help'));
    expect(t('mdh', 'sms:help')).toMatch(/^Manga text/);
  });

  it('SMS: a hidden draft keyword is no keyword: Tausug HUNUNG does not opt a phone out', async () => {
    const phone = new TwilioPhone(app, '+639181239311');
    await phone.send('LANG tsg');
    await phone.send('HUNUNG');
    const [row] = await context.db.query<{ opted_out: boolean }>(`SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = 'tel:+639181239311'`);
    expect(row.opted_out).toBe(false);
  });
});

describe('a BARMM deployment offering its own languages (LANGUAGES=en,fil,mdh,mrw,tsg)', () => {
  let context: AppContext;
  let app: Express;
  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined), { LANGUAGES: 'en,fil,mdh,mrw,tsg' }));
  });
  afterAll(async () => {
    await context.close();
  });

  it('is read from LANGUAGES, all six by default, and a code that is not a locale is refused by name', () => {
    expect(loadConfig({}).LANGUAGES).toEqual(['en', 'fil', 'bn', 'mdh', 'mrw', 'tsg']);
    expect(loadConfig({ LANGUAGES: ' en, tsg ' }).LANGUAGES).toEqual(['en', 'tsg']);
    expect(() => loadConfig({ LANGUAGES: 'en,sama' })).toThrow(/LANGUAGES.*must be language codes separated by commas/);
  });

  it('shows the language menu on one GSM-7 USSD page, in the order given, without Bangla', async () => {
    const screen = await new UssdPhone(app, '+639171239320').dial();
    expect(screen).toBe('CON Choose your language\n1 English\n2 Filipino\n3 Magindanawn\n4 Meranaw\n5 Bahasa Sug\n0 Back');
  });
});

describe('the region languages on Telegram', () => {
  let context: AppContext;
  let fake: FakeBotApi;
  let user: TelegramUser;

  beforeAll(async () => {
    let app;
    ({ context, app, fake } = await startWithTelegram(await PgliteDatabase.open(undefined)));
    user = new TelegramUser(app, context, fake, 5_550_900_001, 'tl');
  });
  afterAll(async () => {
    await context.close();
    await fake.close();
  });

  it('offers each as a button by its own name, and the menu follows the choice', async () => {
    await user.send('/start');
    expect(user.buttons.slice(0, 6)).toEqual(['English', 'Filipino', 'বাংলা', 'Magindanawn', 'Meranaw', 'Bahasa Sug']);
    await user.press('Meranaw');
    expect(user.buttons).toEqual(expect.arrayContaining([t('mrw', 'menu.browse'), t('mrw', 'menu.help')]));
    expect(user.buttons).toContain('Tabang');
  });
});
