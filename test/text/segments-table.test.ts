import type { Express } from 'express';
import { SUPPORTED_LOCALES } from '../../src/config';
import { smsSize, type SmsSize } from '../../src/text/segments';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, TwilioPhone } from '../channels/sms/support';

/**
 * Which screens stay GSM-7, and how many SMS parts each costs, per locale: the replies a
 * citizen actually gets on the way from the main menu to a submitted request (and a few
 * keyword answers), measured on the real conversation and printed as a table.
 */
const SEARCH_WORD: Record<string, string> = { en: 'certificate', fil: 'bakuna', bn: 'টিকা' };
const MAX_SEGMENTS = 3;

describe('SMS encoding and parts of each screen, per locale', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context, app } = await startLingkod(db, { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '1000', SMS_MAX_SEGMENTS: String(MAX_SEGMENTS) }));
  });
  afterAll(async () => {
    await context.close();
  });

  /** Walks one citizen through the journey in `locale`; returns each screen's reply by name. */
  async function journey(locale: string, number: string): Promise<[string, string][]> {
    const phone = new TwilioPhone(app, number);
    const screens: [string, string][] = [];
    const step = async (name: string, text: string) => {
      const reply = await phone.send(text);
      screens.push([name, reply]);
      return reply;
    };
    await step('language choice', 'Hello');
    await step('main menu', `LANG ${locale}`);
    await step('categories', '1');
    await step('services of a category', '1');
    await step('service detail', '1');
    await step('form question', '1');
    await phone.walk('Amina Datu', '5');
    await step('review', '1');
    const submitted = await step('submitted', '1');
    const reference = /(\d{4}-\d{4}-\d{3})/.exec(submitted)?.[1] ?? '';
    await step('status by reference', `STATUS ${reference}`);
    await step('search results', `INFO ${SEARCH_WORD[locale]}`);
    await step('help', 'HELP');
    await step('opt-out confirmation', 'STOP');
    return screens;
  }

  it('keeps English and Filipino in GSM-7 and every reply within SMS_MAX_SEGMENTS, Bangla in UCS-2', async () => {
    const measured = new Map<string, Map<string, SmsSize & { pages: boolean }>>();
    for (const [index, locale] of SUPPORTED_LOCALES.entries()) {
      for (const [name, reply] of await journey(locale, `+6391900000${index}`)) {
        if (!measured.has(name)) measured.set(name, new Map());
        measured.get(name)!.set(locale, { ...smsSize(reply), pages: reply.includes('\n98 ') });
      }
    }

    const cell = (size: SmsSize & { pages: boolean }) => `${size.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'} ${size.units} ch, ${size.segments} SMS${size.pages ? ' (98 More)' : ''}`;
    const rows = [...measured].map(([name, byLocale]) => [name, ...SUPPORTED_LOCALES.map((locale) => cell(byLocale.get(locale)!))]);
    const header = ['screen', ...SUPPORTED_LOCALES];
    const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
    const line = (row: string[]) => `| ${row.map((text, column) => text.padEnd(widths[column])).join(' | ')} |`;
    process.stdout.write(`\n${[line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')}\n\n`);

    for (const [name, byLocale] of measured) {
      for (const [locale, size] of byLocale) {
        expect({ name, locale, segments: size.segments <= MAX_SEGMENTS }).toEqual({ name, locale, segments: true });
        // The language choice names বাংলা in its own script, so it is UCS-2 in every locale.
        const expected = locale === 'bn' || name === 'language choice' ? 'ucs2' : 'gsm7';
        expect({ name, locale, encoding: size.encoding }).toEqual({ name, locale, encoding: expected });
      }
    }
    expect([...measured.keys()]).toEqual([
      'language choice', 'main menu', 'categories', 'services of a category', 'service detail', 'form question', 'review', 'submitted',
      'status by reference', 'search results', 'help', 'opt-out confirmation',
    ]);
  });
});
