import express, { type Express } from 'express';
import request from 'supertest';
import { SendError, type SendingChannel } from '../../../src/channels/channel';
import dlrs from '../../../src/channels/infobip/fixtures/dlr.json';
import inbound from '../../../src/channels/infobip/fixtures/inbound.json';
import sendAnswers from '../../../src/channels/infobip/fixtures/send-answer.json';
import { INFOBIP_CHANNEL, infobipSms } from '../../../src/channels/infobip/infobip';
import { phoneSender } from '../../../src/channels/sms';
import type { AppContext } from '../../../src/context';
import { loadConfig } from '../../../src/config';
import type { Database } from '../../../src/store/sql';
import { LogCapture, startLingkod } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { FakeInfobip, INFOBIP_SECRETS, basic, drain, forwardOf, infobipEnv, postForward, withToken } from './support';

describe.each(databaseBackends())('SMS through Infobip, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let channel: SendingChannel;
  const fake = new FakeInfobip();

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db, { ...infobipEnv(await fake.start()), SMS_REPLIES_PER_MINUTE: '1000' }));
    channel = phoneSender(context.channels)!;
  });
  afterAll(async () => {
    await context.close();
    await fake.stop();
  });

  async function repliesTo(number: string) {
    return db.query<{ body: string; channel: string; kind: string; status: string }>('SELECT body, channel, kind, status FROM outbox WHERE address = $1 ORDER BY id', [`tel:${number}`]);
  }
  async function outboxRow(id: number) {
    const [row] = await db.query<{ status: string; provider_id: string | null; last_error: string | null }>('SELECT status, provider_id, last_error FROM outbox WHERE id = $1', [id]);
    return row;
  }
  const forwardTo = (path: string, body: unknown) => postForward(app, path, body);

  it('is the phone sender when it is the only SMS provider on', () => {
    expect(channel.name).toBe(INFOBIP_CHANNEL);
  });

  describe('texts forwarded as MO_JSON_2', () => {
    it('answers the recorded forward 200 and sends the reply through /sms/2/text/advanced with the key, sender, outbox id and notifyUrl', async () => {
      const response = await forwardTo('/sms/infobip', inbound);
      expect(response.status).toBe(200);
      const [reply] = await repliesTo('+639171234567');
      expect(reply).toMatchObject({ channel: INFOBIP_CHANNEL, kind: 'reply', status: 'queued' });
      expect(reply.body).toContain('MENU');
      await drain(context);
      const call = fake.calls.at(-1)!;
      expect(call.headers.authorization).toBe(`App ${INFOBIP_SECRETS.INFOBIP_API_KEY}`);
      const [message] = call.body.messages!;
      const [row] = await db.query<{ id: number; status: string; provider_id: string }>('SELECT id, status, provider_id FROM outbox WHERE address = $1', ['tel:+639171234567']);
      expect(message).toEqual({
        destinations: [{ to: '639171234567', messageId: String(row.id) }],
        from: 'LINGKOD',
        text: reply.body,
        notifyUrl: `https://${INFOBIP_SECRETS.INFOBIP_WEBHOOK_USER}:${INFOBIP_SECRETS.INFOBIP_WEBHOOK_PASSWORD}@lingkod.example.gov.ph/sms/infobip/dlr?token=${INFOBIP_SECRETS.INFOBIP_WEBHOOK_TOKEN}`,
        notifyContentType: 'application/json',
      });
      expect(row).toMatchObject({ status: 'sent', provider_id: String(row.id) });
    });

    it('handles every result of one forward, each under its own messageId', async () => {
      const first = forwardOf('+639210000101', 'HELP').results[0];
      const second = forwardOf('+639210000102', 'HELP').results[0];
      expect((await forwardTo('/sms/infobip', { results: [first, second], messageCount: 2, pendingMessageCount: 0 })).status).toBe(200);
      expect(await repliesTo('+639210000101')).toHaveLength(1);
      expect(await repliesTo('+639210000102')).toHaveLength(1);
    });

    it('answers a forward Infobip sends again 200 and replies once', async () => {
      const again = forwardOf('+639210000103', 'HELP');
      expect((await forwardTo('/sms/infobip', again)).status).toBe(200);
      expect((await forwardTo('/sms/infobip', again)).status).toBe(200);
      expect(await repliesTo('+639210000103')).toHaveLength(1);
    });

    it.each([
      ['no credentials at all', (path: string) => request(app).post(path), 401],
      ['no Basic credentials', (path: string) => request(app).post(withToken(path)), 401],
      ['a wrong password', (path: string) => request(app).post(withToken(path)).set('Authorization', basic(INFOBIP_SECRETS.INFOBIP_WEBHOOK_USER, 'guess-guess-guess-1')), 401],
      ['a wrong user', (path: string) => request(app).post(withToken(path)).set('Authorization', basic('someone', INFOBIP_SECRETS.INFOBIP_WEBHOOK_PASSWORD)), 401],
      ['Basic credentials but no token', (path: string) => request(app).post(path).set('Authorization', basic()), 403],
      ['a token one character short', (path: string) => request(app).post(`${path}?token=${INFOBIP_SECRETS.INFOBIP_WEBHOOK_TOKEN.slice(0, -1)}`).set('Authorization', basic()), 403],
    ])('refuses a forward with %s, and handles nothing', async (_case, post, status) => {
      for (const path of ['/sms/infobip', '/sms/infobip/dlr']) {
        const response = await post(path).set('Content-Type', 'application/json').send(JSON.stringify(forwardOf('+639210000104', 'HELP')));
        expect(response.status).toBe(status);
        if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Basic /);
      }
      expect(await repliesTo('+639210000104')).toEqual([]);
    });

    it.each([
      ['a body that is not JSON', '{"results": [', 400],
      ['no results', JSON.stringify({ messageCount: 0 }), 400],
      ['an empty results list', JSON.stringify({ results: [] }), 400],
      ['a result without messageId', JSON.stringify({ results: [{ from: '639210000105', text: 'HELP' }] }), 400],
      ['a messageId with a NUL', JSON.stringify({ results: [{ messageId: 'a\u0000b', from: '639210000105', text: 'HELP' }] }), 400],
      ['a text as a number', JSON.stringify({ results: [{ messageId: 'x-1', from: '639210000105', text: 42 }] }), 400],
      ['a body over 256 kB', JSON.stringify({ results: [{ messageId: 'x-2', from: '639210000105', text: 'a'.repeat(300_000) }] }), 413],
    ])('answers %s with a plain 4xx, never a 5xx', async (_case, body, status) => {
      const response = await request(app).post(withToken('/sms/infobip')).set('Authorization', basic()).set('Content-Type', 'application/json').send(body);
      expect(response.status).toBe(status);
      expect(response.text).not.toMatch(/at .*\.ts|Error:/);
      expect(await repliesTo('+639210000105')).toEqual([]);
    });
  });

  describe('sending', () => {
    const failure = (message: { id: number; address: string; body: string }) => channel.send(message).catch((thrown: unknown) => thrown);

    it('keeps the reason of a message Infobip answers REJECTED, and does not retry it', async () => {
      fake.next.push({ status: 200, body: sendAnswers.rejected });
      const error = await failure({ id: 501, address: 'tel:+639210000201', body: 'Update' });
      expect(error).toBeInstanceOf(SendError);
      expect(error).toMatchObject({ retryable: false, message: 'Infobip REJECTED: REJECTED_SOURCE: Invalid Source address' });
    });

    it('takes 401 as a configuration problem, not to be retried, naming the settings', async () => {
      fake.next.push({ status: 401, body: sendAnswers.unauthorized });
      const error = await failure({ id: 502, address: 'tel:+639210000202', body: 'Update' });
      expect(error).toMatchObject({ retryable: false });
      expect((error as Error).message).toBe('Infobip refused the credentials (HTTP 401, UNAUTHORIZED: Invalid login details): check INFOBIP_API_KEY and INFOBIP_BASE_URL');
    });

    it('honours 429 with the wait Retry-After gives', async () => {
      fake.next.push({ status: 429, body: sendAnswers.tooManyRequests, headers: { 'Retry-After': '7' } });
      const error = await failure({ id: 503, address: 'tel:+639210000203', body: 'Update' });
      expect(error).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    });

    it('retries a 5xx, and a network failure', async () => {
      fake.next.push({ status: 500, body: sendAnswers.serverError });
      expect(await failure({ id: 504, address: 'tel:+639210000204', body: 'Update' })).toMatchObject({ retryable: true, message: 'Infobip answered 500: GENERAL_ERROR: Something went wrong. Please contact support.' });
      const closed = new FakeInfobip();
      const url = await closed.start();
      await closed.stop();
      const offline = infobipSms({ ...context, config: { ...context.config, INFOBIP_BASE_URL: url } });
      expect(await offline.send({ id: 505, address: 'tel:+639210000205', body: 'Update' }).catch((thrown: unknown) => thrown)).toMatchObject({ retryable: true });
    });

    it('refuses a country outside ALLOWED_COUNTRY_CODES without calling Infobip', async () => {
      const before = fake.calls.length;
      expect(await failure({ id: 506, address: 'tel:+12025550123', body: 'Hi' })).toMatchObject({ retryable: false, unreachable: true });
      expect(fake.calls.length).toBe(before);
    });

    it('through the dispatcher, a REJECTED message fails for good with its reason kept for officers', async () => {
      await drain(context);
      const id = await context.outbox.enqueue({ address: 'tel:+639210000206', channel: INFOBIP_CHANNEL, body: 'Update', kind: 'status' });
      fake.next.push({ status: 200, body: sendAnswers.rejected });
      await drain(context);
      expect(await outboxRow(id)).toMatchObject({ status: 'failed', last_error: 'Infobip REJECTED: REJECTED_SOURCE: Invalid Source address' });
    });
  });

  describe('delivery reports', () => {
    async function sentMessage(number: string): Promise<number> {
      const id = await context.outbox.enqueue({ address: `tel:${number}`, channel: INFOBIP_CHANNEL, body: 'Update', kind: 'status' });
      await drain(context);
      expect(await outboxRow(id)).toMatchObject({ status: 'sent', provider_id: String(id) });
      return id;
    }
    const report = (recorded: unknown, id: number) => JSON.parse(JSON.stringify(recorded).replace(/MESSAGE_ID/g, String(id))) as unknown;
    const dlr = async (recorded: unknown, id: number) => expect((await forwardTo('/sms/infobip/dlr', report(recorded, id))).status).toBe(200);

    it('moves a message through PENDING and DELIVERED_TO_OPERATOR (still sent) to DELIVERED_TO_HANDSET, never back', async () => {
      const id = await sentMessage('+639210000301');
      await dlr(dlrs.pending, id);
      expect((await outboxRow(id)).status).toBe('sent');
      await dlr(dlrs.deliveredToOperator, id);
      expect((await outboxRow(id)).status).toBe('sent');
      await dlr(dlrs.delivered, id);
      expect((await outboxRow(id)).status).toBe('delivered');
      await dlr(dlrs.pending, id);
      await dlr(dlrs.deliveredToOperator, id);
      expect((await outboxRow(id)).status).toBe('delivered');
    });

    it('takes reports in any order: delivered first, then a late pending', async () => {
      const id = await sentMessage('+639210000302');
      await dlr(dlrs.delivered, id);
      await dlr(dlrs.pending, id);
      expect((await outboxRow(id)).status).toBe('delivered');
    });

    it.each([
      ['undeliverable', dlrs.undeliverable, 'Infobip UNDELIVERABLE: UNDELIVERABLE_NOT_DELIVERED (Message sent not delivered); error EC_ABSENT_SUBSCRIBER (Absent Subscriber), temporary'],
      ['expired', dlrs.expired, 'Infobip EXPIRED: EXPIRED_EXPIRED (Message expired)'],
      ['rejected', dlrs.rejected, 'Infobip REJECTED: REJECTED_NETWORK (Network is forbidden)'],
    ])('records %s as failed with the reason in plain words', async (_case, recorded, reason) => {
      const id = await sentMessage('+639210000303');
      await dlr(recorded, id);
      expect(await outboxRow(id)).toMatchObject({ status: 'failed', last_error: reason });
    });

    it('answers 200 to a report for an unknown message or of an unknown group, and moves nothing', async () => {
      const id = await sentMessage('+639210000304');
      await dlr(dlrs.delivered, 99_999_999);
      const strange = report(dlrs.delivered, id) as { results: { status: { groupName: string } }[] };
      strange.results[0].status.groupName = 'SOMETHING_NEW';
      expect((await forwardTo('/sms/infobip/dlr', strange)).status).toBe(200);
      expect((await outboxRow(id)).status).toBe('sent');
      expect(logs.lines.some((line) => line.includes('Infobip delivery report of an unknown status group ignored'))).toBe(true);
    });

    it('answers a malformed report 400', async () => {
      expect((await forwardTo('/sms/infobip/dlr', { results: [{ messageId: '1' }] })).status).toBe(400);
      expect((await request(app).post(withToken('/sms/infobip/dlr')).set('Authorization', basic()).set('Content-Type', 'application/json').send('not json')).status).toBe(400);
    });
  });

  describe('with one authentication only', () => {
    /** The adapter alone on an app, with these webhook settings instead of both. */
    const alone = (settings: Partial<AppContext['config']>) => {
      const only = infobipSms({ ...context, config: { ...context.config, INFOBIP_WEBHOOK_USER: undefined, INFOBIP_WEBHOOK_PASSWORD: undefined, INFOBIP_WEBHOOK_TOKEN: undefined, ...settings } });
      return { app: express().use(only.router), channel: only };
    };

    it('with only a token, takes the token without Basic credentials and puts it in the notifyUrl', async () => {
      const only = alone({ INFOBIP_WEBHOOK_TOKEN: INFOBIP_SECRETS.INFOBIP_WEBHOOK_TOKEN });
      const body = JSON.stringify(forwardOf('+639210000401', 'HELP'));
      expect((await request(only.app).post(withToken('/sms/infobip')).set('Content-Type', 'application/json').send(body)).status).toBe(200);
      expect((await request(only.app).post('/sms/infobip').set('Content-Type', 'application/json').send(body)).status).toBe(403);
      await only.channel.send({ id: 601, address: 'tel:+639210000401', body: 'Hi' });
      expect(fake.calls.at(-1)!.body.messages![0].notifyUrl).toBe(`https://lingkod.example.gov.ph/sms/infobip/dlr?token=${INFOBIP_SECRETS.INFOBIP_WEBHOOK_TOKEN}`);
    });

    it('with only Basic credentials, takes them without a token', async () => {
      const only = alone({ INFOBIP_WEBHOOK_USER: INFOBIP_SECRETS.INFOBIP_WEBHOOK_USER, INFOBIP_WEBHOOK_PASSWORD: INFOBIP_SECRETS.INFOBIP_WEBHOOK_PASSWORD });
      const body = JSON.stringify(forwardOf('+639210000402', 'HELP'));
      expect((await request(only.app).post('/sms/infobip').set('Authorization', basic()).set('Content-Type', 'application/json').send(body)).status).toBe(200);
      expect((await request(only.app).post(withToken('/sms/infobip')).set('Content-Type', 'application/json').send(body)).status).toBe(401);
    });

    it('refuses to start with no webhook authentication at all', () => {
      expect(() => alone({})).toThrow('Infobip is not configured');
    });
  });

  it('never writes a phone number, the API key or a webhook secret to the logs', () => {
    const all = logs.lines.join('\n');
    expect(all).not.toMatch(/6392100\d{5}|639171234567/);
    for (const secret of Object.values(INFOBIP_SECRETS)) expect(all).not.toContain(secret);
  });
});

