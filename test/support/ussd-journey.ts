import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { optionNumber, startLingkod } from './app';
import { databaseBackends, ephemeralBackends } from './stores';

/** A USSD screen as a test phone sees it, whatever the gateway's wire format. */
export interface UssdScreen {
  text: string;
  /** The gateway was told to end the session. */
  final: boolean;
}

/** A feature phone dialling through one gateway family, hop by hop over real HTTP. */
export interface UssdDriver {
  /** A new session (the dial itself). */
  dial(): Promise<UssdScreen>;
  /** Types `input` and presses send. */
  press(input: string): Promise<UssdScreen>;
}

/** Builds a family's test phone for `phoneNumber` (E.164 with +) on a running instance. */
export type DriverFactory = (lingkod: { app: Express; context: AppContext }, phoneNumber: string) => UssdDriver;

/** The number of the option with `label` on a screen (`optionNumber` of test/support/app.ts, on its text). */
export const optionOn = (screen: UssdScreen, label: string): string => optionNumber(screen.text, label);

/**
 * The journey every USSD gateway family passes (issue 13): a first-time caller chooses a
 * language, browses to a service and what to bring, applies through its form, is given a
 * reference, and on a new dial checks that reference's status, on every records backend
 * (PGlite; PostgreSQL when reachable) with every ephemeral store (memory; Redis when reachable).
 * `env` turns the family on (its URL, credentials); USSD_TOKEN is set by startLingkod.
 */
export function ussdJourney(family: string, phone: DriverFactory, env: Record<string, string> = {}): void {
  const pairs = databaseBackends().flatMap((records) => ephemeralBackends().map((ephemeral) => ({ name: `${records.name} + ${ephemeral.name}`, records, ephemeral })));
  describe.each(pairs)(`the USSD journey through ${family}, on $name`, ({ records, ephemeral }) => {
    let db: Database;
    let lingkod: { app: Express; context: AppContext };

    beforeAll(async () => {
      db = await records.open();
      lingkod = await startLingkod(db, env, { store: ephemeral.open() });
    });
    afterAll(async () => {
      await lingkod.context.close();
    });

    it('chooses a language, browses, applies, and checks the status by reference on a new dial', async () => {
      const number = `+6391755${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
      const caller = phone(lingkod, number);
      const first = await caller.dial();
      expect(first).toMatchObject({ final: false, text: expect.stringMatching(/^Choose your language/) });
      const menu = await caller.press(optionOn(first, 'English'));
      expect(menu.text).toMatch(/^Lingkod - government services\n/);
      const categories = await caller.press(optionOn(menu, 'Services'));
      const services = await caller.press(optionOn(categories, 'Social welfare'));
      const service = await caller.press(optionOn(services, 'Crisis assistance'));
      expect(service.text).toMatch(/Bring: /);
      let screen = await caller.press(optionOn(service, 'Apply now'));
      expect(screen.text).toContain('Question 1 of 3');
      screen = await caller.press('Amina Datu');
      screen = await caller.press('5');
      screen = await caller.press(optionOn(screen, 'Medical'));
      expect(screen.text).toContain('Full name: Amina Datu');
      const done = await caller.press(optionOn(screen, 'Submit'));
      expect(done.final).toBe(true);
      const reference = /(\d{4}-\d{4}-\d{3})/.exec(done.text)?.[1];
      expect(reference).toBeDefined();
      const [row] = await db.query<{ channel: string; status: string }>('SELECT channel, status FROM requests WHERE reference = $1', [reference!.replace(/-/g, '')]);
      expect(row).toEqual({ channel: 'ussd', status: 'received' });

      const again = phone(lingkod, number);
      const home = await again.dial();
      expect(home.text).toMatch(/^Lingkod - government services\n/);
      const status = await again.press(optionOn(home, 'Check a status'));
      const found = await again.press(reference!);
      expect(found.text).toContain('Crisis assistance');
      expect(found.text).toContain('Received');
    });
  });
}
