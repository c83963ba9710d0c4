import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { SendError, type SendingChannel } from '../../../src/channels/channel';
import fixtures from '../../../src/channels/kannel/fixtures/inbound.json';
import { KANNEL_CHANNEL, kannelSms } from '../../../src/channels/kannel/kannel';
import { phoneSender } from '../../../src/channels/sms';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { LogCapture, startLingkod, switchableDatabase, type SwitchableDatabase } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { TWILIO_ENV } from '../sms/support';

const TOKEN = 'kannel-token-0123456789';
const withToken = (query: string) => query.replace('token=TOKEN', `token=${TOKEN}`);
/** A UCS-2 text as Kannel's %b puts it in a URL: UTF-16BE bytes, percent-encoded. */
const ucs2Query = (text: string) => [...Buffer.from(text, 'utf16le').swap16()].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** A stand-in for smsbox's sendsms interface on loopback: records each call, answers as told. */
class FakeSendsms {
  readonly calls: URLSearchParams[] = [];
  answer = { status: 202, body: '0: Accepted for delivery' };
  private readonly server: Server = createServer((req, res) => {
    this.calls.push(new URL(req.url ?? '/', 'http://kannel').searchParams);
    res.writeHead(this.answer.status, { 'content-type': 'text/html' }).end(this.answer.body);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cgi-bin/sendsms`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(databaseBackends())('SMS through Kannel, records on $name', (backend) => {
  let db: SwitchableDatabase;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let channel: SendingChannel;
  const sendsms = new FakeSendsms();

  beforeAll(async () => {
    db = switchableDatabase(await backend.open());
    const env = {
      ...TWILIO_ENV,
      KANNEL_SENDSMS_URL: await sendsms.start(),
      KANNEL_USERNAME: 'lingkod',
      KANNEL_PASSWORD: 'sendsms-secret',
      KANNEL_TOKEN: TOKEN,
      KANNEL_FROM: '2600',
      SMS_REPLIES_PER_MINUTE: '1000',
    };
    ({ context, app, logs } = await startLingkod(db, env));
    channel = phoneSender(context.channels)!;
  });
  afterAll(async () => {
    await context.close();
    await sendsms.stop();
  });

  /** The replies queued for a number, oldest first. */
  async function repliesTo(number: string): Promise<{ body: string; channel: string; kind: string }[]> {
    return db.query('SELECT body, channel, kind FROM outbox WHERE address = $1 ORDER BY id', [`tel:${number}`]);
  }
  async function outboxRow(id: number) {
    const [row] = await db.query<{ status: string; provider_id: string | null; last_error: string | null }>('SELECT status, provider_id, last_error FROM outbox WHERE id = $1', [id]);
    return row;
  }
  const get = (query: string) => request(app).get(`/sms/kannel?${query}`);
  const dlr = (query: string) => request(app).get(`/sms/kannel/dlr?${withToken(query)}`);

  it('is the phone sender when it is on, even with Twilio on too', () => {
    expect(channel.name).toBe(KANNEL_CHANNEL);
    expect(context.channels.map((each) => each.name)).toEqual(expect.arrayContaining(['kannel', 'twilio']));
  });

  describe('texts from the get-url and post-url', () => {
    it('answers a recorded GSM-7 get-url request 200 with an empty body, and queues the reply for sendsms', async () => {
      const response = await get(withToken(fixtures.getGsm7));
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      expect(await repliesTo('+639171234567')).toEqual([{ body: expect.stringMatching(/^Choose your language\n1 English/), channel: 'kannel', kind: 'reply' }]);
    });

    it('decodes a UCS-2 text from %b as UTF-16BE: ভাষা বাংলা switches the citizen to Bangla', async () => {
      const query = withToken(fixtures.getUcs2).replace(/from=[^&]+/, 'from=%2B639210000001').replace(/text=[^&]+/, `text=${ucs2Query('ভাষা বাংলা')}`).replace(/id=[^&]+/, 'id=ucs2-1');
      expect((await get(query)).status).toBe(200);
      const [reply] = await repliesTo('+639210000001');
      expect(reply.body).toMatch(/একটি নম্বর লিখে উত্তর দিন।$/);
    });

    it('accepts the recorded post-url requests, the text in the body in the charset of its Content-Type', async () => {
      for (const recorded of [fixtures.postUcs2, fixtures.postGsm7]) {
        const response = await request(app)
          .post(`/sms/kannel?${withToken(recorded.query).replace(/from=[^&]+/, 'from=%2B639210000002')}`)
          .set(recorded.headers)
          .send(Buffer.from(recorded.bodyHex, 'hex'));
        expect(response.status).toBe(200);
      }
      const body = Buffer.from('ভাষা বাংলা', 'utf16le').swap16();
      const query = withToken(fixtures.postUcs2.query).replace(/from=[^&]+/, 'from=%2B639210000003').replace(/id=[^&]+/, 'id=post-ucs2');
      expect((await request(app).post(`/sms/kannel?${query}`).set(fixtures.postUcs2.headers).send(body)).status).toBe(200);
      expect((await repliesTo('+639210000003'))[0].body).toMatch(/একটি নম্বর লিখে উত্তর দিন।$/);
    });

    it.each([
      ['no token', fixtures.getGsm7.replace('token=TOKEN&', '')],
      ['a wrong token', fixtures.getGsm7.replace('token=TOKEN', 'token=guess')],
      ['a token that is one character short', fixtures.getGsm7.replace('token=TOKEN', `token=${TOKEN.slice(0, -1)}`)],
    ])('refuses a request with %s with 403 and handles nothing', async (_case, query) => {
      const response = await get(query.replace(/from=[^&]+/, 'from=09210000004'));
      expect(response.status).toBe(403);
      expect(await repliesTo('+639210000004')).toEqual([]);
    });

    it.each([
      ['without an id', withToken(fixtures.getGsm7).replace(/&id=[^&]+/, ''), 'Bad request: check id'],
      ['without a sender', withToken(fixtures.getGsm7).replace(/&from=[^&]+/, ''), 'Bad request: check from'],
      ['with bytes that are not UTF-16', withToken(fixtures.getUcs2).replace(/text=[^&]+/, 'text=%09%AC%09').replace(/id=[^&]+/, 'id=odd'), 'Bad request: text is not valid UCS-2'],
      ['with bytes that are not UTF-8', withToken(fixtures.getGsm7).replace(/text=[^&]+/, 'text=%FF%FE').replace(/id=[^&]+/, 'id=bad-utf8'), 'Bad request: text is not valid UTF-8'],
    ])('refuses a request %s with 400 and a reason', async (_case, query, reason) => {
      const response = await get(query);
      expect(response.status).toBe(400);
      expect(response.text).toBe(reason);
    });

    it('never answers 5xx to whatever bytes, codings and charsets arrive', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom('0', '1', '2', '', '7'),
          fc.constantFrom('UTF-8', 'UTF-16BE', 'ISO-8859-1', '', 'KOI8-R'),
          fc.integer({ min: 0, max: 9999 }),
          async (bytes, coding, charset, n) => {
            const text = [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
            const query = `token=${TOKEN}&from=0927${String(n).padStart(7, '0')}&to=2600&text=${text}&id=fuzz-${randomUUID()}&coding=${coding}&charset=${charset}`;
            const response = await get(query);
            return [200, 400].includes(response.status);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('acknowledges a binary (8-bit) message with 200 and no reply', async () => {
      const query = withToken(fixtures.getGsm7).replace(/from=[^&]+/, 'from=09210000005').replace('coding=0', 'coding=1').replace('charset=UTF-8', 'charset=8-BIT');
      expect((await get(query)).status).toBe(200);
      expect(await repliesTo('+639210000005')).toEqual([]);
    });

    it('handles a message id Kannel sends twice once', async () => {
      const query = withToken(fixtures.getGsm7).replace(/from=[^&]+/, 'from=09210000006').replace(/id=[^&]+/, 'id=3a1c4d4e-twice');
      expect((await get(query)).status).toBe(200);
      expect((await get(query)).status).toBe(200);
      expect(await repliesTo('+639210000006')).toHaveLength(1);
    });
  });

  describe('sending through sendsms', () => {
    it('calls sendsms with the credentials, UTF-8, the sender, and a dlr-url back to Lingkod', async () => {
      const id = await context.outbox.enqueue({ address: 'tel:+639210000010', channel: KANNEL_CHANNEL, body: 'Approved – bring your “ID”', kind: 'status' });
      expect(await channel.send({ id, address: 'tel:+639210000010', body: 'Approved – bring your “ID”' })).toEqual({ providerId: String(id) });
      const params = Object.fromEntries(sendsms.calls.at(-1)!);
      expect(params).toEqual({
        username: 'lingkod',
        password: 'sendsms-secret',
        to: '+639210000010',
        text: 'Approved - bring your "ID"',
        charset: 'UTF-8',
        from: '2600',
        'dlr-mask': '27',
        'dlr-url': `${TWILIO_ENV.PUBLIC_URL}/sms/kannel/dlr?token=${TOKEN}&id=${id}&status=%d&reply=%A`,
      });
    });

    it('asks for UCS-2 (coding=2) when the text needs it', async () => {
      await channel.send({ id: 7, address: 'tel:+8801712345678', body: 'আবেদন গৃহীত হয়েছে' });
      const params = sendsms.calls.at(-1)!;
      expect(params.get('coding')).toBe('2');
      expect(params.get('charset')).toBe('UTF-8');
      expect(params.get('text')).toBe('আবেদন গৃহীত হয়েছে');
    });

    it.each([
      { status: 403, body: 'Authorization failed for sendsms', retryable: false },
      { status: 400, body: 'Sender missing and no global set, rejected', retryable: false },
      { status: 503, body: 'Temporal failure, try again later.', retryable: true },
    ])('maps sendsms answering $status to a retryable=$retryable SendError', async ({ status, body, retryable }) => {
      sendsms.answer = { status, body };
      try {
        const error = await channel.send({ id: 8, address: 'tel:+639210000011', body: 'Hi' }).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(SendError);
        expect(error).toMatchObject({ retryable, message: `Kannel answered ${status}: ${body}` });
      } finally {
        sendsms.answer = { status: 202, body: '0: Accepted for delivery' };
      }
    });

    it('retries later when Kannel cannot be reached', async () => {
      const closed = new FakeSendsms();
      const url = await closed.start();
      await closed.stop();
      const unreachable = kannelSms({ ...context, config: { ...context.config, KANNEL_SENDSMS_URL: url }, });
      const error = await unreachable.send({ id: 9, address: 'tel:+639210000012', body: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ retryable: true });
    });

    it('refuses to send to a country outside ALLOWED_COUNTRY_CODES', async () => {
      const before = sendsms.calls.length;
      const error = await channel.send({ id: 10, address: 'tel:+12025550123', body: 'Hi' }).catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ retryable: false, unreachable: true });
      expect(sendsms.calls.length).toBe(before);
    });
  });

  describe('delivery reports', () => {
    async function sentMessage(number: string): Promise<number> {
      const id = await context.outbox.enqueue({ address: `tel:${number}`, channel: KANNEL_CHANNEL, body: 'Update', kind: 'status' });
      // Everything queued before it (replies go first) is sent too.
      while ((await context.dispatcher.runOnce()) > 0) {
        // drain
      }
      expect(await outboxRow(id)).toMatchObject({ status: 'sent', provider_id: String(id) });
      return id;
    }
    const report = (recorded: string, id: number) => recorded.replace('id=5', `id=${id}`);

    it('moves a message to delivered on 8 then 1, and never back on a late 8', async () => {
      const id = await sentMessage('+639210000020');
      expect((await dlr(report(fixtures.dlrAccepted, id))).status).toBe(200);
      expect((await outboxRow(id)).status).toBe('sent');
      expect((await dlr(report(fixtures.dlrDelivered, id))).status).toBe(200);
      expect((await outboxRow(id)).status).toBe('delivered');
      expect((await dlr(report(fixtures.dlrAccepted, id))).status).toBe(200);
      expect((await outboxRow(id)).status).toBe('delivered');
    });

    it('records a failure with the SMSC status and error, without the excerpt of the text', async () => {
      const undelivered = await sentMessage('+639210000021');
      await dlr(report(fixtures.dlrUndelivered, undelivered));
      expect(await outboxRow(undelivered)).toMatchObject({ status: 'failed', last_error: 'DLR 2: stat:UNDELIV err:001' });
      const refused = await sentMessage('+639210000022');
      await dlr(report(fixtures.dlrNack, refused));
      expect(await outboxRow(refused)).toMatchObject({ status: 'failed', last_error: 'DLR 16: NACK/0x0000000b/Invalid Destination Address' });
    });

    it('answers 200 to a report of an unknown type or for an unknown message, and logs it', async () => {
      const id = await sentMessage('+639210000023');
      const unknownType = await dlr(`token=TOKEN&id=${id}&status=32&reply=`);
      expect(unknownType.status).toBe(200);
      expect((await outboxRow(id)).status).toBe('sent');
      expect((await dlr('token=TOKEN&id=999999&status=1&reply=')).status).toBe(200);
      expect(logs.lines.some((line) => line.includes('Kannel delivery report of an unknown type ignored'))).toBe(true);
      expect(logs.lines.some((line) => line.includes('Kannel delivery report for an unknown message'))).toBe(true);
    });

    it('refuses a report with a wrong token (403) or a malformed one (400)', async () => {
      expect((await request(app).get('/sms/kannel/dlr?token=guess&id=1&status=1')).status).toBe(403);
      expect((await dlr('token=TOKEN&id=abc&status=1')).status).toBe(400);
      expect((await dlr('token=TOKEN&id=1')).status).toBe(400);
    });
  });

  it('answers 503 while its records store is unreachable, so nothing is lost silently', async () => {
    db.down = true;
    try {
      const text = await get(withToken(fixtures.getGsm7).replace(/id=[^&]+/, 'id=while-down'));
      expect(text.status).toBe(503);
      expect(text.text).toBe('Temporarily unavailable');
      expect((await dlr(fixtures.dlrDelivered)).status).toBe(503);
    } finally {
      db.down = false;
    }
  });

  it('answers a text once when the database is lost between recording it and queuing its reply, and Kannel resends it', async () => {
    const query = withToken(fixtures.getGsm7).replace(/from=[^&]+/, 'from=09210000011').replace(/id=[^&]+/, 'id=cut-short');
    db.refuse = /INSERT INTO outbox/;
    try {
      expect((await get(query)).status).toBe(503);
    } finally {
      db.refuse = undefined;
    }
    expect(await repliesTo('+639210000011')).toEqual([]);
    // A resend at once is a replay of a text still being handled: acknowledged, not answered.
    expect((await get(query)).status).toBe(200);
    expect(await repliesTo('+639210000011')).toEqual([]);
    // Kannel resends after http-queue-delay (30 s): the text is taken up again and answered once.
    await db.query("UPDATE inbound_messages SET received_at = now() - interval '30 seconds' WHERE provider_id = 'cut-short'");
    expect((await get(query)).status).toBe(200);
    expect((await get(query)).status).toBe(200);
    const replies = await repliesTo('+639210000011');
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toMatch(/^Choose your language/);
    // The dialog stepped once: the answer to the first text of a conversation, saved by the cut-short turn.
    const [{ handled }] = await db.query<{ handled: boolean }>("SELECT handled_at IS NOT NULL AS handled FROM inbound_messages WHERE provider_id = 'cut-short'");
    expect(handled).toBe(true);
  });

  it('never writes the token, the sendsms password, a phone number or a text to the logs', () => {
    const written = logs.lines.join('\n');
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain('sendsms-secret');
    expect(written).not.toMatch(/9171234567|92100000/);
    expect(written).not.toContain('ভাষা');
  });
});
