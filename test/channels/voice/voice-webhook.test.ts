import type { Express } from 'express';
import request from 'supertest';
import twilio from 'twilio';
import type { AppContext } from '../../../src/context';
import { LogCapture, startLingkod, switchableDatabase, type SwitchableDatabase } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { TWILIO_ENV } from '../sms/support';
import { TwilioCall, VOICE_ENV, callSid, hear, postSigned } from './support';

/** The voice webhooks as an outsider can reach them: only Twilio's signed requests are read. */
describe('the voice webhooks, attacked', () => {
  let db: SwitchableDatabase;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = switchableDatabase(await databaseBackends()[0].open());
    ({ context, app, logs } = await startLingkod(db, VOICE_ENV));
  });
  afterAll(async () => {
    await context.close();
  });

  const citizens = async (address: string) => (await db.query('SELECT 1 FROM citizen_addresses WHERE address = $1', [address])).length;

  it.each([
    ['no signature', undefined],
    ['a signature over another URL', 'https://attacker.example/voice/twilio'],
    ['a signature made with another token', 'other-token'],
  ])('refuses a call step with %s with 403, before reading it', async (_case, variant) => {
    const form = new TwilioCall(app, '+639200000101').form();
    let signature: string | undefined;
    if (variant === 'other-token') signature = twilio.getExpectedTwilioSignature('f'.repeat(32), `${TWILIO_ENV.PUBLIC_URL}/voice/twilio`, form);
    else if (variant) signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, variant, form);
    for (const path of ['/voice/twilio', '/voice/twilio/status']) {
      const call = request(app).post(path).type('form');
      const response = await (signature ? call.set('X-Twilio-Signature', signature) : call).send(form);
      expect(response.status).toBe(403);
      expect(response.text).toBe('Forbidden: bad signature');
    }
    expect(await citizens('tel:+639200000101')).toBe(0);
  });

  it('refuses a step whose signed URL was for another step (the step is part of what Twilio signs)', async () => {
    const call = new TwilioCall(app, '+639200000102');
    const first = await call.start();
    const form = call.form({ Digits: '1' });
    const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}${first.action}`, form);
    const response = await request(app).post('/voice/twilio?step=7').type('form').set('X-Twilio-Signature', signature).send(form);
    expect(response.status).toBe(403);
  });

  it('answers a replayed step with the prompt already spoken, without a second turn', async () => {
    const call = new TwilioCall(app, '+639200000103');
    const language = await call.start();
    const keys = language.said.find((line) => line.includes('English'))!.match(/\d/)![0];
    const form = call.form({ Digits: keys });
    const menu = await call.post(language.action!, form);
    expect(menu.said.join(' ')).toContain('Lingkod - government services');
    // The same signed request again, as an eavesdropper or a retrying proxy would send it.
    const replayed = await call.post(language.action!, form);
    expect(replayed.said).toEqual(menu.said);
    expect(replayed.action).toBe(menu.action);
    // The replay of the call's very first request changes nothing either.
    const again = await call.post('/voice/twilio', call.form({ CallStatus: 'ringing' }));
    expect(again.action).toBe(menu.action);
  });

  it('tells a caller from a country it does not serve so, and hangs up, keeping nothing', async () => {
    const call = new TwilioCall(app, '+14155550123');
    const heard = await call.start();
    expect(heard.said).toEqual(['Sorry, this service is not available for your phone number.']);
    expect(heard.hangup).toBe(true);
    expect(heard.action).toBeUndefined();
    expect(await citizens('tel:+14155550123')).toBe(0);
  });

  it.each([
    ['a CallSid not of Twilio\'s form', { CallSid: 'CA-not-a-sid' }],
    ['keys that are not a keypad\'s', { Digits: '1<Say>hi</Say>' }],
    ['a caller that is not a phone number', { From: 'anonymous' }],
  ])('refuses a signed step with %s with 400 and a reason', async (_case, override) => {
    const call = new TwilioCall(app, '+639200000104');
    const response = await postSigned(app, '/voice/twilio?step=1', { ...call.form(), ...override });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/^Bad request: /);
  });

  it('never writes the caller\'s number in its logs', async () => {
    const call = new TwilioCall(app, '+639200000105');
    await call.start();
    await call.ended('completed', 40);
    expect(logs.lines.join('\n')).not.toContain('9200000105');
  });

  it('refuses a status callback without a CallSid with 400', async () => {
    const response = await postSigned(app, '/voice/twilio/status', { CallStatus: 'completed', From: '+639200000106', CallSid: callSid().slice(0, 10) });
    expect(response.status).toBe(400);
    expect(hear(response.text).said).toEqual([]);
  });

  it('lets the simulator call the same line as a sim: phone, and refuses a malformed step with 400', async () => {
    const refused = await request(app).post('/simulator/voice').send({ phone: '+639200000107', call: 'x', step: 0 });
    expect(refused.status).toBe(400);
    const answered = await request(app).post('/simulator/voice').send({ phone: '+639200000107', call: 'sim-call-0001', step: 0 });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ step: 1, oneKey: true, dial: null });
    expect(answered.body.lines[0]).toEqual({ text: 'Welcome to Lingkod. To hear a message again, press star.', lang: 'en-US' });
    const chosen = await request(app).post('/simulator/voice').send({ phone: '+639200000107', call: 'sim-call-0001', step: 1, digits: '1' });
    expect(chosen.body.lines[0].text).toBe('Lingkod - government services');
    expect(await citizens('sim:+639200000107')).toBe(1);
    expect(await citizens('tel:+639200000107')).toBe(0);
  });

  it('says goodbye politely, with 200 and TwiML, while its records store is unreachable', async () => {
    db.down = true;
    try {
      const heard = await new TwilioCall(app, '+639200000108').start();
      expect(heard.said).toEqual(['Sorry, the service is busy. Please call again in a few minutes. Goodbye.']);
      expect(heard.hangup).toBe(true);
    } finally {
      db.down = false;
    }
  });
});
