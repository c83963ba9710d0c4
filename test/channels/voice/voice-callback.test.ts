import type { Express } from 'express';
import nock from 'nock';
import twilio from 'twilio';
import callCreated from '../../../src/channels/twilio/fixtures/call-created.json';
import { twilioVoice } from '../../../src/channels/twilio/voice';
import type { AppContext } from '../../../src/context';
import { createApp } from '../../../src/http/app';
import type { Database } from '../../../src/store/sql';
import { LogCapture, startLingkod } from '../../support/app';
import { uninstallNockAfterThisFile } from '../../support/nock';
import { databaseBackends, ephemeralBackends, keepOpen } from '../../support/stores';
import { TWILIO_ENV } from '../sms/support';
import { TwilioCall, VOICE_ENV } from './support';

const API = 'https://api.twilio.com';
const CALLS = `/2010-04-01/Accounts/${TWILIO_ENV.TWILIO_ACCOUNT_SID}/Calls.json`;
const OFFICE = '+63641234567';
/** 20:00 in Manila on the tests' day: the office is closed (TODAY, 16:00 there, it is open). */
const EVENING = new Date('2026-11-28T12:00:00Z');

uninstallNockAfterThisFile();

const pairs = databaseBackends().flatMap((records) => ephemeralBackends().map((ephemeral) => ({ name: `${records.name} + ${ephemeral.name}`, records, ephemeral })));

/** An instance whose voice channel calls Twilio's REST API through a client nock can intercept. */
async function start(db: Database, env: Record<string, string>, overrides: Parameters<typeof startLingkod>[2] = {}) {
  const lingkod = await startLingkod(db, { ...VOICE_ENV, ...env }, overrides);
  // nock 14 hangs on an explicit keep-alive header, which the twilio client sends by default.
  const client = twilio(TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_ENV.TWILIO_AUTH_TOKEN, { keepAlive: false });
  const channels = [...lingkod.context.channels.filter((channel) => channel.name !== 'voice'), twilioVoice({ ...lingkod.context, prompts: lingkod.context.admin.prompts, client })];
  return { ...lingkod, app: createApp({ ...lingkod.context, channels }) };
}

