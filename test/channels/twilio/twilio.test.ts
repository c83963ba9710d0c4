import type { Express } from 'express';
import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import { SendError, type SendingChannel } from '../../../src/channels/channel';
import { phoneSender } from '../../../src/channels/sms';
import { TWILIO_CHANNEL, twilioSms } from '../../../src/channels/twilio/twilio';
import messageCreated from '../../../src/channels/twilio/fixtures/message-created.json';
import error21610 from '../../../src/channels/twilio/fixtures/error-21610.json';
import statusDelivered from '../../../src/channels/twilio/fixtures/status-delivered.json';
import statusUndelivered from '../../../src/channels/twilio/fixtures/status-undelivered.json';
import type { AppContext } from '../../../src/context';
import { createApp } from '../../../src/http/app';
import { Dispatcher } from '../../../src/outbox/dispatcher';
import type { Database } from '../../../src/store/sql';
import { LogCapture, startLingkod, switchableDatabase } from '../../support/app';
import { uninstallNockAfterThisFile } from '../../support/nock';
import { databaseBackends } from '../../support/stores';
import { TWILIO_ENV, inboundForm, messageSid, postSigned, twimlText } from '../sms/support';

const API = 'https://api.twilio.com';
const MESSAGES = `/2010-04-01/Accounts/${TWILIO_ENV.TWILIO_ACCOUNT_SID}/Messages.json`;

uninstallNockAfterThisFile();

