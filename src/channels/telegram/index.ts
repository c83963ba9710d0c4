import express from 'express';
import { Bot } from 'grammy';
import { ConfigError } from '../../config';
import type { Logger } from '../../log';
import type { SendingChannel } from '../channel';
import { safeError, telegramUpdates, type TelegramContext, type TelegramDeps } from './handlers';
import { telegramSender } from './send';
import { webhookRouter } from './webhook';

export type { TelegramDeps } from './handlers';

/**
 * Bot API calls give up after this long. Below the outbox's 30-second lease, so a slow send
 * is never claimed by a second dispatcher while the first still waits for it.
 */
const API_TIMEOUT_SECONDS = 20;

/** How long one long-polling getUpdates call waits for news (below API_TIMEOUT_SECONDS). */
const POLL_SECONDS = 10;

/** The updates Lingkod acts on; asking for no others saves Telegram and us the traffic. */
const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/**
 * The Telegram channel (a grammY bot): on while TELEGRAM_BOT_TOKEN is set, otherwise an empty
 * list and one line in the log. Webhook mode needs TELEGRAM_WEBHOOK_SECRET; polling mode
 * needs no public URL.
 */
export function telegramChannels(deps: TelegramDeps): SendingChannel[] {
  const log = deps.log.child({ name: 'channels:telegram' });
  const { config } = deps;
  if (!config.TELEGRAM_BOT_TOKEN) {
    log.info('Telegram is off: TELEGRAM_BOT_TOKEN is not set');
    return [];
  }
  if (config.TELEGRAM_MODE === 'webhook' && !config.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\nTELEGRAM_WEBHOOK_SECRET: required while TELEGRAM_BOT_TOKEN is set and TELEGRAM_MODE is webhook (or set TELEGRAM_MODE=polling)',
    );
  }
  return [telegramChannel(deps, config.TELEGRAM_BOT_TOKEN, log)];
}

function telegramChannel(deps: TelegramDeps, token: string, log: Logger): SendingChannel {
  const { config } = deps;
  const bot = new Bot<TelegramContext>(token, {
    botInfo: deps.botInfo,
    client: {
      apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
      timeoutSeconds: API_TIMEOUT_SECONDS,
      // In webhook mode these go back in the webhook's response instead of a call of their own.
      canUseWebhookReply: (method) => method === 'answerCallbackQuery' || method === 'sendMessage',
    },
  });
  bot.use(telegramUpdates(deps, log));
  bot.catch((error) => log.error(safeError(error.error), 'telegram update failed during long polling'));

  // The bot's own identity (getMe), fetched once and never retried endlessly inside a webhook.
  let identifying: Promise<void> | undefined;
  const identify = async () => {
    if (bot.isInited()) return;
    identifying ??= bot.api
      // grammY types its signal with the abort-controller shim; Node's own works the same.
      .getMe(AbortSignal.timeout(5000) as unknown as Parameters<typeof bot.api.getMe>[0])
      .then((me) => {
        bot.botInfo = me;
      })
      .finally(() => {
        identifying = undefined;
      });
    await identifying;
  };

  const polling = config.TELEGRAM_MODE === 'polling';
  let loop: Promise<void> | undefined;
  return {
    name: 'telegram',
    // In polling mode Telegram keeps no webhook for us, so there is no route to answer.
    router: polling ? express.Router() : webhookRouter(bot, config.TELEGRAM_WEBHOOK_SECRET ?? '', log, identify),
    ratePerSecond: config.TELEGRAM_RATE_PER_SECOND,
    send: telegramSender(bot.api, deps.db, deps.conversation.contacts, log),
    start() {
      if (!polling) {
        identify().catch((error: unknown) => log.warn(safeError(error), 'could not reach the Bot API for getMe; will try again on the first update'));
        return;
      }
      // grammY's loop deletes any webhook first (Telegram allows one or the other), then polls.
      loop = bot
        .start({ timeout: POLL_SECONDS, allowed_updates: [...ALLOWED_UPDATES], onStart: () => log.info('Telegram long polling started') })
        .catch((error: unknown) => log.error(safeError(error), 'Telegram long polling stopped'));
    },
    async stop() {
      if (bot.isRunning()) await bot.stop().catch((error: unknown) => log.info(safeError(error), 'could not confirm the last update to Telegram'));
      await loop;
    },
  };
}