describe('Infobip settings', () => {
  it('stays off, saying so once, when a webhook authentication is missing', async () => {
    const [backend] = databaseBackends();
    const db = await backend.open();
    const { context, logs } = await startLingkod(db, { ...infobipEnv('https://xxxxx.api.infobip.com'), INFOBIP_WEBHOOK_USER: '', INFOBIP_WEBHOOK_PASSWORD: '', INFOBIP_WEBHOOK_TOKEN: '' });
    try {
      expect(context.channels.map((each) => each.name)).not.toContain(INFOBIP_CHANNEL);
      expect(logs.lines.filter((line) => line.includes('Infobip SMS is off'))).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  const base = { INFOBIP_BASE_URL: 'https://xxxxx.api.infobip.com', INFOBIP_API_KEY: 'k', INFOBIP_SENDER: 'LINGKOD', INFOBIP_WEBHOOK_TOKEN: 'wh-token-Y1pF6hJ0sD3gT5uE' };

  it('requires https for the base URL in production', () => {
    const production = { NODE_ENV: 'production', SIMULATOR: 'off', PUBLIC_URL: 'https://lingkod.example.gov.ph' };
    expect(() => loadConfig({ ...production, ...base, INFOBIP_BASE_URL: 'http://xxxxx.api.infobip.com' })).toThrow(/INFOBIP_BASE_URL: in production it must be an https/);
    expect(() => loadConfig({ ...production, ...base })).not.toThrow();
  });

  it('refuses webhook secrets shorter than 16 characters, without echoing them', () => {
    expect(() => loadConfig({ ...base, INFOBIP_WEBHOOK_TOKEN: 'short-secret' })).toThrow(/INFOBIP_WEBHOOK_TOKEN: must be at least 16/);
    expect(() => loadConfig({ ...base, INFOBIP_WEBHOOK_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
});
