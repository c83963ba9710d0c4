import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import { SUPPORTED_LOCALES } from '../../src/config';
import { createI18n, translate } from '../../src/i18n';
import { pick } from '../../src/services/localized';
import { PgliteDatabase } from '../../src/store/pglite';
import { UssdPhone, startLingkod } from '../support/app';

/**
 * Hops of the main journey over USSD at the default limits (182 GSM-7 / 80 UCS-2), per locale:
 * dial, choose the language, Services, a category, a service, Apply, three answers, Submit.
 * Counted as a citizen walks it: every request the gateway sends is a hop (the dial, each
 * `98 More`, each choice or answer). On a screen of options the citizen presses `98` until the
 * option they want is on the page; on a question they read it to its last page, then answer.
 * The journey is the same in every language (Crisis assistance (AICS): full name, household
 * size, help needed); the final screen must show the reference.
 */
const i18n = createI18n('en');
const t = (locale: string, key: string) => translate(i18n, locale, { key });

describe('hops of the main USSD journey in every locale', () => {
  let context: AppContext;
  let app: Express;
  const hops: Record<string, number> = {};

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined)));
  });
  afterAll(async () => {
    await context.close();
  });

  async function journey(locale: string, phoneNumber: string): Promise<{ count: number; last: string }> {
    const phone = new UssdPhone(app, phoneNumber);
    let count = 0;
    const press = async (input: string) => {
      count++;
      return phone.press(input);
    };
    const screen = () => phone.last.replace(/^(CON|END) /, '');
    const more = () => screen().split('\n').some((line) => line === `98 ${t(locale, 'nav.more')}` || line === `98 ${t('en', 'nav.more')}`);
    /** Presses 98 until an option labelled `label` is on the page, then presses it. */
    const choose = async (label: string) => {
      for (;;) {
        const line = screen().split('\n').find((candidate) => new RegExp(`^\\d+ ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(candidate));
        if (line) return press(line.split(' ')[0]);
        if (!more()) throw new Error(`${locale}: no option "${label}" on the last page:\n${screen()}`);
        await press('98');
      }
    };
    /** Reads a question to its last page, then answers. */
    const answer = async (value: string) => {
      while (more()) await press('98');
      return press(value);
    };

    count++;
    await phone.dial();
    await choose(t(locale, `language.name_${locale}`));
    await choose(t(locale, 'menu.browse'));
    const catalog = context.catalog;
    const category = (await catalog.categories()).find((c) => c.code === 'social-welfare')!;
    await choose(pick(category.name, locale));
    const service = (await catalog.servicesIn('social-welfare')).find((s) => s.code === 'mssd-aics')!;
    await choose(pick(service.name, locale));
    await choose(t(locale, 'browse.apply'));
    await answer('Juan dela Cruz');
    await answer('4');
    const detail = (await catalog.service('mssd-aics'))!;
    const need = detail.form!.find((field) => field.key === 'need')!;
    if (need.type !== 'choice') throw new Error('need is a choice');
    await choose(pick(need.options[0].label, locale));
    await choose(t(locale, 'apply.confirm'));
    return { count, last: phone.last };
  }

  it.each(SUPPORTED_LOCALES.map((locale, index) => [locale, `+63917123${String(9200 + index)}`]))('walks the journey in %s', async (locale, phoneNumber) => {
    const { count, last } = await journey(locale, phoneNumber);
    hops[locale] = count;
    // The session ends on the screen with the reference (an END screen is never paged).
    expect(last.startsWith('END ')).toBe(true);
    expect(last).toMatch(/\d{4}-\d{4}-\d{3}/);
  });

  it('takes every locale within 2 hops of English', () => {
    // Printed for the record (the figures in the README and the note).
    process.stdout.write(`USSD main journey hops: ${JSON.stringify(hops)}\n`);
    for (const locale of SUPPORTED_LOCALES) expect(hops[locale] - hops.en).toBeLessThanOrEqual(2);
  });
});
