import type { Express } from 'express';
import type { AppContext } from '../../../src/context';
import { hasValidCheckDigit } from '../../../src/services/reference';
import type { Database } from '../../../src/store/sql';
import { LogCapture, TODAY, startLingkod } from '../../support/app';
import { databaseBackends, ephemeralBackends, keepOpen } from '../../support/stores';
import { TWILIO_ENV, TwilioPhone, messageSid, optionIn } from './support';

/**
 * The SMS conversation both providers share, driven through Twilio's webhook (whose reply
 * comes back in the same response): the dialogs laid out as SMS, keywords in every language,
 * opt-out, de-duplication, floods and allowed countries.
 */
const referenceIn = (reply: string) => /(\d{4}-\d{4}-\d{3})/.exec(reply)?.[1] ?? '';

describe.each(databaseBackends())('an SMS conversation, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let now = TODAY.getTime();

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db, { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '1000' }, { now: () => new Date(now) }));
  });
  afterAll(async () => {
    await context.close();
  });

  /** A phone that has chosen English, so it starts at the main menu. */
  async function englishPhone(number: string): Promise<TwilioPhone> {
    const phone = new TwilioPhone(app, number);
    await phone.send('LANG en');
    return phone;
  }

  async function citizenOf(number: string): Promise<{ opted_out: boolean; opted_out_at: Date | null; locale: string | null } | undefined> {
    const [row] = await db.query<{ opted_out: boolean; opted_out_at: Date | null; locale: string | null }>(
      `SELECT c.opted_out, c.opted_out_at, c.locale FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1`,
      [`tel:${number}`],
    );
    return row;
  }

  it('greets a first text with the language choice, numbered, with a reply-with-a-number hint', async () => {
    const phone = new TwilioPhone(app, '+639180000001');
    expect(await phone.send('Hello')).toBe('Choose your language\n1 English\n2 Filipino\n3 বাংলা\n4 Magindanawn\n5 Meranaw\n6 Bahasa Sug\n0 Back\nReply with a number.');
    const menu = await phone.send('1');
    expect(menu).toMatch(/^Lingkod - government services\n1 Services\n/);
    expect(menu).toMatch(/\nReply with a number\.$/);
    const [row] = await db.query<{ channel: string }>(`SELECT channel FROM citizen_addresses WHERE address = 'tel:+639180000001'`);
    expect(row.channel).toBe('sms');
  });

  it('browses and submits a request by SMS, with a reference that passes its check digit', async () => {
    const phone = await englishPhone('+639180000002');
    await phone.send(optionIn(phone.replies.at(-1)!, 'Services'));
    await phone.send(optionIn(phone.replies.at(-1)!, 'Social welfare'));
    const detail = await phone.send(optionIn(phone.replies.at(-1)!, 'Crisis assistance'));
    expect(detail).toMatch(/\n1 Apply now\n2 Citizen's Charter\nBring: .+\nFee: .+\nWhere: .+\nTakes: .+\n0 Back\nReply with a number\.$/);
    expect(await phone.send('1')).toMatch(/^Question 1 of 3\n/);
    await phone.send('Amina Datu');
    await phone.send('5');
    const review = await phone.send(optionIn(phone.replies.at(-1)!, 'Medical'));
    expect(review).toContain('Full name: Amina Datu');
    const done = await phone.send(optionIn(review, 'Submit'));
    expect(done).toMatch(/^Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\.\nKeep it to check the status\.\nReply MENU for more\.$/);
    expect(hasValidCheckDigit(referenceIn(done).replace(/-/g, ''))).toBe(true);
    const [request] = await db.query<{ channel: string }>('SELECT channel FROM requests WHERE reference = $1', [referenceIn(done).replace(/-/g, '')]);
    expect(request.channel).toBe('sms');
  });

  it('obeys MENU and HELP in the middle of a form, in any case and with stray spaces', async () => {
    const phone = await englishPhone('+639180000003');
    await phone.walk('1', '1', '1', '1');
    expect(phone.replies.at(-1)).toMatch(/^Question 1 of 3/);
    expect(await phone.send('  menu ')).toMatch(/^Lingkod - government services\n/);
    const help = await phone.send('Help.');
    expect(help).toContain('Choose by typing the number.');
    expect(help).toContain('Texts that always work: MENU, STATUS and a reference, INFO and a word, LANG, STOP.');
  });

  it('answers STATUS with a reference at once, and explains a mistyped one', async () => {
    const owner = await englishPhone('+639180000004');
    await owner.walk('1', '1', '1', '1', 'Bai Salma', '3');
    await owner.send(optionIn(owner.replies.at(-1)!, 'Burial'));
    const reference = referenceIn(await owner.send('1'));

    const stranger = new TwilioPhone(app, '+639180000005');
    const result = await stranger.send(`status ${reference}`);
    expect(result).toContain(`Ref ${reference}`);
    expect(result).toContain('Status: Received');
    expect(result).not.toContain('Bai Salma');

    const digits = reference.replace(/-/g, '');
    const mistyped = digits.slice(0, 10) + String((Number(digits[10]) + 1) % 10);
    expect(await stranger.send(`STATUS ${mistyped}`)).toMatch(/^That reference has a mistake\. Please check each digit\.\nType the reference number/);
    expect(await stranger.send('STATUS')).toMatch(/^Type the reference number of the request/);
  });

  it('reads Bangla keywords and digits: ভাষা বাংলা switches to Bangla, ১ picks option 1', async () => {
    const phone = await englishPhone('+639180000006');
    const menu = await phone.send('ভাষা বাংলা');
    expect(menu).toContain('\n1 ');
    expect(menu).toMatch(/একটি নম্বর লিখে উত্তর দিন।$/);
    expect((await citizenOf('+639180000006'))?.locale).toBe('bn');
    const categories = await phone.send('১');
    expect(categories).toMatch(/^সেবার ধরন বেছে নিন\n1 সমাজকল্যাণ/);
    expect(await phone.send('LANG klingon')).toMatch(/^ভাষা বেছে নিন\n1 English/);
    expect(await phone.send('wika fil')).toMatch(/^Lingkod - serbisyo ng gobyerno\n/);
  });

  it('searches services with INFO <word>, in any language, and says so when nothing matches', async () => {
    const phone = await englishPhone('+639180000007');
    const found = await phone.send('INFO certificate');
    expect(found).toMatch(/^Services for certificate\n1 /);
    expect(found).toContain('Health certificate');
    expect(found).toContain('Medical certificate');
    const detail = await phone.send(optionIn(found, 'Health certificate'));
    expect(detail).toMatch(/^Health certificate\nBring: /);
    expect(await phone.send('0')).toBe(found);
    expect(await phone.send('hanap bakuna')).toMatch(/^Services for bakuna\n1 Child immunization/);
    expect(await phone.send('INFO xyzzy')).toBe('No service found for xyzzy.\n1 Main menu\nReply with a number.');
  });

  it('takes a citizen out of announcements with STOP, confirms once, still answers them, and START brings them back', async () => {
    const phone = await englishPhone('+639180000008');
    expect(await phone.send('STOP')).toBe('You will get no more announcements. You can still text us. Reply START to get them again.');
    const stopped = await citizenOf('+639180000008');
    expect(stopped).toMatchObject({ opted_out: true });
    expect(stopped?.opted_out_at).toBeInstanceOf(Date);
    expect(await phone.send('unsubscribe')).toBe('');
    expect(await phone.send('Hinto')).toBe('');
    // Still answered: an opted-out citizen gets replies to what they send.
    expect(await phone.send('MENU')).toMatch(/^Lingkod - government services\n/);
    expect(await phone.send('start')).toMatch(/^Announcements are on again\.\nLingkod - government services\n1 Services/);
    expect(await citizenOf('+639180000008')).toMatchObject({ opted_out: false, opted_out_at: null });
    // START from someone opted in: the menu, without the notice.
    expect(await phone.send('START')).toMatch(/^Lingkod - government services\n/);
  });

  it('handles a message id only once, however often the provider sends it', async () => {
    const phone = await englishPhone('+639180000009');
    const sid = messageSid();
    const first = await phone.send('1', sid);
    expect(first).toMatch(/^Choose a category\n/);
    expect(await phone.send('1', sid)).toBe('');
    const [{ count }] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM inbound_messages WHERE provider_id = $1', [sid]);
    expect(count).toBe(1);
    // The dialog moved once: a fresh "1" now picks the first category.
    expect(await phone.send('1')).toMatch(/^Choose a service\n/);
  });

  it('serves only the allowed countries, and ignores senders that are not phone numbers', async () => {
    const abroad = new TwilioPhone(app, '+12025550123');
    expect(await abroad.send('MENU')).toBe('');
    expect(await citizenOf('+12025550123')).toBeUndefined();
    const bangladesh = new TwilioPhone(app, '+8801712345678');
    expect(await bangladesh.send('MENU')).toMatch(/^Lingkod - government services\n/);
    const operator = new TwilioPhone(app, 'SMART');
    expect(await operator.send('Your load balance is low')).toBe('');
  });

  it('starts afresh after SMS_SESSION_TTL of silence, offering back a form left half-way', async () => {
    const phone = await englishPhone('+639180000010');
    await phone.walk('1', '1');
    expect(phone.replies.at(-1)).toMatch(/^Choose a service\n/);
    now += 16 * 60 * 1000;
    expect(await phone.send('1')).toMatch(/^Lingkod - government services\n/);
    await phone.walk('1', '1', '1', '1', 'Bai Salma');
    now += 16 * 60 * 1000;
    expect(await phone.send('hello')).toMatch(/^You have an unfinished request for Crisis assistance \(AICS\)\. Continue it\?\n1 Yes\n2 No/);
  });

  it('never writes a phone number or a message text to the logs', async () => {
    const secret = 'Juan Secret-Name';
    const phone = await englishPhone('+639180000011');
    await phone.walk('1', '1', '1', '1', secret, 'STOP', 'START');
    const written = logs.lines.join('\n');
    expect(written).not.toContain('9180000011');
    expect(written).not.toContain('Secret-Name');
    expect(written).not.toContain(TWILIO_ENV.TWILIO_AUTH_TOKEN);
  });
});

