import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { TODAY, UssdPhone, optionNumber, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/**
 * A USSD session's idle and total limits (USSD_SESSION_IDLE_SECONDS, USSD_SESSION_MAX_SECONDS):
 * gateways that keep the path on our side may send the same session id for as long as they
 * like; past either limit the next hop starts over, as a new dial would, and a form in progress
 * is offered back rather than lost.
 */
describe.each(databaseBackends())('USSD session limits, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let clock = TODAY.getTime();

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app } = await startLingkod(db, { USSD_SESSION_IDLE_SECONDS: '60', USSD_SESSION_MAX_SECONDS: '300' }, { now: () => new Date(clock) }));
  });
  afterAll(async () => {
    await context.close();
  });

  /** A caller part-way through the Crisis assistance form, in English. */
  async function inForm(number: string): Promise<UssdPhone> {
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    await phone.walk('1', '1', '1', '1', 'Farida Ali');
    expect(phone.last).toContain('Question 2 of 3');
    return phone;
  }

  it('keeps a session whose hops come within the idle limit', async () => {
    const phone = await inForm('+639171239001');
    clock += 59_000;
    expect(await phone.press('4')).toContain('Question 3 of 3');
  });

  it('starts a session idle past its limit over, offering the form back', async () => {
    const phone = await inForm('+639171239002');
    clock += 61_000;
    expect(await phone.press('4')).toMatch(/^CON You have an unfinished request for Crisis assistance \(AICS\)\. Continue it\?/);
    expect(await phone.press('1')).toContain('Question 2 of 3');
  });

  it('starts a session older than its total limit over, however busy it was', async () => {
    const phone = new UssdPhone(app, '+639171239003');
    await phone.dial();
    const menu = await phone.press(optionNumber(phone.last, 'English'));
    const categories = await phone.press(optionNumber(menu, 'Services'));
    for (let round = 0; round < 3; round++) {
      clock += 50_000;
      expect(await phone.press('0')).toBe(menu);
      clock += 50_000;
      expect(await phone.press(optionNumber(menu, 'Services'))).toBe(categories);
    }
    // 300 s after the dial and never idle: the next hop is a fresh session, at the menu.
    clock += 50_000;
    expect(await phone.press('1')).toBe(menu);
  });
});