describe.each(pairs)('missed calls and the office line, on $name', ({ records, ephemeral }) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  /** Each call-back Twilio was asked to place: its form fields. */
  let placed: Record<string, string>[];

  beforeAll(async () => {
    db = await records.open();
    ({ context, app, logs } = await start(db, { VOICE_CALLBACK_PER_NUMBER_PER_DAY: '2', VOICE_CALLBACK_PER_DAY: '5', VOICE_HANDOVER_NUMBER: OFFICE }, { store: ephemeral.open() }));
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  beforeEach(() => {
    placed = [];
    nock(API)
      .persist()
      .post(CALLS)
      .reply(201, (_uri, body) => {
        placed.push(Object.fromEntries(new URLSearchParams(body as string)));
        return callCreated;
      });
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await context.close();
  });

  it('calls a flash back once, from the voice number into the same dialogs, however often its report is replayed', async () => {
    const flash = new TwilioCall(app, '+639170000201');
    const response = await flash.ended('no-answer');
    expect(response.status).toBe(200);
    expect(placed).toEqual([
      expect.objectContaining({ To: '+639170000201', From: VOICE_ENV.VOICE_FROM, Url: `${TWILIO_ENV.PUBLIC_URL}/voice/twilio`, StatusCallback: `${TWILIO_ENV.PUBLIC_URL}/voice/twilio/status` }),
    ]);
    await flash.ended('no-answer');
    await flash.ended('no-answer');
    expect(placed).toHaveLength(1);
    // Twilio places the call; when the citizen answers, it asks our voice URL what to say.
    const back = new TwilioCall(app, '+639170000201', 'outbound-api');
    const heard = await back.start();
    expect(heard.said[0]).toBe('This is Lingkod, calling you back. To hear a message again, press star.');
    expect(heard.said).toContain('Choose your language');
    // Our own call-back, unanswered, is never called back in turn.
    await back.ended('no-answer');
    expect(placed).toHaveLength(1);
  });

  it('calls back a call hung up within VOICE_CALLBACK_FLASH_SECONDS, not a longer one', async () => {
    await new TwilioCall(app, '+639170000202').ended('completed', 45);
    expect(placed).toHaveLength(0);
    await new TwilioCall(app, '+639170000202').ended('completed', 3);
    expect(placed).toHaveLength(1);
  });

  it('still answers a flash\'s report 200 when Twilio refuses the call-back, and logs it without the number', async () => {
    nock.cleanAll();
    nock(API).post(CALLS).reply(500, { code: 20500, message: 'Internal Server Error', status: 500 });
    const response = await new TwilioCall(app, '+639170000206').ended('no-answer');
    expect(response.status).toBe(200);
    expect(logs.lines.some((line) => line.includes('Twilio refused the call-back') && line.includes('20500'))).toBe(true);
    expect(logs.lines.join('\n')).not.toContain('0000206');
  });

  it('calls one number back at most VOICE_CALLBACK_PER_NUMBER_PER_DAY times, and everyone at most VOICE_CALLBACK_PER_DAY', async () => {
    // The service-wide counter already has the call-backs of the tests before (3 of 5; the refused one counts).
    for (let flash = 0; flash < 3; flash++) await new TwilioCall(app, '+639170000203').ended('busy');
    expect(placed).toHaveLength(2);
    await new TwilioCall(app, '+639170000204').ended('busy');
    expect(placed).toHaveLength(2);
    expect(logs.lines.some((line) => line.includes('VOICE_CALLBACK_PER_DAY reached'))).toBe(true);
  });

  it('offers the office line on screens where 0 means nothing, and connects the caller on 0', async () => {
    const call = new TwilioCall(app, '+639170000205');
    await call.start();
    const menu = await call.choose('English');
    expect(menu.said).toContain('To speak to a person, press 0.');
    const connected = await call.press('0');
    expect(connected.said).toEqual(['Connecting you to a person. Please wait.']);
    expect(connected.dial).toBe(OFFICE);
    expect(logs.lines.join('\n')).not.toContain('0000205');
  });
});

describe('out of office hours, with a language the line cannot speak', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let placed: number;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context, app, logs } = await start(db, { VOICE_HANDOVER_NUMBER: OFFICE, VOICE_SAY: 'en=en-US:Google.en-US-Standard-C,fil=fil-PH:Google.fil-PH-Standard-A' }, { db: keepOpen(db), now: () => EVENING }));
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    placed = 0;
    nock(API)
      .persist()
      .post(CALLS)
      .reply(201, () => {
        placed++;
        return callCreated;
      });
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await context.close();
    await db.close();
  });

  it('makes no call-back outside VOICE_CALLBACK_HOURS', async () => {
    expect((await new TwilioCall(app, '+639170000301').ended('no-answer')).status).toBe(200);
    expect(placed).toBe(0);
  });

  it('offers no person while the office is closed: 0 on the menu is an ordinary wrong key', async () => {
    const call = new TwilioCall(app, '+639170000302');
    await call.start();
    const menu = await call.choose('English');
    expect(menu.said).not.toContain('To speak to a person, press 0.');
    const hint = await call.press('0');
    expect(hint.dial).toBeUndefined();
    expect(hint.said[0]).toMatch(/^Reply with a number from 1 to \d+\.$/);
  });

  it('speaks a language it has no voice for in the default one, and says so when the call starts', async () => {
    const first = new TwilioCall(app, '+639170000303');
    await first.start();
    const chosen = await first.choose('বাংলা');
    expect(chosen.said[0]).toBe('Lingkod - government services');
    expect(chosen.languages.every((language) => language === 'en-US')).toBe(true);
    const second = await new TwilioCall(app, '+639170000303').start();
    expect(second.said.slice(0, 3)).toEqual([
      'Welcome to Lingkod. To hear a message again, press star.',
      'This line cannot speak বাংলা yet, so you will hear English.',
      'Lingkod - government services',
    ]);
    // Over SMS the citizen still reads Bangla: only the voice line falls back.
    const [row] = await db.query<{ locale: string }>("SELECT c.locale FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = 'tel:+639170000303'");
    expect(row.locale).toBe('bn');
    expect(logs.lines.join('\n')).not.toContain('0000303');
  });
});

describe('call-back first (VOICE_CALLBACK_FIRST=on)', () => {
  let context: AppContext;
  let app: Express;
  const placed: Record<string, string>[] = [];

  beforeAll(async () => {
    ({ context, app } = await start(await databaseBackends()[0].open(), { VOICE_CALLBACK_FIRST: 'on', VOICE_CALLBACK_PER_NUMBER_PER_DAY: '1' }));
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    nock(API)
      .persist()
      .post(CALLS)
      .reply(201, (_uri, body) => {
        placed.push(Object.fromEntries(new URLSearchParams(body as string)));
        return callCreated;
      });
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await context.close();
  });

  it('declines a call unanswered (free for the caller) and calls back; past the limit it answers', async () => {
    const call = new TwilioCall(app, '+639170000501');
    const declined = await call.start();
    expect(declined.xml).toContain('<Reject reason="busy"/>');
    expect(declined.said).toEqual([]);
    // The call-back is requested after the decline is answered (the caller's line must be free first).
    for (let waited = 0; placed.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(placed).toEqual([expect.objectContaining({ To: '+639170000501', From: VOICE_ENV.VOICE_FROM })]);
    // Twilio then reports the declined call as busy: it is not called back twice.
    await call.ended('busy');
    expect(placed).toHaveLength(1);
    // The number's one call-back today is used: its next call is answered.
    const answered = await new TwilioCall(app, '+639170000501').start();
    expect(answered.said[0]).toBe('Welcome to Lingkod. To hear a message again, press star.');
    expect(placed).toHaveLength(1);
  });
});
