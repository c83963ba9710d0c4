import { runTelegramSetup } from '../../../src/cli/admin';
import { loadConfig } from '../../../src/config';
import { FakeBotApi } from './fake-bot-api';
import { BOT_TOKEN, WEBHOOK_SECRET } from './support';

/** `npm run admin -- telegram-setup` against a fake Bot API on loopback. */
describe('registering the bot with Telegram', () => {
  let fake: FakeBotApi;

  beforeAll(async () => {
    fake = await FakeBotApi.start(BOT_TOKEN);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  async function setup(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_API_ROOT: fake.root, ...env });
    const code = await runTelegramSetup(config, { out: (text) => void (out += text), err: (text) => void (err += text) });
    return { code, out, err };
  }

  it('sets the webhook at PUBLIC_URL with the secret and the updates Lingkod handles, and the command menu in each language', async () => {
    const { code, out } = await setup({ PUBLIC_URL: 'https://lingkod.example.gov.ph/', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(code).toBe(0);
    expect(fake.callsOf('setWebhook').map((call) => call.payload)).toEqual([
      { url: 'https://lingkod.example.gov.ph/telegram/webhook', secret_token: WEBHOOK_SECRET, allowed_updates: ['message', 'callback_query', 'my_chat_member'] },
    ]);
    const menus = fake.callsOf('setMyCommands').map((call) => call.payload as { commands: { command: string; description: string }[]; language_code?: string });
    expect(menus.map((menu) => menu.language_code)).toEqual([undefined, 'tl', 'bn']);
    for (const menu of menus) expect(menu.commands.map((entry) => entry.command)).toEqual(['start', 'menu', 'status', 'language', 'help', 'stop']);
    expect(menus[0].commands.find((entry) => entry.command === 'status')?.description).toBe('Check a request');
    expect(menus[1].commands.find((entry) => entry.command === 'help')?.description).toBe('Tulong');
    expect(menus[2].commands.find((entry) => entry.command === 'menu')?.description).toBe('প্রধান মেনু');
    expect(out).toContain('webhook set to https://lingkod.example.gov.ph/telegram/webhook');
    expect(out).not.toContain(WEBHOOK_SECRET);
  });

  it('registers only the command menu in polling mode', async () => {
    const { code, out } = await setup({ TELEGRAM_MODE: 'polling' });
    expect(code).toBe(0);
    expect(fake.callsOf('setWebhook')).toEqual([]);
    expect(fake.callsOf('setMyCommands')).toHaveLength(3);
    expect(out).toContain('long polling');
  });

  it.each([
    [{ TELEGRAM_BOT_TOKEN: '' }, 'TELEGRAM_BOT_TOKEN is not set'],
    [{ PUBLIC_URL: 'http://lingkod.example.gov.ph', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET }, 'PUBLIC_URL must be the https:// address'],
    [{ PUBLIC_URL: 'https://lingkod.example.gov.ph' }, 'TELEGRAM_WEBHOOK_SECRET is not set'],
  ])('refuses %j, saying what to set, and calls Telegram for nothing', async (env, reason) => {
    const { code, err } = await setup(env);
    expect(code).toBe(1);
    expect(err).toContain(reason);
    expect(fake.calls).toEqual([]);
  });

  it("reports Telegram's refusal without the token", async () => {
    fake.failNext('setWebhook', { error_code: 400, description: 'Bad Request: bad webhook: HTTPS url must be provided for webhook' });
    const { code, err } = await setup({ PUBLIC_URL: 'https://lingkod.example.gov.ph', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(code).toBe(1);
    expect(err).toBe('Telegram refused setWebhook: Bad Request: bad webhook: HTTPS url must be provided for webhook\n');
    expect(err).not.toContain(BOT_TOKEN);
  });
});
