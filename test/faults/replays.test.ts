import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import type { LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { postForm, send, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm, messageSid, twimlText } from '../channels/sms/support';
import { WEBHOOK_SECRET, fixture } from '../channels/telegram/support';
import { CHANNEL_SECRETS, KANNEL_TOKEN, serveWithChannels, type ServedLingkod } from './channels';

/**
 * Providers deliver a webhook again when they think we missed it, sometimes while the first
 * delivery is still being handled. Here every Twilio message arrives three times, every
 * Telegram update five times and every Kannel message twice, the copies at the same moment:
 * each is recorded once, moves its conversation one step, and is answered once. A second
 * citizen sends the same texts once each, and both conversations read the same.
 */
const CONVERSATIONS = 6;
const STEPS = ['MENU', '1', '1', '1', '0', '2'];
const TELEGRAM_STEPS = ['hello', '1', '1', '1', '0', '2'];

describe('replayed webhooks', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let lingkod: ServedLingkod;
  const phones: string[] = [];

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    lingkod = await serveWithChannels(db, { env: { SMS_REPLIES_PER_MINUTE: '1000' } });
    ({ context, logs, served } = lingkod);
  });
  afterAll(async () => {
    await lingkod.close();
  });

  const hops = async (channel: string) => {
    const metric = await context.metrics.hops.get();
    return metric.values.filter((value) => value.labels.channel === channel && ['ok', 'final'].includes(String(value.labels.outcome))).reduce((sum, value) => sum + value.value, 0);
  };
  const bodiesTo = async (address: string) => (await db.query<{ body: string }>('SELECT body FROM outbox WHERE address = $1 ORDER BY id', [address])).map((row) => row.body);

  /** Sends each step `copies` times at once (or once, for the control), returning the answers per step. */
  async function converse<T>(steps: string[], copies: number, deliver: (step: string, index: number) => { again(): Promise<T> }): Promise<T[][]> {
    const answers: T[][] = [];
    for (const [index, step] of steps.entries()) {
      const message = deliver(step, index);
      answers.push(await Promise.all(Array.from({ length: copies }, () => message.again())));
    }
    return answers;
  }

  it('answers each Twilio message delivered three times once, one step each', async () => {
    const before = await hops('sms');
    const replayed: string[][] = [];
    for (let conversation = 0; conversation < CONVERSATIONS; conversation++) {
      const number = `+6391757${String(conversation).padStart(5, '0')}`;
      phones.push(number);
      const answers = await converse(STEPS, 3, (text) => {
        const form = inboundForm(number, text, messageSid());
        const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
        return { again: () => postForm(`${served.base}/sms/twilio`, form, { 'X-Twilio-Signature': signature }) };
      });
      expect(answers.flat().every((answer) => answer.status === 200)).toBe(true);
      // Exactly one of the three copies of each message got the reply; the others an empty TwiML.
      expect(answers.map((copies) => copies.filter((answer) => twimlText(answer.text) !== '').length)).toEqual(STEPS.map(() => 1));
      replayed.push(answers.map((copies) => copies.map((answer) => twimlText(answer.text)).join('')));
    }
    const control = `+6391757${String(99).padStart(5, '0')}`;
    phones.push(control);
    const once = await converse(STEPS, 1, (text) => {
      const form = inboundForm(control, text, messageSid());
      const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
      return { again: () => postForm(`${served.base}/sms/twilio`, form, { 'X-Twilio-Signature': signature }) };
    });
    const expected = once.map((copies) => twimlText(copies[0].text));
    for (const conversation of replayed) expect(conversation).toEqual(expected);
    const steps = (await hops('sms')) - before;
    expect(steps).toBe((CONVERSATIONS + 1) * STEPS.length);
    recordFigure(3, `Twilio: ${CONVERSATIONS * STEPS.length} messages delivered 3 times at once`, `${CONVERSATIONS * STEPS.length * 3} deliveries → ${CONVERSATIONS * STEPS.length} dialog steps, ${CONVERSATIONS * STEPS.length} replies, same conversation as without replays`);
  });

  it('answers each Telegram update delivered five times once, one step each', async () => {
    const before = await hops('telegram');
    const conversations: string[][] = [];
    const updateIds: number[] = [];
    for (let conversation = 0; conversation <= CONVERSATIONS; conversation++) {
      const userId = 5550003000 + conversation;
      const copies = conversation === CONVERSATIONS ? 1 : 5;
      await converse(TELEGRAM_STEPS, copies, (text) => {
        const update = fixture('message_text', userId);
        (update.message as { text: string }).text = text;
        updateIds.push(update.update_id);
        const body = JSON.stringify(update);
        return {
          again: () =>
            send(`${served.base}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': WEBHOOK_SECRET }, body }),
        };
      });
      conversations.push(await bodiesTo(`telegram:${userId}`));
    }
    const control = conversations.pop()!;
    expect(control).toHaveLength(TELEGRAM_STEPS.length);
    for (const conversation of conversations) expect(conversation).toEqual(control);
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM telegram_updates WHERE update_id = ANY($1)', [updateIds]);
    expect(Number(n)).toBe(updateIds.length);
    expect((await hops('telegram')) - before).toBe((CONVERSATIONS + 1) * TELEGRAM_STEPS.length);
    recordFigure(3, `Telegram: ${CONVERSATIONS * TELEGRAM_STEPS.length} updates delivered 5 times at once`, `${CONVERSATIONS * TELEGRAM_STEPS.length * 5} deliveries → ${CONVERSATIONS * TELEGRAM_STEPS.length} dialog steps, ${CONVERSATIONS * TELEGRAM_STEPS.length} replies queued`);
  });

  it('answers each Kannel message delivered twice once, one step each', async () => {
    const before = await hops('sms');
    const conversations: string[][] = [];
    for (let conversation = 0; conversation <= CONVERSATIONS; conversation++) {
      const number = `+6391758${String(conversation).padStart(5, '0')}`;
      phones.push(number);
      const copies = conversation === CONVERSATIONS ? 1 : 2;
      const answers = await converse(STEPS, copies, (text, index) => {
        const id = `${conversation}-${index}-${Math.random().toString(16).slice(2)}`;
        const url = `${served.base}/sms/kannel?token=${KANNEL_TOKEN}&from=${encodeURIComponent(number)}&to=2600&text=${encodeURIComponent(text)}&id=${id}&coding=0&charset=UTF-8`;
        return { again: () => send(url) };
      });
      expect(answers.flat().every((answer) => answer.status === 200)).toBe(true);
      conversations.push(await bodiesTo(`tel:${number}`));
    }
    const control = conversations.pop()!;
    expect(control).toHaveLength(STEPS.length);
    for (const conversation of conversations) expect(conversation).toEqual(control);
    expect((await hops('sms')) - before).toBe((CONVERSATIONS + 1) * STEPS.length);
    recordFigure(3, `Kannel: ${CONVERSATIONS * STEPS.length} messages delivered twice at once`, `${CONVERSATIONS * STEPS.length * 2} deliveries → ${CONVERSATIONS * STEPS.length} dialog steps, ${CONVERSATIONS * STEPS.length} replies queued`);
  });

  it('writes no phone number, token or message body to its logs', () => {
    expect(scanLogs('replays', logs.lines, { phones, secrets: CHANNEL_SECRETS })).toEqual([]);
  });
});
