import type { Express } from 'express';
import request from 'supertest';
import fixtures from '../../../src/channels/globelabs/fixtures/globelabs.json';
import { GLOBELABS_CHANNEL } from '../../../src/channels/globelabs/globelabs';
import { phoneSender } from '../../../src/channels/sms';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod, type LogCapture } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { FakeGlobeLabs, GlobePhone, NOTIFY_PATH, REDIRECT_PATH, drain, globeEnv, inboundBody, partBody } from './support';

describe.each(databaseBackends())('SMS through Globe Labs, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  const fake = new FakeGlobeLabs();
  let numbers = 0;
  /** A fresh Philippine number per test, so tests never share a conversation. */
  const nextNumber = () => `+6391755${String(10_000 + numbers++).padStart(5, '0')}`;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db, globeEnv(await fake.start(), { GLOBELABS_MULTIPART_WAIT_SECONDS: '1' })));
  });
  afterAll(async () => {
    await context.close();
    await fake.stop();
  });

  const post = (path: string, body: unknown) => request(app).post(path).set('content-type', 'application/json').send(JSON.stringify(body));
  async function queued(number: string): Promise<{ body: string; channel: string; status: string; last_error: string | null }[]> {
    return db.query('SELECT body, channel, status, last_error FROM outbox WHERE address = $1 ORDER BY id', [`tel:${number}`]);
  }
  async function storedToken(number: string): Promise<string | undefined> {
    const [row] = await db.query<{ token_sealed: string }>('SELECT token_sealed FROM sms_subscriptions WHERE provider = $1 AND address = $2', [GLOBELABS_CHANNEL, `tel:${number}`]);
    return row?.token_sealed;
  }

  describe('the token in the Notify and Redirect URIs (Globe Labs signs nothing)', () => {
    it('refuses every route without it, with a wrong one, or with two, before reading the body', async () => {
      for (const path of ['/sms/globelabs', '/sms/globelabs?token=wrong', `${NOTIFY_PATH}&token=${'x'.repeat(36)}`]) {
        const response = await post(path, fixtures.inbound);
        expect(response.status).toBe(403);
        expect(response.body).toEqual({ error: 'Forbidden: wrong token' });
      }
      expect((await request(app).get(`/sms/globelabs/subscriptions?access_token=abcdefghijkl&subscriber_number=9175550101`)).status).toBe(403);
      expect((await post('/sms/globelabs/subscriptions', fixtures.unsubscribed)).status).toBe(403);
      // Refused before parsing: a malformed body without the token is a 403, not a 400.
      expect((await request(app).post('/sms/globelabs').set('content-type', 'application/json').send('{not json')).status).toBe(403);
      expect(await db.query('SELECT 1 FROM sms_subscriptions')).toEqual([]);
    });
  });

  describe('malformed requests', () => {
    it('answers 400 in JSON for bodies that are not JSON, not the documented shape, or too big', async () => {
      const notJson = await request(app).post(NOTIFY_PATH).set('content-type', 'application/json').send('{"inboundSMSMessageList":');
      expect(notJson.status).toBe(400);
      expect(notJson.body).toEqual({ error: 'Bad request: body is not JSON' });
      const missing = await post(NOTIFY_PATH, { inboundSMSMessageList: { inboundSMSMessage: [{ message: 'hi' }] } });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toContain('senderAddress');
      expect((await post(NOTIFY_PATH, { inboundSMSMessageList: { inboundSMSMessage: [] } })).status).toBe(400);
      expect((await post(NOTIFY_PATH, partBody('+639175550199', 'ref-bad', 3, 2, 'x'))).status).toBe(400);
      expect((await post(NOTIFY_PATH, partBody('+639175550199', 'ref-bad', 0, 2, 'x'))).status).toBe(400);
      const big = await post(NOTIFY_PATH, inboundBody('+639175550199', 'x'.repeat(70_000), 'big1'));
      expect([400, 413]).toContain(big.status);
      expect((await post(REDIRECT_PATH, { access_token: 'short', subscriber_number: '9175550101' })).status).toBe(400);
      expect((await post(REDIRECT_PATH, { access_token: 'abcdefghijkl', subscriber_number: 'not-a-number' })).status).toBe(400);
      expect((await request(app).get(`${REDIRECT_PATH}&code=abc123`)).status).toBe(400);
      expect(await queued('+639175550199')).toEqual([]);
    });
  });

  describe('inbound texts', () => {
    it('answers a documented inbound text through the outbox, once however often Globe Labs resends it', async () => {
      const phone = new GlobePhone({ app, context }, fake, nextNumber());
      await phone.optIn();
      const body = inboundBody(phone.number, 'HELP', 'resend-0001');
      expect((await post(NOTIFY_PATH, body)).status).toBe(200);
      expect((await post(NOTIFY_PATH, body)).status).toBe(200);
      const rows = await queued(phone.number);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ channel: GLOBELABS_CHANNEL, status: 'queued' });
      await drain(context);
      const [sent] = fake.delivered.filter((item) => item.address === `tel:${phone.number}`);
      expect(sent).toMatchObject({ senderAddress: '4321', accessToken: phone.token, address: `tel:${phone.number}` });
      expect(sent.message).toContain('MENU');
    });

    it('treats a text without a messageId (as the documented sample has) by its content, so a resend stays one text', async () => {
      const phone = new GlobePhone({ app, context }, fake, nextNumber());
      const body = inboundBody(phone.number, 'HELP', null);
      expect((await post(NOTIFY_PATH, body)).status).toBe(200);
      expect((await post(NOTIFY_PATH, body)).status).toBe(200);
      expect(await queued(phone.number)).toHaveLength(1);
    });
  });

  describe('multipart texts', () => {
    const refId = () => `ref${Math.random().toString(16).slice(2, 14)}`;
    const textOf = async (number: string) => (await db.query<{ body: string }>('SELECT body FROM outbox WHERE address = $1', [`tel:${number}`])).map((row) => row.body);

    it('hands on the parts in order as one text once the last arrives', async () => {
      const number = nextNumber();
      const ref = refId();
      expect((await post(NOTIFY_PATH, partBody(number, ref, 1, 2, 'HE'))).status).toBe(200);
      expect(await queued(number)).toEqual([]);
      expect((await post(NOTIFY_PATH, partBody(number, ref, 2, 2, 'LP'))).status).toBe(200);
      const [reply] = await textOf(number);
      expect(reply).toContain('MENU');
      const [handled] = await db.query<{ provider_id: string }>('SELECT provider_id FROM inbound_messages WHERE channel = $1 AND provider_id = $2', [GLOBELABS_CHANNEL, `mp:${ref}`]);
      expect(handled).toBeDefined();
    });

    it('puts parts that arrive out of order back in order', async () => {
      const number = nextNumber();
      const ref = refId();
      await post(NOTIFY_PATH, partBody(number, ref, 3, 3, 'P'));
      await post(NOTIFY_PATH, partBody(number, ref, 1, 3, 'H'));
      expect(await queued(number)).toEqual([]);
      await post(NOTIFY_PATH, partBody(number, ref, 2, 3, 'EL'));
      expect((await textOf(number))[0]).toContain('MENU');
    });

    it('counts a part seen twice once, and a part resent after the text was handled answers nothing more', async () => {
      const number = nextNumber();
      const ref = refId();
      await post(NOTIFY_PATH, partBody(number, ref, 1, 2, 'HE'));
      await post(NOTIFY_PATH, partBody(number, ref, 1, 2, 'HE'));
      expect(await queued(number)).toEqual([]);
      await post(NOTIFY_PATH, partBody(number, ref, 2, 2, 'LP'));
      await post(NOTIFY_PATH, partBody(number, ref, 2, 2, 'LP'));
      await post(NOTIFY_PATH, partBody(number, ref, 1, 2, 'HE'));
      const replies = await textOf(number);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain('MENU');
    });

    it('gives up waiting for a part that never comes and handles what arrived', async () => {
      const number = nextNumber();
      const ref = refId();
      await post(NOTIFY_PATH, partBody(number, ref, 1, 2, 'HELP'));
      expect(await queued(number)).toEqual([]);
      // GLOBELABS_MULTIPART_WAIT_SECONDS is 1 here: wait for the timer's hand-off, not for a time.
      for (let tries = 0; (await queued(number)).length === 0 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      const replies = await textOf(number);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain('MENU');
      expect(logs.lines.some((line) => line.includes('handled with the parts that arrived'))).toBe(true);
    });
  });

  describe('subscriber consent', () => {
    it('stores the token from the opt-in (GET, and the documented JSON POST) sealed, and sends with it', async () => {
      const phone = new GlobePhone({ app, context }, fake, nextNumber());
      await phone.optIn();
      const sealed = await storedToken(phone.number);
      expect(sealed).toBeDefined();
      expect(sealed).not.toContain(phone.token);
      const id = await context.outbox.enqueue({ address: `tel:${phone.number}`, channel: 'sms', body: 'Your request was approved', kind: 'status' });
      await drain(context);
      const sent = fake.delivered.find((item) => item.clientCorrelator === String(id));
      expect(sent).toMatchObject({ accessToken: phone.token, senderAddress: '4321', address: `tel:${phone.number}`, message: expect.stringMatching(/^Your request was approved/) });

      const posted = nextNumber();
      fake.tokens.add('PostedToken_0123456789abcdef');
      expect((await post(REDIRECT_PATH, { access_token: 'PostedToken_0123456789abcdef', subscriber_number: posted.replace('+63', '') })).status).toBe(200);
      await context.outbox.enqueue({ address: `tel:${posted}`, channel: GLOBELABS_CHANNEL, body: 'Hello', kind: 'status' });
      await drain(context);
      expect(fake.to(posted)).toEqual([expect.stringMatching(/^Hello/)]);
    });

    it('refuses to send to a number that never opted in: unreachable, nothing sent', async () => {
      const number = nextNumber();
      const id = await context.outbox.enqueue({ address: `tel:${number}`, channel: GLOBELABS_CHANNEL, body: 'Hello', kind: 'status' });
      const requests = fake.requests.length;
      await drain(context);
      expect(fake.requests.length).toBe(requests);
      const [row] = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM outbox WHERE id = $1', [id]);
      expect(row).toEqual({ status: 'failed', last_error: 'Globe Labs: the subscriber has not opted in to the short code (no access token)' });
    });

    it('forgets the token and opts the citizen out when Globe Labs reports an unsubscribe; nothing is sent after', async () => {
      const phone = new GlobePhone({ app, context }, fake, nextNumber());
      await phone.optIn();
      await phone.send('HELP');
      const unsubscribed = { unsubscribed: { ...fixtures.unsubscribed.unsubscribed, subscriber_number: phone.number.replace('+63', ''), access_token: phone.token } };
      expect((await post(REDIRECT_PATH, unsubscribed)).status).toBe(200);
      expect(await storedToken(phone.number)).toBeUndefined();
      const [citizen] = await db.query<{ opted_out: boolean }>('SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [`tel:${phone.number}`]);
      expect(citizen.opted_out).toBe(true);
      const before = fake.requests.length;
      await context.outbox.enqueue({ address: `tel:${phone.number}`, channel: GLOBELABS_CHANNEL, body: 'After', kind: 'status' });
      await drain(context);
      expect(fake.requests.length).toBe(before);
      expect(fake.to(phone.number).some((text) => text.startsWith('After'))).toBe(false);
    });
  });

  describe('send()', () => {
    it('maps Globe Labs answers: 5xx and 429 retry (429 with its wait), 401 drops the token, 400 fails, a retry reuses the clientCorrelator', async () => {
      const phone = new GlobePhone({ app, context }, fake, nextNumber());
      await phone.optIn();
      const channel = context.channels.find((candidate) => candidate.name === GLOBELABS_CHANNEL) as ReturnType<typeof phoneSender> & object;
      const message = { id: 9_000_001, address: `tel:${phone.number}`, body: 'Update' };

      fake.next.push({ status: 503, body: '{"error":"Platform Error"}' });
      await expect(channel.send(message)).rejects.toMatchObject({ retryable: true, unreachable: false, message: expect.stringContaining('503') });
      fake.next.push({ status: 429, headers: { 'retry-after': '7' } });
      await expect(channel.send(message)).rejects.toMatchObject({ retryable: true, retryAfterMs: 7000 });
      await expect(channel.send(message)).resolves.toEqual({ providerId: '9000001' });
      await expect(channel.send(message)).resolves.toEqual({ providerId: '9000001' });
      expect(fake.to(phone.number)).toEqual(['Update']);
      expect(fake.requests.filter((item) => item.clientCorrelator === '9000001').length).toBe(4);

      fake.next.push({ status: 400, body: '{"error":"Wrong or missing parameters"}' });
      await expect(channel.send(message)).rejects.toMatchObject({ retryable: false, unreachable: false });

      fake.tokens.delete(phone.token);
      const revoked = channel.send(message);
      await expect(revoked).rejects.toMatchObject({ retryable: false, unreachable: true });
      await expect(revoked).rejects.toThrow(/401/);
      await expect(revoked).rejects.not.toThrow(phone.token);
      expect(await storedToken(phone.number)).toBeUndefined();
    });

    it('is the phone sender after Kannel and Twilio when only it is on', () => {
      expect(phoneSender(context.channels)?.name).toBe(GLOBELABS_CHANNEL);
    });
  });

  describe('logs, after everything above', () => {
    it('writes no phone number and no access token to the logs', () => {
      const text = logs.lines.join('\n');
      expect(text).not.toMatch(/9175\d{5}/);
      expect(text).not.toMatch(/tok_/);
      expect(text).not.toContain('PostedToken_');
      expect(text).not.toContain(globeEnv('').GLOBELABS_WEBHOOK_TOKEN);
      expect(text).not.toContain(globeEnv('').GLOBELABS_APP_SECRET);
      expect(logs.lines.some((line) => line.includes('Globe Labs subscriber opted in'))).toBe(true);
    });
  });
});