describe.each(databaseBackends())('SMS through Twilio, records on $name', (backend) => {
  let db: Database & { down: boolean };
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let channel: SendingChannel;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    db = switchableDatabase(await backend.open());
    ({ context, logs } = await startLingkod(db, TWILIO_ENV));
    // nock 14 hangs on an explicit keep-alive header, which the twilio client sends by default.
    const client = twilio(TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_ENV.TWILIO_AUTH_TOKEN, { keepAlive: false });
    channel = twilioSms({ ...context, client });
    app = createApp({ ...context, channels: [channel] });
    dispatcher = new Dispatcher({ outbox: context.outbox, channels: [channel], log: context.log, maxAttempts: 3 });
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await context.close();
  });

  async function enqueue(address: string, body: string): Promise<number> {
    return context.outbox.enqueue({ address, channel: TWILIO_CHANNEL, body, kind: 'status' });
  }
  async function row(id: number) {
    const [found] = await db.query<{ status: string; provider_id: string | null; last_error: string | null; attempts: number }>(
      'SELECT status, provider_id, last_error, attempts FROM outbox WHERE id = $1',
      [id],
    );
    return found;
  }
  async function optedOut(address: string): Promise<boolean | undefined> {
    const [found] = await db.query<{ opted_out: boolean }>('SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [address]);
    return found?.opted_out;
  }

  describe('the inbound webhook', () => {
    it('answers a signed text with TwiML in the same response', async () => {
      const response = await postSigned(app, '/sms/twilio', inboundForm('+639200000001', 'Menu'));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/xml/);
      expect(response.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Lingkod - government services\n1 Services/);
    });

    it('accepts the signature over PUBLIC_URL with the default port written out, as Twilio sometimes signs', async () => {
      const form = inboundForm('+639200000002', 'Menu');
      const response = await postSigned(app, '/sms/twilio', form, 'https://lingkod.example.gov.ph:443/sms/twilio');
      expect(response.status).toBe(200);
      expect(twimlText(response.text)).toMatch(/^Lingkod/);
    });

    it('accepts an HMAC-SHA256 signature when Twilio says it used one', async () => {
      const form = inboundForm('+639200000003', 'Menu');
      const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form, twilio.HMAC_SHA256);
      const response = await request(app)
        .post('/sms/twilio')
        .type('form')
        .set('X-Twilio-Signature', signature)
        .set('X-Twilio-Webhooks-Signature-Settings', 'algorithm=HMAC_SHA256')
        .send(form);
      expect(response.status).toBe(200);
    });

    it.each([
      ['no signature', undefined],
      ['a signature over another URL', 'https://attacker.example/sms/twilio'],
      ['a signature made with another token', 'other-token'],
    ])('refuses a request with %s with 403, before reading it', async (_case, variant) => {
      const form = inboundForm('+639200000004', 'STOP');
      let signature: string | undefined;
      if (variant === 'other-token') signature = twilio.getExpectedTwilioSignature('f'.repeat(32), `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
      else if (variant) signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, variant, form);
      const call = request(app).post('/sms/twilio').type('form');
      const response = await (signature ? call.set('X-Twilio-Signature', signature) : call).send(form);
      expect(response.status).toBe(403);
      expect(response.text).toBe('Forbidden: bad signature');
      expect(await optedOut('tel:+639200000004')).toBeUndefined();
    });

    it('refuses a signed request without a MessageSid with 400 and a reason', async () => {
      const { MessageSid: _sid, ...form } = inboundForm('+639200000005', 'Menu');
      const response = await postSigned(app, '/sms/twilio', form);
      expect(response.status).toBe(400);
      expect(response.text).toBe('Bad request: check MessageSid, From');
    });

    it('still answers politely, in TwiML, while its records store is unreachable', async () => {
      db.down = true;
      try {
        const response = await postSigned(app, '/sms/twilio', inboundForm('+639200000007', 'Menu'));
        expect(response.status).toBe(200);
        expect(twimlText(response.text)).toBe('Sorry, the service is busy. Please text again in a few minutes.');
        expect((await postSigned(app, '/sms/twilio/status', statusDelivered)).status).toBe(503);
      } finally {
        db.down = false;
      }
    });

    it('escapes what it says in the TwiML', async () => {
      const response = await postSigned(app, '/sms/twilio', inboundForm('+639200000006', 'INFO <b>&'));
      expect(response.status).toBe(200);
      expect(response.text).toContain('No service found for &lt;b&gt;&amp;.');
    });
  });

  describe('sending through the REST API', () => {
    it('sends with a status callback, records the MessageSid, and moves only forward on callbacks', async () => {
      let sent: Record<string, string> = {};
      nock(API)
        .post(MESSAGES, (body: Record<string, string>) => {
          sent = body;
          return true;
        })
        .reply(201, messageCreated);
      const id = await enqueue('tel:+639170000000', 'Your request 4821-7730-953 is now: “Approved” – bring your ID');
      expect(await dispatcher.runOnce()).toBe(1);
      expect(sent).toEqual({
        To: '+639170000000',
        From: TWILIO_ENV.TWILIO_FROM,
        // With the verification line every pushed message ends with (VERIFY <code>).
        Body: expect.stringMatching(/^Your request 4821-7730-953 is now: "Approved" - bring your ID\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/),
        StatusCallback: `${TWILIO_ENV.PUBLIC_URL}/sms/twilio/status`,
      });
      expect(await row(id)).toMatchObject({ status: 'sent', provider_id: messageCreated.sid });

      expect((await postSigned(app, '/sms/twilio/status', statusDelivered)).status).toBe(200);
      expect((await row(id)).status).toBe('delivered');
      // A late "sent" callback does not move it back.
      const late = { ...statusDelivered, SmsStatus: 'sent', MessageStatus: 'sent' };
      expect((await postSigned(app, '/sms/twilio/status', late)).status).toBe(200);
      expect((await row(id)).status).toBe('delivered');
    });

    it('records an undelivered callback as failed, with the error code and no text', async () => {
      nock(API).post(MESSAGES).reply(201, { ...messageCreated, sid: 'SM' + '1'.repeat(32) });
      const id = await enqueue('tel:+639170000001', 'Update');
      await dispatcher.runOnce();
      const response = await postSigned(app, '/sms/twilio/status', { ...statusUndelivered, MessageSid: 'SM' + '1'.repeat(32), SmsSid: 'SM' + '1'.repeat(32) });
      expect(response.status).toBe(200);
      expect(await row(id)).toMatchObject({ status: 'failed', last_error: 'Twilio error 30003' });
    });

    it('answers 200 to a callback status that says nothing new, and to one for a message it does not know', async () => {
      const queued = { ...statusDelivered, SmsStatus: 'queued', MessageStatus: 'queued' };
      expect((await postSigned(app, '/sms/twilio/status', queued)).status).toBe(200);
      const unknown = { ...statusDelivered, MessageSid: messageSid() };
      expect((await postSigned(app, '/sms/twilio/status', unknown)).status).toBe(200);
      expect(logs.lines.some((line) => line.includes('Twilio status for an unknown message'))).toBe(true);
    });

    it('refuses an unsigned status callback', async () => {
      const response = await request(app).post('/sms/twilio/status').type('form').send(statusDelivered);
      expect(response.status).toBe(403);
    });

    it('uses a Messaging Service when TWILIO_FROM is an MG… SID', async () => {
      const serviceSid = 'MG' + 'a'.repeat(32);
      const client = twilio(TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_ENV.TWILIO_AUTH_TOKEN, { keepAlive: false });
      const viaService = twilioSms({ ...context, config: { ...context.config, TWILIO_FROM: serviceSid }, client });
      let sent: Record<string, string> = {};
      nock(API)
        .post(MESSAGES, (body: Record<string, string>) => {
          sent = body;
          return true;
        })
        .reply(201, messageCreated);
      await viaService.send({ id: 1, address: 'tel:+639170000002', body: 'Hi' });
      expect(sent.MessagingServiceSid).toBe(serviceSid);
      expect(sent.From).toBeUndefined();
    });

    it.each([
      { name: '429 Too Many Requests', status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 }, retryable: true },
      { name: '503 Service Unavailable', status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 }, retryable: true },
      { name: '400 invalid To number (21211)', status: 400, body: { code: 21211, message: "The 'To' number +639170000003 is not a valid phone number.", status: 400 }, retryable: false },
    ])('maps $name to a retryable=$retryable SendError that does not repeat the text', async ({ status, body, retryable }) => {
      nock(API).post(MESSAGES).reply(status, body);
      const error = await channel.send({ id: 2, address: 'tel:+639170000003', body: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(SendError);
      expect((error as SendError).retryable).toBe(retryable);
      expect((error as SendError).message).toBe(`Twilio error ${body.code} (HTTP ${status})`);
    });

    it('retries after a network failure', async () => {
      nock(API).post(MESSAGES).replyWithError('socket hang up');
      const error = await channel.send({ id: 3, address: 'tel:+639170000004', body: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(SendError);
      expect((error as SendError).retryable).toBe(true);
    });

    it('opts the citizen out when Twilio refuses a send with 21610, and never retries it', async () => {
      await context.citizens.findOrCreate('tel:+639170000005', 'sms');
      nock(API).post(MESSAGES).reply(400, error21610);
      const id = await enqueue('tel:+639170000005', 'Update');
      await dispatcher.runOnce();
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(await optedOut('tel:+639170000005')).toBe(true);
    });

    it('opts the citizen out when a status callback reports 21610', async () => {
      await context.citizens.findOrCreate('tel:+639170000006', 'sms');
      const callback = { ...statusUndelivered, ErrorCode: '21610', To: '+639170000006', MessageSid: messageSid() };
      expect((await postSigned(app, '/sms/twilio/status', callback)).status).toBe(200);
      expect(await optedOut('tel:+639170000006')).toBe(true);
    });

    it('refuses to send to a country outside ALLOWED_COUNTRY_CODES without calling Twilio', async () => {
      const error = await channel.send({ id: 4, address: 'tel:+12025550123', body: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(SendError);
      expect(error).toMatchObject({ retryable: false, unreachable: true });
      expect(nock.pendingMocks()).toEqual([]);
    });
  });

  it('is the phone sender when Kannel is off, and Kannel says once that it is off', () => {
    expect(phoneSender(context.channels)?.name).toBe(TWILIO_CHANNEL);
    expect(context.channels.map((each) => each.name)).not.toContain('kannel');
    expect(logs.lines.filter((line) => line.includes('Kannel SMS is off'))).toHaveLength(1);
    expect(logs.lines.filter((line) => line.includes('Twilio SMS is off'))).toHaveLength(0);
  });
});
