import { randomBytes } from 'node:crypto';
import { Script } from 'node:vm';
import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import { encodedLength } from '../../src/text/gsm7';
import { preferredAddress } from '../../src/services/reachability';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';
import { LogCapture, USSD_PATH, UssdPhone, optionNumber, startLingkod } from '../support/app';

interface UssdScreen {
  prefix: 'CON' | 'END';
  text: string;
  encoding: 'gsm7' | 'ucs2';
  length: number;
  limit: number;
}

/** The simulator page's phone, driven through its JSON endpoints as the page's script does. */
class SimulatedPhone {
  private session = '';
  private hop = 0;
  last?: UssdScreen;

  constructor(
    private readonly app: Express,
    readonly phone: string,
  ) {}

  async dial(): Promise<UssdScreen> {
    this.session = randomBytes(8).toString('hex');
    this.hop = 0;
    return this.hopWith('');
  }

  async press(input: string): Promise<UssdScreen> {
    this.hop += 1;
    return this.hopWith(input);
  }

  async walk(...inputs: string[]): Promise<UssdScreen> {
    for (const input of inputs) await this.press(input);
    return this.last!;
  }

  /** The same hop again, as a page that did not see the answer would resend it. */
  async again(): Promise<UssdScreen> {
    return this.hopWith('ignored');
  }

  async text(text: string): Promise<{ text: string; encoding: string; units: number; segments: number }[]> {
    const response = await request(this.app).post('/simulator/sms').send({ phone: this.phone, text }).expect(200);
    return response.body.replies;
  }

  async chat(text: string): Promise<{ text: string; buttons: { label: string; value: string }[]; final: boolean }> {
    return (await request(this.app).post('/simulator/chat').send({ phone: this.phone, text }).expect(200)).body;
  }

  async inbox(after = 0): Promise<{ id: number; body: string; kind: string | null; segments: number; receivedAt: string; receivedTime: string }[]> {
    return (await request(this.app).post('/simulator/inbox').send({ phone: this.phone, after }).expect(200)).body.messages;
  }

  private async hopWith(input: string): Promise<UssdScreen> {
    const response = await request(this.app).post('/simulator/ussd').send({ phone: this.phone, session: this.session, hop: this.hop, input });
    if (response.status !== 200) throw new Error(`simulator hop answered ${response.status}: ${response.text}`);
    this.last = response.body as UssdScreen;
    return this.last;
  }
}

const screenText = (screen: UssdScreen) => `${screen.prefix} ${screen.text}`;
const referenceIn = (text: string) => /(\d{4}-\d{4}-\d{3})/.exec(text)?.[1] ?? '';

