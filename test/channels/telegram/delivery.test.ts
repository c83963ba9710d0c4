import type { Express } from 'express';
import type { AppContext } from '../../../src/context';
import { preferredAddress } from '../../../src/services/reachability';
import type { Database } from '../../../src/store/sql';
import type { LogCapture } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import type { FakeBotApi } from './fake-bot-api';
import { BOT_TOKEN, TelegramUser, drain, postUpdate, startWithTelegram } from './support';

/** Waits (without a deadline of its own; jest's applies) until `check` holds. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each(databaseBackends())('Telegram delivery through the outbox, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let fake: FakeBotApi;
  let nextUser = 5_550_200_000;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs, fake } = await startWithTelegram(db));
  });
  afterAll(async () => {
    await context.close();
    await fake.close();
  });

  async function englishUser(): Promise<TelegramUser> {
    const user = new TelegramUser(app, context, fake, ++nextUser);
    await user.send('/start');
    await user.press('English');
    return user;
  }

  const helpUpdate = (user: TelegramUser) => {
    const update = user.update('message_command');
    Object.assign(update.message as object, { text: '/help', entities: [{ offset: 0, length: 5, type: 'bot_command' }] });
    return update;
  };
  const sendsTo = (user: TelegramUser, method = 'sendMessage') => fake.callsOf(method).filter((call) => call.payload.chat_id === user.id);
  const outboxOf = (user: TelegramUser) =>
    db.query<{ status: string; attempts: number; last_error: string | null; kind: string }>(
      'SELECT status, attempts, last_error, kind FROM outbox WHERE address = $1 ORDER BY id',
      [user.address],
    );
  const unreachable = async (user: TelegramUser) =>
    (await db.query<{ unreachable: boolean }>('SELECT unreachable_since IS NOT NULL AS unreachable FROM citizen_addresses WHERE address = $1', [user.address]))[0]
      .unreachable;
  const citizenOf = async (user: TelegramUser) =>
    Number((await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [user.address]))[0].citizen_id);
  const statusUpdate = async (user: TelegramUser, body: string) => {
    await context.outbox.enqueue({ address: user.address, channel: 'telegram', body, kind: 'status', citizenId: await citizenOf(user) });
    await drain(context);
  };

  it('answers the webhook while the reply\'s send is still held up, and sends the reply once although Telegram redelivered', async () => {
    const user = await englishUser();
    const before = sendsTo(user).length;
    const held = fake.holdNext('sendMessage');
    context.dispatcher.start();
    try {
      const update = helpUpdate(user);
      expect((await postUpdate(app, update)).status).toBe(200);
      // The dispatcher has the reply in hand and Telegram has not answered it.
      await eventually(() => sendsTo(user).length === before + 1);
      expect((await outboxOf(user)).at(-1)?.status).toBe('sending');
      // Telegram, seeing no answer in time, would redeliver: the webhook still answers at once.
      expect((await postUpdate(app, update)).status).toBe(200);
      held.release();
      await eventually(async () => (await outboxOf(user)).at(-1)?.status === 'sent');
    } finally {
      held.release();
      await context.dispatcher.stop();
    }
    await drain(context);
    expect(sendsTo(user).filter((call) => String(call.payload.text).includes('Tap a button'))).toHaveLength(1);
    expect((await outboxOf(user)).filter((row) => row.status !== 'sent')).toEqual([]);
  });

  it('sends status updates as plain text', async () => {
    const user = await englishUser();
    await statusUpdate(user, 'Your request 4821-7730-953 is now: Approved.');
    const call = sendsTo(user).at(-1)!;
    // With the verification line every pushed message ends with (VERIFY <code>).
    expect(call.payload.text).toMatch(/^Your request 4821-7730-953 is now: Approved\.\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/);
    expect(call.payload.reply_markup).toBeUndefined();
  });

  it('waits as long as a 429 says before trying again, then sends', async () => {
    const user = await englishUser();
    fake.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 30', parameters: { retry_after: 30 } });
    await user.post(helpUpdate(user));
    const [row] = await db.query<{ status: string; last_error: string; wait: number }>(
      `SELECT status, last_error, EXTRACT(EPOCH FROM not_before - now())::float AS wait FROM outbox WHERE address = $1 ORDER BY id DESC LIMIT 1`,
      [user.address],
    );
    expect(row.status).toBe('queued');
    expect(row.last_error).toContain('429');
    expect(row.wait).toBeGreaterThan(20);
    expect(row.wait).toBeLessThanOrEqual(30);
    // Thirty seconds later (the test moves the message's time instead of waiting):
    await db.query(`UPDATE outbox SET not_before = now() WHERE address = $1 AND status = 'queued'`, [user.address]);
    await drain(context);
    expect(user.last.text).toContain('Tap a button');
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('retries after a Bot API server error or a dropped connection, and gives up at once on a bad request', async () => {
    const user = await englishUser();
    fake.failNext('sendMessage', { error_code: 502, description: 'Bad Gateway' });
    await user.post(helpUpdate(user));
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'queued', attempts: 1 });
    await db.query(`UPDATE outbox SET not_before = now() WHERE address = $1 AND status = 'queued'`, [user.address]);
    fake.dropNext('sendMessage');
    await drain(context);
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'queued', attempts: 2, last_error: expect.stringContaining("Network request for 'sendMessage' failed") });
    await db.query(`UPDATE outbox SET not_before = now() WHERE address = $1 AND status = 'queued'`, [user.address]);
    await drain(context);
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'sent', attempts: 3 });

    fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: message text is empty' });
    await user.post(helpUpdate(user));
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('marks the chat unreachable on a 403, sends nothing more there, and reaches it again once the citizen writes', async () => {
    const user = await englishUser();
    fake.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await user.post(helpUpdate(user));
    expect((await outboxOf(user)).at(-1)).toMatchObject({ status: 'failed', last_error: expect.stringContaining('403') });
    expect(await unreachable(user)).toBe(true);
    expect(await preferredAddress(db, await citizenOf(user))).toBeUndefined();

    const calls = sendsTo(user).length;
    await statusUpdate(user, 'Your request is ready for pick-up.');
    expect(sendsTo(user)).toHaveLength(calls);
    expect((await outboxOf(user)).at(-1)).toMatchObject({ kind: 'status', status: 'failed', last_error: expect.stringContaining('blocked the bot') });

    await user.send('/menu');
    expect(await unreachable(user)).toBe(false);
    expect(user.last.text).toBe('Lingkod - government services');
    expect(await preferredAddress(db, await citizenOf(user))).toEqual({ address: user.address, channel: 'telegram' });
  });

  it('marks the chat unreachable when the citizen blocks the bot, and reachable when they unblock it', async () => {
    const user = await englishUser();
    expect((await postUpdate(app, user.update('my_chat_member_kicked'))).status).toBe(200);
    expect(await unreachable(user)).toBe(true);
    const calls = sendsTo(user).length;
    await statusUpdate(user, 'Your request was approved.');
    expect(sendsTo(user)).toHaveLength(calls);

    expect((await postUpdate(app, user.update('my_chat_member_member'))).status).toBe(200);
    expect(await unreachable(user)).toBe(false);
    await statusUpdate(user, 'Your request is ready for pick-up.');
    expect(user.last.text).toMatch(/^Your request is ready for pick-up\.\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/);
  });

  it('sends a new message when the pressed one can no longer be edited, and nothing when it already shows the screen', async () => {
    const user = await englishUser();
    fake.failNext('editMessageText', { error_code: 400, description: "Bad Request: message can't be edited" });
    const count = user.messages.length;
    await user.press('Services');
    expect(user.messages).toHaveLength(count + 1);
    expect(user.last.text).toMatch(/^Choose a category/);

    fake.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same' });
    await user.press('« Back');
    expect(user.messages).toHaveLength(count + 1);
    expect((await outboxOf(user)).at(-1)?.status).toBe('sent');
  });

  it('never writes the bot token in a log line, whatever failed', () => {
    expect(logs.lines.some((line) => line.includes('send failed'))).toBe(true);
    const secretHalf = BOT_TOKEN.split(':')[1];
    expect(logs.lines.filter((line) => line.includes(secretHalf))).toEqual([]);
  });
});
