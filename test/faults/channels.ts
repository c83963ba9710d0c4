import type { AppContext, ContextOverrides } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { TWILIO_ENV } from '../channels/sms/support';
import { FakeBotApi } from '../channels/telegram/fake-bot-api';
import { BOT_TOKEN, WEBHOOK_SECRET } from '../channels/telegram/support';
import { USSD_TEST_TOKEN, startLingkod, type LogCapture } from '../support/app';
import { serve, type Served } from '../support/served';

/** The token Kannel puts in its get-url and dlr-url in the fault tests. */
export const KANNEL_TOKEN = 'kannel-fault-token-0123456789ab';
const KANNEL_PASSWORD = 'kannel-password-42';

/** Every credential the channels are given: none may appear in a log line. */
export const CHANNEL_SECRETS = [KANNEL_TOKEN, KANNEL_PASSWORD, BOT_TOKEN, WEBHOOK_SECRET, TWILIO_ENV.TWILIO_AUTH_TOKEN, USSD_TEST_TOKEN];

/** A Lingkod listening on a loopback port with its SMS and chat channels on. */
export interface ServedLingkod {
  context: AppContext;
  logs: LogCapture;
  served: Served;
  /** The fake Bot API Telegram talks to (absent with `telegram: false`). */
  bot?: FakeBotApi;
  close(): Promise<void>;
}

/**
 * Starts Lingkod on `db` with Twilio and Kannel on (sendsms on a closed port unless `env` names
 * one), and Telegram against a fake Bot API unless `telegram` is false; serves it on loopback
 * with kept-alive connections, as the providers call it.
 */
export async function serveWithChannels(
  db: Database,
  { env = {}, overrides = {}, telegram = true }: { env?: Record<string, string>; overrides?: ContextOverrides; telegram?: boolean } = {},
): Promise<ServedLingkod> {
  const bot = telegram ? await FakeBotApi.start(BOT_TOKEN) : undefined;
  const telegramEnv: Record<string, string> = bot ? { TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, TELEGRAM_API_ROOT: bot.root } : {};
  const kannelEnv = { KANNEL_SENDSMS_URL: 'http://127.0.0.1:9/cgi-bin/sendsms', KANNEL_USERNAME: 'lingkod', KANNEL_PASSWORD, KANNEL_TOKEN };
  const { context, logs, app } = await startLingkod(db, { ...TWILIO_ENV, ...kannelEnv, ...telegramEnv, ...env }, overrides);
  const served = await serve(app);
  return {
    context,
    logs,
    served,
    bot,
    close: async () => {
      await served.close();
      await context.close();
      await bot?.close();
    },
  };
}
