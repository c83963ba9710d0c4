import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod, type LogCapture } from '../../support/app';
import { FakeBotApi, type ChatMessage } from './fake-bot-api';

/** A token in BotFather's shape; the tests prove it never reaches a log line. */
export const BOT_TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const WEBHOOK_SECRET = 'lingkod-test-secret_0123456789';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'src', 'channels', 'telegram', 'fixtures');
/** The made-up user every fixture is written for. */
const FIXTURE_USER = '5550001001';

let updateIds = 900_000_000;
/** A fresh update id, never used before in this process. */
export const nextUpdateId = () => ++updateIds;

/**
 * A fixture (a real update's shape, see src/channels/telegram/fixtures) for user `userId`,
 * with a fresh update id.
 */
export function fixture(name: string, userId: number | string = FIXTURE_USER): Record<string, unknown> & { update_id: number } {
  const raw = readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8').split(FIXTURE_USER).join(String(userId));
  return { ...(JSON.parse(raw) as Record<string, unknown>), update_id: nextUpdateId() };
}

/** A whole Lingkod with Telegram on, talking to a fake Bot API on loopback. */
export async function startWithTelegram(
  db: Database,
  env: Record<string, string> = {},
): Promise<{ context: AppContext; app: Express; logs: LogCapture; fake: FakeBotApi }> {
  const fake = await FakeBotApi.start(BOT_TOKEN);
  const started = await startLingkod(db, {
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TELEGRAM_API_ROOT: fake.root,
    ...env,
  });
  return { ...started, fake };
}

/** Posts an update to the webhook with the right secret. */
export function postUpdate(app: Express, update: unknown, secret = WEBHOOK_SECRET) {
  return request(app).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', secret).set('Content-Type', 'application/json').send(JSON.stringify(update));
}

/** Sends everything the outbox holds, as the dispatcher would, until nothing is due. */
export async function drain(context: AppContext): Promise<void> {
  while ((await context.dispatcher.runOnce()) > 0);
}

/**
 * A citizen in a private chat with the bot, update by update over real HTTP: what they type
 * and press goes to the webhook, and what the bot sends arrives at the fake Bot API.
 */
export class TelegramUser {
  constructor(
    private readonly app: Express,
    private readonly context: AppContext,
    private readonly fake: FakeBotApi,
    readonly id: number,
    private readonly languageCode = 'en',
  ) {}

  get address(): string {
    return `telegram:${this.id}`;
  }

  /** The messages the bot sent to this chat, oldest first, edits applied. */
  get messages(): ChatMessage[] {
    return this.fake.chat(this.id);
  }

  /** The newest message from the bot. */
  get last(): ChatMessage {
    const messages = this.messages;
    if (messages.length === 0) throw new Error(`the bot has sent chat ${this.id} nothing`);
    return messages[messages.length - 1];
  }

  /** The labels of the inline buttons under the newest message. */
  get buttons(): string[] {
    return (this.last.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.text);
  }

  /** Types a text (a command when it starts with `/`) and waits for the replies to be sent. */
  async send(text: string): Promise<ChatMessage> {
    const update = this.update('message_command');
    const message = update.message as Record<string, unknown>;
    message.text = text;
    const command = /^\/\w+/.exec(text);
    if (command) message.entities = [{ offset: 0, length: command[0].length, type: 'bot_command' }];
    else delete message.entities;
    await this.post(update);
    return this.last;
  }

  /** Presses the inline button with this label under the newest message that has one. */
  async press(label: string | RegExp): Promise<ChatMessage> {
    const message = [...this.messages].reverse().find((candidate) => this.buttonIn(candidate, label));
    if (!message) throw new Error(`no button ${String(label)} in chat ${this.id}; last message:\n${this.last.text}\nbuttons: ${this.buttons.join(' | ')}`);
    const button = this.buttonIn(message, label)!;
    await this.pressData(message, button.callback_data!);
    return this.last;
  }

  /** Presses a button by its callback data under a given message; returns the webhook's answer. */
  async pressData(message: ChatMessage, data: string) {
    return this.post(this.pressUpdate(message, data));
  }

  /** The callback_query update a press on a button of `message` makes. */
  pressUpdate(message: ChatMessage, data: string): Record<string, unknown> & { update_id: number } {
    const update = this.update('callback_query');
    const query = update.callback_query as Record<string, unknown>;
    query.id = `cq-${update.update_id}`;
    query.data = data;
    query.message = { ...(query.message as object), message_id: message.message_id, text: message.text, reply_markup: message.reply_markup };
    return update;
  }

  /** Shares a contact: their own by default, as the request_contact button does; null for one with no Telegram account. */
  async shareContact(phoneNumber: string, userId: number | null = this.id): Promise<ChatMessage> {
    const update = this.update('message_contact');
    const contact = (update.message as { contact: Record<string, unknown> }).contact;
    contact.phone_number = phoneNumber;
    if (userId === null) delete contact.user_id;
    else contact.user_id = userId;
    await this.post(update);
    return this.last;
  }

  /** A fixture as this user, with their language. */
  update(name: string): Record<string, unknown> & { update_id: number } {
    const update = fixture(name, this.id);
    const json = JSON.stringify(update).split('"language_code":"en"').join(`"language_code":"${this.languageCode}"`);
    return JSON.parse(json) as Record<string, unknown> & { update_id: number };
  }

  /** Posts an update, expects 200, and sends what it queued. */
  async post(update: unknown) {
    const response = await postUpdate(this.app, update);
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);
    await drain(this.context);
    return response;
  }

  private buttonIn(message: ChatMessage, label: string | RegExp) {
    return (message.reply_markup?.inline_keyboard ?? [])
      .flat()
      .find((button) => (typeof label === 'string' ? button.text === label : label.test(button.text)));
  }
}
