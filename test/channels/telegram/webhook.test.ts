import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../../src/context';
import { MAX_CALLBACK_BYTES, OPTIONS_PER_PAGE } from '../../../src/channels/telegram/render';
import type { Database } from '../../../src/store/sql';
import { switchableDatabase, type LogCapture } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import type { FakeBotApi } from './fake-bot-api';
import { BOT_TOKEN, WEBHOOK_SECRET, TelegramUser, drain, fixture, postUpdate, startWithTelegram } from './support';

const referenceIn = (text: string) => /(\d{4}-\d{4}-\d{3})/.exec(text)?.[1] ?? '';

describe.each(databaseBackends())('the Telegram webhook, records on $name', (backend) => {
  let db: Database & { down: boolean };
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let fake: FakeBotApi;
  let nextUser = 5_550_100_000;

  beforeAll(async () => {
    db = switchableDatabase(await backend.open());
    ({ context, app, logs, fake } = await startWithTelegram(db));
  });
  afterAll(async () => {
    await context.close();
    await fake.close();
  });

  const newUser = (languageCode = 'en') => new TelegramUser(app, context, fake, ++nextUser, languageCode);
  const queued = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'queued'`))[0].n;

  /** A user who has chosen English and sees the main menu. */
  async function englishUser(): Promise<TelegramUser> {
    const user = newUser();
    await user.send('/start');
    await user.press('English');
    return user;
  }

  describe('refuses what is not an update from Telegram', () => {
    it('answers 401 without the secret token header, and with a wrong one, and handles nothing', async () => {
      const update = fixture('message_command');
      const missing = await request(app).post('/telegram/webhook').set('Content-Type', 'application/json').send(JSON.stringify(update));
      expect(missing.status).toBe(401);
      const wrong = await postUpdate(app, update, `${WEBHOOK_SECRET}x`);
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('X-Telegram-Bot-Api-Secret-Token');
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM telegram_updates WHERE update_id = $1', [update.update_id]);
      expect(n).toBe(0);
    });

    it('answers 400 with a reason to a body that is not JSON, is empty, or is not an update', async () => {
      const raw = (body: string) => request(app).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', WEBHOOK_SECRET).set('Content-Type', 'application/json').send(body);
      const notJson = await raw('{"update_id": 1, "message": {');
      expect([notJson.status, notJson.text]).toEqual([400, 'Bad request: the body is not JSON']);
      const empty = await request(app).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', WEBHOOK_SECRET);
      expect([empty.status, empty.text]).toEqual([400, 'Bad request: the body is empty']);
      const binary = await request(app).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', WEBHOOK_SECRET).set('Content-Type', 'application/octet-stream').send(Buffer.from([0xff, 0xfe, 0x00, 0x81]));
      expect(binary.status).toBe(400);
      for (const body of ['{"message": {"text": "hi"}}', '[1, 2, 3]', 'null', '{"update_id": -4}', '{"update_id": "12"}']) {
        const answer = await raw(body);
        expect([answer.status, answer.text]).toEqual([400, 'Bad request: an update needs a non-negative integer update_id']);
      }
    });
  });

  describe('the citizen services with buttons', () => {
    it.each([
      ['tl', 'Piliin ang iyong wika'],
      ['fil', 'Piliin ang iyong wika'],
      ['bn-BD', 'ভাষা বেছে নিন'],
      ['de', 'Choose your language'],
    ])('greets a first-time user whose app speaks %s in that language, with the languages as buttons', async (code, title) => {
      const user = newUser(code);
      const first = await user.send('/start');
      expect(first.text).toBe(title);
      expect(user.buttons.slice(0, 3)).toEqual(['English', 'Filipino', 'বাংলা']);
    });

    it('answers every press in the webhook response and shows the next screen in place of the pressed one', async () => {
      const user = newUser('tl');
      const language = await user.send('/start');
      const button = language.reply_markup!.inline_keyboard!.flat().find((candidate) => candidate.text === 'English')!;
      const response = await user.pressData(language, button.callback_data!);
      expect(response.status).toBe(200);
      expect(response.type).toBe('application/json');
      expect(JSON.parse(response.text)).toEqual({ method: 'answerCallbackQuery', callback_query_id: expect.stringMatching(/^cq-/) });
      // The same message now shows the main menu, in the language just chosen.
      expect(user.messages).toHaveLength(1);
      expect(user.last.message_id).toBe(language.message_id);
      expect(user.last.text).toBe('Lingkod - government services');
      expect(user.buttons).toEqual(expect.arrayContaining(['Services', 'My requests', 'Check a status', 'Help']));
    });

    it('submits a request by buttons and typed answers, confirms it after it is committed, and lists it under my requests', async () => {
      const user = await englishUser();
      await user.press('Services');
      await user.press('Social welfare');
      await user.press('Crisis assistance (AICS)');
      expect(user.last.text).toMatch(/Bring: /);
      const question = await user.press('Apply now');
      expect(question.text).toContain('Question 1 of 3');
      expect(question.text).toContain('Full name');
      await user.send('Amina Datu');
      expect(user.last.text).toContain('Question 2 of 3');
      // A typed answer is checked as on any channel: the question again, with a hint.
      expect((await user.send('five')).text).toMatch(/^Please type 1 to \d+ digits only\.\n/);
      await user.send('5');
      await user.press('Medical');
      expect(user.last.text).toContain('Full name: Amina Datu');
      expect(user.last.text).toContain('Household size: 5');
      await user.press('Submit');
      // The confirmation (the review edited in place), and the Charter receipt pushed on filing (services/charter-receipt.ts)
      // by the dispatcher, in either order: waited for, so it does not land in the middle of what follows.
      for (let wait = 0; wait < 200 && !user.messages.some((message) => message.text.startsWith('Receipt ')); wait++) await new Promise((resolve) => setTimeout(resolve, 25));
      const sent = user.messages;
      const done = [...sent].reverse().find((message) => message.text.startsWith('Request for'))!;
      expect(done.text).toMatch(/^Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\./);
      expect((done.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.text)).toEqual(['Main menu']);
      expect(sent.filter((message) => message.text.startsWith(`Receipt ${referenceIn(done.text)}: Crisis assistance (AICS), `))).toHaveLength(1);
      const reference = referenceIn(done.text).replace(/-/g, '');
      const [row] = await db.query<{ answers: Record<string, string>; channel: string }>('SELECT answers, channel FROM requests WHERE reference = $1', [reference]);
      expect(row).toEqual({ answers: { full_name: 'Amina Datu', household_size: '5', need: 'medical' }, channel: 'telegram' });

      await user.press('Main menu');
      await user.press('My requests');
      // Edited in place, above the receipt that came after it.
      const mine = [...user.messages].reverse().find((message) => message.text.startsWith('Your requests'))!;
      // A label too long for a phone's button is listed in the text as well, by number.
      expect((mine.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.text)).toContain(`1. ${referenceIn(done.text)} Crisis assistance (AICS)`);
      expect(mine.text).toBe(`Your requests\n\n1. ${referenceIn(done.text)} Crisis assistance (AICS)\n2. Family members`);
    });

    it('keeps every button\'s callback data within Telegram\'s 64 bytes', () => {
      const data = fake.messages.flatMap((message) => (message.reply_markup?.inline_keyboard ?? []).flat().map((button) => button.callback_data ?? ''));
      expect(data.length).toBeGreaterThan(20);
      expect(data.filter((item) => Buffer.byteLength(item, 'utf8') > MAX_CALLBACK_BYTES || item === '')).toEqual([]);
    });

    it('pages a long list behind More and Back buttons, keeping option numbers', async () => {
      const user = await englishUser();
      await user.press('Find a service centre');
      const first = await user.press('Lanao del Sur');
      expect(first.text).toMatch(/^Choose your municipality\n\(1\/\d+\)$/);
      const options = user.buttons.filter((label) => !/More|Back/.test(label));
      expect(options.length).toBe(OPTIONS_PER_PAGE);
      expect(user.buttons).toContain('More »');
      let screen = first;
      while (!user.buttons.includes('Marawi City')) screen = await user.press('More »');
      expect(screen.text).toMatch(/\(\d+\/\d+\)$/);
      expect(user.buttons).toContain('« Back');
      expect((await user.press('Marawi City')).text).toMatch(/Marawi City Service Centre, .+\. Open /);
    });

    it('checks a status with /status and a reference, and asks for one without', async () => {
      const owner = await englishUser();
      await owner.press('Services');
      await owner.press('Social welfare');
      await owner.press('Crisis assistance (AICS)');
      await owner.press('Apply now');
      await owner.send('Bai Salma');
      await owner.send('3');
      await owner.press('Burial');
      const reference = referenceIn((await owner.press('Submit')).text);

      const stranger = await englishUser();
      const result = await stranger.send(`/status ${reference}`);
      expect(result.text).toContain('Crisis assistance (AICS)');
      expect(result.text).toContain('Status: Received');
      expect(result.text).not.toContain('Bai Salma');
      expect((await stranger.send('/status')).text).toBe('Type the reference number of the request');
      expect((await stranger.send(reference)).text).toContain('Status: Received');
    });

    it('answers /menu, /language and /help at any point, /help in Telegram\'s words', async () => {
      const user = await englishUser();
      await user.press('Services');
      expect((await user.send('/menu')).text).toBe('Lingkod - government services');
      expect((await user.send('/language')).text).toBe('Choose your language');
      const help = await user.send('/help');
      expect(help.text).toContain('Tap a button');
      expect(help.text).not.toContain('98');
      expect(user.buttons).toEqual(['Check a message', 'Main menu', '« Back']);
    });

    it('answers a press on an old message with a toast and leaves the dialog where it is', async () => {
      const user = await englishUser();
      const menu = user.last;
      await user.send('/help');
      // The menu above is still on screen; its buttons belong to a screen that is gone.
      const servicesData = menu.reply_markup!.inline_keyboard!.flat().find((button) => button.text === 'Services')!.callback_data!;
      const before = user.messages.length;
      const response = await user.pressData(menu, servicesData);
      expect(JSON.parse(response.text)).toEqual({ method: 'answerCallbackQuery', callback_query_id: expect.any(String), text: 'That menu is old. Please use the newest one.' });
      expect(user.messages).toHaveLength(before);
      expect((await user.press('Main menu')).text).toBe('Lingkod - government services');
    });

    it('answers a press on a message whose conversation was forgotten with the main menu', async () => {
      const user = await englishUser();
      await user.press('Services');
      await context.store.delete(`telegram:screen:${user.id}`);
      await context.engine.forget(user.address);
      expect((await user.press('Health')).text).toBe('Lingkod - government services');
    });

    it('counts a double tap once', async () => {
      const user = await englishUser();
      const menu = user.last;
      const data = menu.reply_markup!.inline_keyboard!.flat().find((button) => button.text === 'Services')!.callback_data!;
      const [first, second] = [await user.pressData(menu, data), await user.pressData(menu, data)];
      expect(JSON.parse(first.text).text).toBeUndefined();
      expect(JSON.parse(second.text).text).toBe('That menu is old. Please use the newest one.');
      expect(user.last.text).toMatch(/^Choose a category/);
    });

    it('turns announcements off with /stop and on again with the button under the confirmation', async () => {
      const user = await englishUser();
      const stopped = await user.send('/stop');
      expect(stopped.text).toMatch(/^You will get no more announcements\. .+\n\nLingkod - government services$/);
      const optedOut = async () =>
        (await db.query<{ opted_out: boolean }>('SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [user.address]))[0].opted_out;
      expect(await optedOut()).toBe(true);
      const again = await user.press('Get announcements again');
      expect(again.text).toMatch(/^Announcements are on again\.\n\nLingkod - government services$/);
      expect(await optedOut()).toBe(false);
    });
  });

  describe('updates of every kind', () => {
    it('handles a redelivered update once', async () => {
      const user = await englishUser();
      const update = user.update('message_command');
      (update.message as Record<string, unknown>).text = '/help';
      await user.post(update);
      const count = user.messages.length;
      await user.post(update);
      await user.post(update);
      expect(user.messages).toHaveLength(count);
      expect(logs.lines.some((line) => line.includes('redelivered update ignored'))).toBe(true);
    });

    it.each(['message_photo', 'message_sticker', 'message_voice', 'message_location'])('answers a %s with a hint that only text and buttons are understood', async (name) => {
      const user = await englishUser();
      await user.post(user.update(name));
      expect(user.last.text).toBe('I understand only text and buttons. Send /menu to see the menu.');
    });

    it('answers a command it does not know with the list of commands', async () => {
      const user = await englishUser();
      expect((await user.send('/weather')).text).toBe('I do not know that command. Try /menu, /status, /language, /help or /stop.');
    });

    it.each(['edited_message', 'channel_post', 'message_group'])('acknowledges a %s with 200 and does nothing else', async (name) => {
      const user = newUser();
      const sent = fake.calls.length;
      const response = await postUpdate(app, user.update(name));
      expect(response.status).toBe(200);
      expect(await queued()).toBe(0);
      await drain(context);
      expect(fake.calls.length).toBe(sent);
      expect(logs.lines.filter((line) => line.includes('update ignored')).length).toBeGreaterThan(0);
    });
  });

  describe('when our own records store fails', () => {
    afterEach(() => {
      db.down = false;
    });

    it('answers a message with an apology inside the webhook response, never a 5xx', async () => {
      const user = newUser('tl');
      const update = user.update('message_text');
      db.down = true;
      const before = logs.lines.length;
      const response = await postUpdate(app, update);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        method: 'sendMessage',
        chat_id: user.id,
        text: 'Paumanhin, abala ang serbisyo. Subukang muli pagkalipas ng ilang minuto.',
      });
      // One failure, one line: a warning without a stack (the store is away, which is expected).
      const failures = logs.lines.slice(before).map((line) => JSON.parse(line)).filter((line) => line.level >= 40);
      expect(failures).toEqual([expect.objectContaining({ level: 40, msg: 'telegram update failed; answered with an apology' })]);
      expect(JSON.stringify(failures)).not.toContain('stack');
    });

    it('answers a press with the apology as its toast', async () => {
      const user = await englishUser();
      const menu = user.last;
      const data = menu.reply_markup!.inline_keyboard!.flat()[0].callback_data!;
      db.down = true;
      const response = await postUpdate(app, user.pressUpdate(menu, data));
      expect(response.status).toBe(200);
      const answer = JSON.parse(response.text);
      expect(answer).toEqual({ method: 'answerCallbackQuery', callback_query_id: expect.any(String), text: 'Sorry, the service is busy. Please try again in a few minutes.' });
    });
  });

  it('never writes the bot token in a log line', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    const secretHalf = BOT_TOKEN.split(':')[1];
    expect(logs.lines.filter((line) => line.includes(secretHalf) || line.includes(BOT_TOKEN))).toEqual([]);
    expect(fake.calls.every((call) => call.token === BOT_TOKEN)).toBe(true);
  });
});