describe.each(databaseBackends())('the phone simulator, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db));
  });
  afterAll(async () => {
    await context.close();
  });

  async function englishPhone(number: string): Promise<SimulatedPhone> {
    const phone = new SimulatedPhone(app, number);
    await request(app).post('/simulator/phone').send({ phone: number, locale: 'en' }).expect(200);
    return phone;
  }

  it('serves a page whose only script and stylesheet come from this origin, under a CSP that allows nothing else', async () => {
    const page = await request(app).get('/simulator').expect(200).expect('Content-Type', /html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|https:/);
    expect(page.text).not.toMatch(/<script>|<style|style="/);
    expect(page.text).toContain('src="/simulator/phone.js"');
    const script = await request(app).get('/simulator/phone.js').expect(200).expect('Content-Type', /javascript/);
    // The served source is one self-contained, syntactically valid script.
    expect(() => new Script(script.text)).not.toThrow();
    await request(app).get('/simulator/phone.css').expect(200).expect('Content-Type', /css/);
  });

  it('lets a browser revalidate its script (ETag, 304), while a USSD answer carries no ETag', async () => {
    const script = await request(app).get('/simulator/phone.js').expect(200);
    expect(script.headers.etag).toMatch(/^"[\w-]{27}"$/);
    await request(app).get('/simulator/phone.js').set('If-None-Match', script.headers.etag).expect(304);
    const hop = await request(app).post(USSD_PATH).type('form').send({ sessionId: 'ATUid_etag', phoneNumber: '+639171110999', text: '' });
    expect(hop.text).toMatch(/^CON /);
    expect(hop.headers.etag).toBeUndefined();
  });

  it('is a sending channel named simulator, on with nothing configured', () => {
    const simulator = context.channels.find((channel) => channel.name === 'simulator');
    expect(simulator).toBeDefined();
    expect(typeof (simulator as { send?: unknown }).send).toBe('function');
  });

  it('walks a USSD dial from the language question to a submitted request, each screen within the network limit', async () => {
    const phone = new SimulatedPhone(app, '+639171110001');
    const first = await phone.dial();
    expect(screenText(first)).toMatch(/^CON Choose your language\n1 English\n2 Filipino\n3 বাংলা/);
    expect(first.encoding).toBe('ucs2');
    await phone.press('1');
    await phone.press(optionNumber(screenText(phone.last!), 'Services'));
    await phone.press(optionNumber(screenText(phone.last!), 'Social welfare'));
    await phone.press(optionNumber(screenText(phone.last!), 'Crisis assistance'));
    await phone.press(optionNumber(screenText(phone.last!), 'Apply now'));
    await phone.walk('Amina Datu', '5');
    await phone.press(optionNumber(screenText(phone.last!), 'Medical'));
    const done = await phone.press(optionNumber(screenText(phone.last!), 'Submit'));
    expect(done.prefix).toBe('END');
    expect(done.text).toMatch(/Your reference is \d{4}-\d{4}-\d{3}\./);
    for (const screen of [first, done]) {
      expect(screen.length).toBe(encodedLength(screen.text, screen.encoding));
      expect(screen.length).toBeLessThanOrEqual(screen.limit);
    }
    expect(first.limit).toBe(80);
    expect(done.limit).toBe(182);

    const reference = referenceIn(done.text).replace(/-/g, '');
    const [row] = await db.query<{ channel: string; address: string }>(
      `SELECT r.channel, a.address FROM requests r JOIN citizen_addresses a ON a.citizen_id = r.citizen_id WHERE r.reference = $1`,
      [reference],
    );
    expect(row).toEqual({ channel: 'simulator', address: 'sim:+639171110001' });
  });

  it('pages a Bangla screen within the 80 UCS-2 characters the network allows', async () => {
    const phone = new SimulatedPhone(app, '+639171110002');
    await request(app).post('/simulator/phone').send({ phone: phone.phone, locale: 'bn' }).expect(200);
    const menu = await phone.dial();
    expect(menu.encoding).toBe('ucs2');
    expect(menu.length).toBeLessThanOrEqual(80);
    expect(menu.text).toContain('98 ');
  });

  it('answers a resent hop with the same screen without moving the dialog on', async () => {
    const phone = await englishPhone('+639171110003');
    await phone.dial();
    const services = await phone.press(optionNumber(screenText(phone.last!), 'Services'));
    expect(await phone.again()).toEqual(services);
    expect((await phone.press('0')).text).toContain('Services');
  });

  it('offers a form cut off by ending the call back on the next dial, as a dropped network session is', async () => {
    const phone = await englishPhone('+639171110012');
    await phone.dial();
    await phone.press(optionNumber(screenText(phone.last!), 'Services'));
    await phone.press(optionNumber(screenText(phone.last!), 'Social welfare'));
    await phone.press(optionNumber(screenText(phone.last!), 'Crisis assistance'));
    await phone.press(optionNumber(screenText(phone.last!), 'Apply now'));
    await phone.press('Bai Salma');
    const again = await phone.dial();
    expect(again.text).toContain('You have an unfinished request for Crisis assistance (AICS). Continue it?');
  });

  it('keeps simulated phones apart from real ones: the same number over real USSD is another citizen', async () => {
    const real = new UssdPhone(app, '+639171110004');
    await real.dial();
    await real.press(optionNumber(real.last, 'English'));
    await real.walk('1', '1', '1', '1', 'Real Person', '2');
    await real.press(optionNumber(real.last, 'Medical'));
    const realReference = referenceIn(await real.press('1'));
    expect(realReference).not.toBe('');

    const simulated = await englishPhone('+639171110004');
    await simulated.dial();
    const mine = await simulated.press(optionNumber(screenText(simulated.last!), 'My requests'));
    expect(mine.text).not.toContain(realReference);
    const addresses = await db.query<{ address: string; channel: string }>(
      `SELECT address, channel FROM citizen_addresses WHERE address LIKE '%+639171110004' ORDER BY address`,
    );
    expect(addresses).toEqual([
      { address: 'sim:+639171110004', channel: 'simulator' },
      { address: 'tel:+639171110004', channel: 'ussd' },
    ]);
  });

  it('routes status updates for a simulated citizen to the simulator', async () => {
    const phone = await englishPhone('+639171110005');
    await phone.dial();
    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>(`SELECT citizen_id FROM citizen_addresses WHERE address = 'sim:+639171110005'`);
    expect(await preferredAddress(db, Number(citizenId))).toEqual({ address: 'sim:+639171110005', channel: 'simulator' });
  });

  it('answers texts as SMS does, with keywords and the segments each reply costs', async () => {
    const phone = await englishPhone('+639171110006');
    const [menu] = await phone.text('menu');
    expect(menu.text).toContain('Lingkod - government services');
    expect(menu.encoding).toBe('gsm7');
    expect(menu.segments).toBeGreaterThanOrEqual(1);
    expect(menu.segments).toBeLessThanOrEqual(context.config.SMS_MAX_SEGMENTS);
    const [help] = await phone.text('HELP');
    expect(help.text).toContain('MENU');
    // Every keyword the SMS adapter knows, answered the same way (one shared answering module).
    const [held] = await phone.text('MYDATA');
    expect(held.text).toContain('What Lingkod holds about you:');
    const [erase] = await phone.text('DELETE');
    expect(erase.text).toContain('Delete your number, answers, topics and messages?');

    const [stopped] = await phone.text('STOP');
    expect(stopped.text).toContain('no more announcements');
    expect(await phone.text('STOP')).toEqual([]);
    const [{ opted_out: optedOut }] = await db.query<{ opted_out: boolean }>(
      `SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = 'sim:+639171110006'`,
    );
    expect(optedOut).toBe(true);
    const [started] = await phone.text('START');
    expect(started.text).toContain('Announcements are on again.');
  });

  it('chats as on Telegram: the body as text and the options as buttons that send their number', async () => {
    const phone = await englishPhone('+639171110007');
    const menu = await phone.chat('/start');
    expect(menu.text).toContain('Lingkod - government services');
    const services = menu.buttons.find((button) => button.label === 'Services');
    expect(services).toBeDefined();
    const categories = await phone.chat(services!.value);
    expect(categories.text).toContain('Choose a category');
    expect(categories.buttons.map((button) => button.label)).toContain('Health');
    expect(categories.buttons.some((button) => button.value === '0')).toBe(true);
    const status = await phone.chat('/status 1234');
    expect(status.text).toContain('Type the reference number');
  });

  it('takes the Telegram commands: /help in button words, /stop opts out, an unknown one is explained', async () => {
    const phone = await englishPhone('+639171110011');
    const help = await phone.chat('/help');
    expect(help.text).toContain('Tap a button');
    expect(help.text).not.toContain('Choose by typing the number');
    const stopped = await phone.chat('/stop');
    expect(stopped.text).toMatch(/^You will get no more announcements\./);
    const [{ opted_out: optedOut }] = await db.query<{ opted_out: boolean }>(
      `SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = 'sim:+639171110011'`,
    );
    expect(optedOut).toBe(true);
    expect((await phone.chat('/frobnicate')).text).toContain('I do not know that command.');
  });

  it('delivers outbox messages for a simulated phone to its inbox, and reports them delivered once fetched', async () => {
    const phone = await englishPhone('+639171110008');
    await phone.dial();
    const id = await context.outbox.enqueue({ address: 'sim:+639171110008', channel: 'simulator', body: 'Your request is approved.', kind: 'status' });
    expect(await context.dispatcher.runOnce()).toBeGreaterThanOrEqual(1);
    const [sent] = await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [id]);
    expect(sent.status).toBe('sent');

    const messages = await phone.inbox();
    // With the verification line every pushed message ends with (VERIFY <code>).
    expect(messages).toEqual([
      expect.objectContaining({ body: expect.stringMatching(/^Your request is approved\.\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/), kind: 'status', segments: 1 }),
    ]);
    // Its time as the deployment's clock reads it (TIME_ZONE, Manila: UTC+8), not the browser's.
    const utcHour = new Date(messages[0].receivedAt).getUTCHours();
    expect(messages[0].receivedTime).toMatch(/^\d{2}:\d{2}$/);
    expect(Number(messages[0].receivedTime.slice(0, 2))).toBe((utcHour + 8) % 24);
    const [delivered] = await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [id]);
    expect(delivered.status).toBe('delivered');
    expect(await phone.inbox(messages[0].id)).toEqual([]);
    // Another phone's inbox does not show it.
    expect(await new SimulatedPhone(app, '+639171110009').inbox()).toEqual([]);
  });

  it('puts a message sent twice (a dispatcher retrying after a crash) in the inbox once', async () => {
    const simulator = context.channels.find((channel) => channel.name === 'simulator') as unknown as {
      send(message: { id: number; address: string; body: string }): Promise<{ providerId?: string }>;
    };
    const id = await context.outbox.enqueue({ address: 'sim:+639171110010', channel: 'simulator', body: 'Once', kind: 'notice' });
    const first = await simulator.send({ id, address: 'sim:+639171110010', body: 'Once' });
    const second = await simulator.send({ id, address: 'sim:+639171110010', body: 'Once' });
    expect(second).toEqual(first);
    expect(await new SimulatedPhone(app, '+639171110010').inbox()).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', 'text/plain', 'phone=+639171234567'],
    ['a phone that is not a number', 'application/json', JSON.stringify({ phone: 'hello', text: 'MENU' })],
    ['a phone outside the allowed countries', 'application/json', JSON.stringify({ phone: '+14155550123', text: 'MENU' })],
    ['an empty text', 'application/json', JSON.stringify({ phone: '+639171234567', text: '' })],
    ['malformed JSON', 'application/json', '{"phone":'],
  ])('refuses %s with a 400 and a reason', async (_name, type, body) => {
    const response = await request(app).post('/simulator/sms').set('Content-Type', type).send(body);
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/at .*\.ts|stack/i);
  });

  it('refuses a USSD hop without a proper session id', async () => {
    const response = await request(app).post('/simulator/ussd').send({ phone: '+639171234567', session: 'x', hop: 0, input: '' });
    expect(response.status).toBe(400);
    expect(response.body.error).toContain('session');
  });

  it('never writes a simulated phone number to the logs', () => {
    const all = logs.lines.join('\n');
    expect(all).not.toMatch(/9171110\d{3}/);
  });
});

describe('the phone simulator switched off (SIMULATOR=off, as in production)', () => {
  it('is not served, and is not a channel', async () => {
    const { context, app } = await startLingkod(await databaseBackends()[0].open(), { SIMULATOR: 'off' });
    try {
      expect(context.channels.map((channel) => channel.name)).not.toContain('simulator');
      for (const path of ['/simulator', '/simulator/phone.js']) expect((await request(app).get(path)).status).toBe(404);
      expect((await request(app).post('/simulator/ussd').send({ phone: '+639171234567', session: 'abcdef0123456789', hop: 0, input: '' })).status).toBe(404);
      // The citizens' real channels are unaffected.
      const dial = await request(app).post(USSD_PATH).type('form').send({ sessionId: 'ATUid_off', phoneNumber: '+639171234567', text: '' });
      expect(dial.text).toMatch(/^CON /);
    } finally {
      await context.close();
    }
  });
});
