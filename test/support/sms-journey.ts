import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { optionNumber, startLingkod } from './app';
import { databaseBackends, ephemeralBackends } from './stores';

/** A phone texting Lingkod through one SMS provider, over real HTTP: the reply to each text ('' for none). */
export interface SmsDriver {
  send(text: string): Promise<string>;
}

/** Builds a provider's test phone for `phoneNumber` (E.164 with +) on a running instance. */
export type SmsDriverFactory = (lingkod: { app: Express; context: AppContext }, phoneNumber: string) => SmsDriver | Promise<SmsDriver>;

/**
 * The journey every SMS provider passes (issue 14): HELP, the language and MENU, a request
 * through its form, STATUS with its reference, STOP and START, and LANG, on every records backend
 * (PGlite; PostgreSQL when reachable) with every ephemeral store (memory; Redis when reachable).
 * `env` turns the provider on (its API URL, pointing at a loopback fake, and credentials);
 * `number` is the phone the journey texts from (a country the deployment serves).
 */
export function smsJourney(provider: string, phone: SmsDriverFactory, env: () => Record<string, string>, number = '+639175560001'): void {
  const pairs = databaseBackends().flatMap((records) => ephemeralBackends().map((ephemeral) => ({ name: `${records.name} + ${ephemeral.name}`, records, ephemeral })));
  describe.each(pairs)(`the SMS journey through ${provider}, on $name`, ({ records, ephemeral }) => {
    let db: Database;
    let lingkod: { app: Express; context: AppContext };

    beforeAll(async () => {
      db = await records.open();
      // The journey is some twenty texts in a few seconds: past the default SMS_REPLIES_PER_MINUTE (10).
      lingkod = await startLingkod(db, { SMS_REPLIES_PER_MINUTE: '100', ...env() }, { store: ephemeral.open() });
    });
    afterAll(async () => {
      await lingkod.context.close();
    });

    it('answers HELP, MENU, a request through its form, STATUS, STOP and START, and LANG', async () => {
      const texter = await phone(lingkod, number);
      expect(await texter.send('HELP')).toContain('MENU');
      const language = await texter.send('MENU');
      const menu = language.startsWith('Choose your language') ? await texter.send(optionNumber(language, 'English')) : language;
      expect(menu).toMatch(/^Lingkod - government services\n1 Services/);
      await texter.send(optionNumber(menu, 'Services'));
      const services = await texter.send('1');
      const service = await texter.send(optionNumber(services, 'Crisis assistance'));
      expect(await texter.send(optionNumber(service, 'Apply now'))).toMatch(/^Question 1 of 3\n/);
      await texter.send('Amina Datu');
      const need = await texter.send('5');
      const review = await texter.send(optionNumber(need, 'Medical'));
      expect(review).toContain('Full name: Amina Datu');
      const done = await texter.send(optionNumber(review, 'Submit'));
      const reference = /(\d{4}-\d{4}-\d{3})/.exec(done)?.[1];
      expect(reference).toBeDefined();
      const [row] = await db.query<{ channel: string; status: string }>('SELECT channel, status FROM requests WHERE reference = $1', [reference!.replace(/-/g, '')]);
      expect(row).toEqual({ channel: 'sms', status: 'received' });

      const status = await texter.send(`STATUS ${reference}`);
      expect(status).toContain('Crisis assistance');
      expect(status).toContain('Received');

      expect(await texter.send('STOP')).toBe('You will get no more announcements. You can still text us. Reply START to get them again.');
      const [stopped] = await db.query<{ opted_out: boolean }>('SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [`tel:${number}`]);
      expect(stopped.opted_out).toBe(true);
      expect(await texter.send('START')).toMatch(/^Announcements are on again\.\nLingkod - government services\n/);

      expect(await texter.send('LANG Filipino')).toMatch(/^Lingkod - serbisyo ng gobyerno\n/);
      const [chosen] = await db.query<{ locale: string }>('SELECT c.locale FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [`tel:${number}`]);
      expect(chosen.locale).toBe('fil');
    });
  });
}
