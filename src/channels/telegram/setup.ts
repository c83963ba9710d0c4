import { Api } from 'grammy';
import type { LanguageCode } from 'grammy/types';
import type { i18n } from 'i18next';
import type { Config } from '../../config';
import { translate } from '../../i18n';
import { TELEGRAM_LANGUAGES } from './language';

/** The commands the bot understands (handlers.ts), in the order Telegram's menu lists them. */
const BOT_COMMANDS = ['start', 'menu', 'status', 'language', 'help', 'stop'] as const;

/** The command menu in English for everyone, and in each translation for users whose app is in that language. */
const MENU_LANGUAGES: { locale: string; languageCode?: LanguageCode }[] = [
  { locale: 'en' },
  ...Object.entries(TELEGRAM_LANGUAGES).flatMap(([locale, names]) => (names.code ? [{ locale, languageCode: names.code }] : [])),
];

/** The update kinds the bot handles; others are never sent to it. */
const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/** Thrown when the configuration cannot register the bot: the message says what to set. */
export class BotSetupError extends Error {}

/**
 * Registers the bot with Telegram, once per deployment (`npm run admin -- telegram-setup`):
 * in webhook mode the webhook at PUBLIC_URL with TELEGRAM_WEBHOOK_SECRET and the update kinds
 * Lingkod handles; in both modes the command menu in each language. Calling it again is
 * harmless: Telegram replaces both. Returns what was done, a line each.
 */
export async function setUpTelegramBot(config: Config, i18n: i18n): Promise<string[]> {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new BotSetupError('TELEGRAM_BOT_TOKEN is not set: Telegram is off, there is no bot to set up.');
  const api = new Api(token, { apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, '') });
  const done: string[] = [];
  if (config.TELEGRAM_MODE === 'webhook') {
    if (!config.PUBLIC_URL?.startsWith('https://')) throw new BotSetupError('PUBLIC_URL must be the https:// address Telegram can reach Lingkod at (Telegram sends webhooks over HTTPS only).');
    if (!config.TELEGRAM_WEBHOOK_SECRET) throw new BotSetupError('TELEGRAM_WEBHOOK_SECRET is not set: the webhook would accept anyone.');
    const url = `${config.PUBLIC_URL.replace(/\/+$/, '')}/telegram/webhook`;
    await api.setWebhook(url, { secret_token: config.TELEGRAM_WEBHOOK_SECRET, allowed_updates: [...ALLOWED_UPDATES] });
    done.push(`webhook set to ${url}, with the secret and updates ${ALLOWED_UPDATES.join(', ')}`);
  } else {
    done.push('long polling: no webhook to register (Lingkod removes any webhook when it starts polling)');
  }
  for (const { locale, languageCode } of MENU_LANGUAGES) {
    const commands = BOT_COMMANDS.map((command) => ({ command, description: translate(i18n, locale, { key: `telegram.commands.${command}` }) }));
    await api.setMyCommands(commands, languageCode ? { language_code: languageCode } : {});
    done.push(`command menu set for ${languageCode ? `language ${languageCode}` : 'every other language'} (${locale})`);
  }
  return done;
}