describe('SMS flood limits', () => {
  // One records store for both counter stores: the counters are what is compared here.
  let db: Database;
  beforeAll(async () => {
    db = await databaseBackends().at(-1)!.open();
  });
  afterAll(async () => {
    await db.close();
  });

  describe.each(ephemeralBackends().map((ephemeral, index) => ({ ...ephemeral, prefix: `+6391800001${index}` })))('counters in $name', (ephemeral) => {
    let context: AppContext;
    let app: Express;

    beforeAll(async () => {
      ({ context, app } = await startLingkod(keepOpen(db), { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '3' }, { store: ephemeral.open() }));
    });
    afterAll(async () => {
      await context.close();
    });

    it('stops answering a number past SMS_REPLIES_PER_MINUTE, while others are still answered', async () => {
      const flooder = new TwilioPhone(app, `${ephemeral.prefix}1`);
      const replies = [];
      for (let i = 0; i < 6; i++) replies.push(await flooder.send('MENU'));
      expect(replies.slice(0, 3).every((reply) => reply.startsWith('Lingkod'))).toBe(true);
      expect(replies.slice(3)).toEqual(['', '', '']);
      expect(await new TwilioPhone(app, `${ephemeral.prefix}2`).send('MENU')).toMatch(/^Lingkod/);
    });

    it('still opts a flooding number out on STOP, without a reply', async () => {
      const flooder = new TwilioPhone(app, `${ephemeral.prefix}3`);
      for (let i = 0; i < 3; i++) await flooder.send('MENU');
      expect(await flooder.send('STOP')).toBe('');
      const [row] = await db.query<{ opted_out: boolean }>(
        `SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1`,
        [`tel:${flooder.number}`],
      );
      expect(row.opted_out).toBe(true);
    });
  });
});

