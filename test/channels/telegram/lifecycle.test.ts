import request from 'supertest';
import { ConfigError } from '../../../src/config';
import type { Database, Queryable, Row } from '../../../src/store/sql';
import { startLingkod } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { FakeBotApi } from './fake-bot-api';
import { BOT_TOKEN, WEBHOOK_SECRET, drain, fixture, postUpdate, startWithTelegram } from './support';

/** Waits (without a deadline of its own; jest's applies) until `check` holds. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The database, lent to one more Lingkod whose close() must not close it. */
function borrowed(db: Database): Database {
  return {
    engine: db.engine,
    query: <R extends Row = Row>(sql: string, params?: unknown[]) => db.query<R>(sql, params),
    exec: (script: string) => db.exec(script),
    transaction: <T>(work: (tx: Queryable) => Promise<T>) => db.transaction(work),
    close: async () => undefined,
  };
}

describe.each(databaseBackends())('the Telegram channel starting and stopping, records on $name', (backend) => {
  let db: Database;

  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('is off without TELEGRAM_BOT_TOKEN, says so once, and has no webhook', async () => {
    const { context, app, logs } = await startLingkod(borrowed(db));
    try {
      expect(context.channels.map((channel) => channel.name)).not.toContain('telegram');
      expect(logs.lines.filter((line) => line.includes('Telegram is off'))).toHaveLength(1);
      expect((await request(app).post('/telegram/webhook').send({ update_id: 1 })).status).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('refuses to start in webhook mode without TELEGRAM_WEBHOOK_SECRET, naming the variable', async () => {
    const start = startLingkod(borrowed(db), { TELEGRAM_BOT_TOKEN: BOT_TOKEN });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(startLingkod(borrowed(db), { TELEGRAM_BOT_TOKEN: BOT_TOKEN })).rejects.toThrow(/TELEGRAM_WEBHOOK_SECRET: required/);
  });

  it('asks Telegram to redeliver while the Bot API cannot be reached for the bot\'s identity, and keeps the token out of the logs', async () => {
    // Nothing listens on port 9 of loopback: every call is refused.
    const { context, app, logs } = await startLingkod(borrowed(db), {
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9/',
    });
    try {
      const response = await postUpdate(app, fixture('message_command'));
      expect(response.status).toBe(503);
      await context.outbox.enqueue({ address: 'telegram:5550001001', channel: 'telegram', body: 'Your request was approved.', kind: 'status' });
      await drain(context);
      const [row] = await db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM outbox WHERE address = 'telegram:5550001001'`);
      expect(row.status).toBe('queued');
      expect(row.last_error).toBe("Network request for 'sendMessage' failed! (ECONNREFUSED)");
      expect(logs.lines.some((line) => line.includes('could not reach the Bot API'))).toBe(true);
      expect(logs.lines.filter((line) => line.includes(BOT_TOKEN.split(':')[1]))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('long-polls in polling mode: no webhook route, updates fetched, replies and press answers sent, polling stopped by close()', async () => {
    const { context, app, logs, fake } = await startWithTelegram(borrowed(db), { TELEGRAM_MODE: 'polling', TELEGRAM_WEBHOOK_SECRET: '' });
    try {
      expect((await postUpdate(app, fixture('message_command'))).status).toBe(404);
      for (const channel of context.channels) channel.start?.();
      await eventually(() => fake.callsOf('getUpdates').length > 0);
      expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
      expect(fake.callsOf('getUpdates')[0].payload.allowed_updates).toEqual(['message', 'callback_query', 'my_chat_member']);

      fake.pushUpdate(fixture('message_command', 5550400001));
      await eventually(async () => (await db.query(`SELECT 1 FROM outbox WHERE address = 'telegram:5550400001'`)).length > 0);
      await drain(context);
      const [language] = fake.chat(5550400001);
      expect(language.text).toBe('Choose your language');

      const press = fixture('callback_query', 5550400001);
      const query = press.callback_query as Record<string, unknown>;
      Object.assign(query, { data: language.reply_markup!.inline_keyboard![0][0].callback_data, message: { ...(query.message as object), message_id: language.message_id } });
      fake.pushUpdate(press);
      await eventually(() => fake.callsOf('answerCallbackQuery').length > 0);
      expect(fake.callsOf('answerCallbackQuery')[0].payload).toEqual({ callback_query_id: query.id });
      await drain(context);
      expect(fake.chat(5550400001)[0].text).toBe('Lingkod - government services');
    } finally {
      await context.close();
      await fake.close();
    }
    const polls = fake.callsOf('getUpdates').length;
    expect(logs.lines.some((line) => line.includes('Telegram long polling started'))).toBe(true);
    // close() confirmed the last update (one short getUpdates with the next offset) and stopped.
    expect(fake.callsOf('getUpdates').at(-1)?.payload).toMatchObject({ limit: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.callsOf('getUpdates')).toHaveLength(polls);
  });
});
