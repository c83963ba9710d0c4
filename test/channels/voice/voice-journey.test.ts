import type { Express } from 'express';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod } from '../../support/app';
import { databaseBackends, ephemeralBackends } from '../../support/stores';
import { TwilioPhone } from '../sms/support';
import { TwilioCall, VOICE_ENV } from './support';

const pairs = databaseBackends().flatMap((records) => ephemeralBackends().map((ephemeral) => ({ name: `${records.name} + ${ephemeral.name}`, records, ephemeral })));

/** Whole calls through the voice webhooks, over real HTTP with Twilio-signed requests, on every store pair. */
describe.each(pairs)('a call to the voice line, on $name', ({ records, ephemeral }) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let serial = 0;
  /** A number of its own per test, in a served country. */
  const number = () => `+6391766${String(process.pid % 1000).padStart(3, '0')}${String(++serial).padStart(2, '0')}`;

  beforeAll(async () => {
    db = await records.open();
    ({ context, app } = await startLingkod(db, VOICE_ENV, { store: ephemeral.open() }));
  });
  afterAll(async () => {
    await context.close();
  });

  it('chooses a language, browses, applies with keypad answers only, and checks the status by reference on a new call', async () => {
    const phone = number();
    const call = new TwilioCall(app, phone);
    const language = await call.start();
    expect(language.said[0]).toBe('Welcome to Lingkod. To hear a message again, press star.');
    expect(language.said).toContain('Choose your language');
    // Each language is offered in its own words and voice, so a caller hears theirs before choosing it.
    expect(language.said).toEqual(expect.arrayContaining(['Press 1 for English.', 'Pindutin ang 2 para sa Filipino.', 'বাংলা এর জন্য 3 চাপুন।']));
    expect(language.languages[language.said.indexOf('বাংলা এর জন্য 3 চাপুন।')]).toBe('bn-IN');
    expect(language.languages[language.said.indexOf('Pindutin ang 2 para sa Filipino.')]).toBe('fil-PH');
    // One key answers a menu of fewer than ten entries: no waiting for `#`.
    expect(language.numDigits).toBe('1');
    const menu = await call.choose('English');
    expect(menu.said[0]).toBe('Lingkod - government services');
    expect(menu.said).toContain('Press 1 for Services.');
    expect(menu.languages.every((language) => language === 'en-US')).toBe(true);
    await call.choose('Services');
    await call.choose('Farming and fisheries');
    const service = await call.choose('Seeds and fertilizer support');
    expect(service.said.join(' ')).toContain('Bring');
    let step = await call.choose('Apply now');
    expect(step.said.join(' ')).toContain('Crop');
    step = await call.choose('Rice');
    expect(step.said).toContain('Enter the number on your keypad, then press hash.');
    expect(step.numDigits).toBeUndefined();
    const review = await call.press('2500#');
    expect(review.said.join(' ')).toContain('2500');
    const done = await call.choose('Submit');
    expect(done.hangup).toBe(true);
    const reference = /(\d{4}-\d{4}-\d{3})/.exec(done.said.join(' '))?.[1];
    expect(reference).toBeDefined();
    const [row] = await db.query<{ channel: string; answers: Record<string, string> }>('SELECT channel, answers FROM requests WHERE reference = $1', [reference!.replace(/-/g, '')]);
    expect(row).toEqual({ channel: 'voice', answers: { crop: 'rice', farm_area: '2500' } });

    const again = new TwilioCall(app, phone);
    const home = await again.start();
    expect(home.said.slice(0, 2)).toEqual(['Welcome to Lingkod. To hear a message again, press star.', 'Lingkod - government services']);
    await again.choose('Check a status');
    const found = await again.press(`${reference!.replace(/-/g, '')}#`);
    expect(found.said.join(' ')).toContain('Seeds and fertilizer support');
    expect(found.said.join(' ')).toContain('Received');
  });

  it('repeats the prompt on `*`, goes back on `0`, and after silence repeats once, then says goodbye', async () => {
    const call = new TwilioCall(app, number());
    await call.start();
    const menu = await call.choose('English');
    const repeated = await call.press('*');
    expect(repeated.said).toEqual(menu.said);
    const categories = await call.choose('Services');
    expect(categories.said).toContain('To go back, press 0.');
    expect((await call.press('0')).said[0]).toBe('Lingkod - government services');
    const first = await call.silence();
    expect(first.said[0]).toBe('Sorry, we did not hear a key.');
    expect(first.said.slice(1)).toEqual(menu.said);
    const second = await call.silence();
    expect(second.said).toEqual(['We did not hear a key. Please call again. Goodbye.']);
    expect(second.hangup).toBe(true);
  });

  it('speaks Filipino and Bangla in their own text-to-speech voices', async () => {
    const call = new TwilioCall(app, number());
    await call.start();
    const filipino = await call.choose('Filipino');
    expect(filipino.said).toContain('Pindutin ang 1 para sa Mga serbisyo.');
    expect(filipino.languages.every((language) => language === 'fil-PH')).toBe(true);
    expect(filipino.xml).toContain('voice="Google.fil-PH-Standard-A"');
    await call.choose('Wika');
    const bangla = await call.choose('বাংলা');
    expect(bangla.languages.every((language) => language === 'bn-IN')).toBe(true);
    expect(bangla.said.join(' ')).toContain('চাপুন');
  });

  it('texts a question that needs letters and ends the call; the SMS reply continues the same form', async () => {
    const phone = number();
    const call = new TwilioCall(app, phone);
    await call.start();
    await call.choose('English');
    await call.choose('Services');
    await call.choose('Social welfare');
    await call.choose('Crisis assistance');
    const texted = await call.choose('Apply now');
    expect(texted.said.join(' ')).toContain('We have sent you a text message: reply to it to finish. Goodbye.');
    expect(texted.hangup).toBe(true);
    const [sms] = await db.query<{ body: string; channel: string }>("SELECT body, channel FROM outbox WHERE address = $1 AND channel = 'sms'", [`tel:${phone}`]);
    expect(sms.body).toMatch(/^Question 1 of 3\n/);
    // The citizen answers by SMS: the form goes on where the call left it.
    const next = await new TwilioPhone(app, phone).send('Amina Datu');
    expect(next).toMatch(/^Question 2 of 3\n/);
  });
});
