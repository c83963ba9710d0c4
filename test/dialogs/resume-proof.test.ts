import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import { paginate } from '../../src/text/pages';
import type { Database } from '../../src/store/sql';
import { UssdPhone, optionNumber, switchableDatabase, type SwitchableDatabase } from '../support/app';
import { recordFigure } from '../support/figures';
import { codesSentTo, stacks, startForged } from './support';

/**
 * Issue 12: a new dial from a victim's number resumed their half-filled form, answers shown,
 * and could submit it. Now, in a new network session over USSD, the form is offered back but
 * its review hides the earlier answers, and it cannot be submitted until they are shown by a
 * code texted to the phone, or typed again. The same session, or a channel that proves the
 * address (SMS after an idle pause), shows them as before.
 */
const layout = (screen: Parameters<typeof paginate>[0]) => paginate(screen, { gsm7: 182, ucs2: 80 });
const NAME = 'Rahima Sultan';

describe.each(stacks())('a form taken up again in a new session, on $name', (stack) => {
  let db: SwitchableDatabase;
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    db = switchableDatabase(await stack.database.open());
    ({ context, app } = await startForged(db, stack.store()));
  });
  afterAll(async () => {
    await context.close();
  });

  const filed = async (number: string) =>
    db.query<{ answers: Record<string, string> }>('SELECT r.answers FROM requests r JOIN citizen_addresses a ON a.citizen_id = r.citizen_id WHERE a.address = $1', [`tel:${number}`]);

  /** The citizen fills the whole form and reaches the review; then the dial drops. */
  async function leftAtReview(number: string): Promise<void> {
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
    await context.citizens.setLocale(citizen.id, 'en');
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.walk('1', '1', '1', '1', NAME, '4');
    const review = await phone.press(optionNumber(phone.last, 'Medical'));
    // In the session that gave them, the answers are shown, as always.
    expect(review).toContain(`Full name: ${NAME}`);
  }

  /** A new dial that says yes to "continue your request?". */
  async function resume(phone: UssdPhone): Promise<string> {
    expect(await phone.dial()).toMatch(/^CON You have an unfinished request for Crisis assistance \(AICS\)\. Continue it\?/);
    return phone.press('1');
  }

  it('hides the answers from a forger who resumes from a new session, offers no Submit, and files nothing without the code', async () => {
    const number = '+639177420101';
    await leftAtReview(number);
    const forger = new UssdPhone(app, number);
    const review = await resume(forger);
    expect(review).toBe(
      'CON Answers from an earlier call are hidden.\nFull name: (hidden)\nHousehold size: (hidden)\nHelp needed: (hidden)\n1 Show answers (SMS code)\n2 Change answers\n0 Back',
    );
    expect(() => optionNumber(review, 'Submit')).toThrow();
    // "1" was Submit on the citizen's screen: now it asks for the code the forger does not have.
    expect(await forger.press('1')).toBe('CON We sent a code by SMS to this phone. Type it here:\n0 Back');
    for (const guess of ['000000', '999999']) expect(await forger.press(guess)).toMatch(/^CON That code is not right\./);
    expect(await forger.press('0')).toMatch(/^CON Answers from an earlier call are hidden\./);
    // Going back through the questions shows nothing either.
    expect(await forger.press('0')).toMatch(/^CON Question 3 of 3\n/);
    expect(forger.last).not.toContain(NAME);
    expect(await filed(number)).toEqual([]);
    expect(await codesSentTo(context, number)).toHaveLength(1);
  });

  it('shows them, and files the form, for the citizen who types the code texted to the phone', async () => {
    const number = '+639177420102';
    await leftAtReview(number);
    const phone = new UssdPhone(app, number);
    await resume(phone);
    await phone.press(optionNumber(phone.last, 'Show answers'));
    const [code] = await codesSentTo(context, number);
    const review = await phone.press(code);
    expect(review).toBe(`CON Please check your answers:\nFull name: ${NAME}\nHousehold size: 4\nHelp needed: Medical\n1 Submit\n2 Change answers\n0 Back`);
    expect(await phone.press('1')).toMatch(/^END Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\./);
    expect((await filed(number)).map((row) => row.answers.full_name)).toEqual([NAME]);
  });

  it('files it without a code once every answer is typed again in the new session', async () => {
    const number = '+639177420103';
    await leftAtReview(number);
    const phone = new UssdPhone(app, number);
    await resume(phone);
    await phone.press(optionNumber(phone.last, 'Change answers'));
    await phone.walk('Nur Hassan', '5');
    const review = await phone.press(optionNumber(phone.last, 'Food'));
    expect(review).toMatch(/^CON Please check your answers:\nFull name: Nur Hassan\n/);
    expect(await phone.press(optionNumber(review, 'Submit'))).toMatch(/^END Request for /);
    expect((await filed(number)).map((row) => row.answers.full_name)).toEqual(['Nur Hassan']);
    expect(await codesSentTo(context, number)).toEqual([]);
  });

  it('shows what was answered in this session and hides only the rest, when the form was cut off half-way', async () => {
    const number = '+639177420104';
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
    await context.citizens.setLocale(citizen.id, 'en');
    const first = new UssdPhone(app, number);
    await first.dial();
    await first.walk('1', '1', '1', '1', NAME);
    const forger = new UssdPhone(app, number);
    expect(await resume(forger)).toMatch(/^CON Question 2 of 3\n/);
    await forger.press('6');
    const review = await forger.press(optionNumber(forger.last, 'Medical'));
    expect(review).toMatch(/^CON Answers from an earlier call are hidden\.\nFull name: \(hidden\)\nHousehold size: 6\n/);
    expect(() => optionNumber(review, 'Submit')).toThrow();
    expect(await filed(number)).toEqual([]);
    recordFigure(12, `forged resumes of a half-filled form (${stack.name})`, 'earlier answers hidden on every screen; no Submit without the SMS code or retyping; 0 filed');
  });

  it('lets answers whose Submit failed be sent again from a new session, still hidden: the citizen already confirmed them', async () => {
    const number = '+639177420106';
    await leftAtReview(number);
    // The citizen presses Submit in their session; the save fails.
    const phone = new UssdPhone(app, number);
    db.refuse = /INSERT INTO requests/;
    try {
      await resume(phone);
      await phone.press(optionNumber(phone.last, 'Change answers'));
      await phone.walk(NAME, '4');
      await phone.press(optionNumber(phone.last, 'Medical'));
      expect(await phone.press(optionNumber(phone.last, 'Submit'))).toMatch(/^END Sorry, we could not save your request\./);
    } finally {
      db.refuse = undefined;
    }
    const again = new UssdPhone(app, number);
    const review = await resume(again);
    expect(review).toMatch(/^CON Answers from an earlier call are hidden\.\nFull name: \(hidden\)\n.*\n.*\n1 Submit\n2 Show answers \(SMS code\)\n3 Change answers\n0 Back$/);
    expect(review).not.toContain(NAME);
    expect(await again.press('1')).toMatch(/^END Request for Crisis assistance \(AICS\) received\./);
    expect((await filed(number)).map((row) => row.answers.full_name)).toEqual([NAME]);
  });

  it('shows the answers as before after an idle pause on SMS, whose network proves the sender', async () => {
    const number = '+639177420105';
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'sms');
    await context.citizens.setLocale(citizen.id, 'en');
    const inbound = { channel: 'sms', address: `tel:${number}`, idleTimeout: 1, proven: true };
    await context.engine.turn({ ...inbound, text: 'MENU', start: { dialog: 'apply', params: { service: 'mssd-aics' } } }, layout);
    await context.engine.turn({ ...inbound, text: NAME }, layout);
    await context.engine.turn({ ...inbound, text: '4' }, layout);
    await context.engine.turn({ ...inbound, text: '1' }, layout);
    // The test's clock stands still: make the conversation idle by dating its last input back.
    const key = `dialog:tel:${number}`;
    const record = JSON.parse((await context.store.get(key)) ?? '{}');
    await context.store.set(key, JSON.stringify({ ...record, at: record.at - 5_000 }), 600);
    expect((await context.engine.turn({ ...inbound, text: 'hello' }, layout)).text).toMatch(/^You have an unfinished request/);
    expect((await context.engine.turn({ ...inbound, text: '1' }, layout)).text).toContain(`Full name: ${NAME}`);
  });
});
