import express, { type Request, type Response } from 'express';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { Logger } from '../../log';
import type { TelegramContext } from './handlers';
import { safeError } from './handlers';
import { sameSecret } from '../../secret';

/** Telegram's updates are a few kilobytes; anything far bigger is not one. */
const MAX_BODY = '1mb';

/** The least an update must have; grammY's middleware reads the rest. */
const updateShape = z.looseObject({ update_id: z.number().int().nonnegative() });

/**
 * True when the header equals the secret, compared in constant time: both sides are hashed
 * first, so neither the content nor the length of the secret leaks through timing.
 */
export function secretMatches(header: string | undefined, secret: string): boolean {
  return sameSecret(header, secret);
}

/**
 * `POST /telegram/webhook` (https://core.telegram.org/bots/api#setwebhook). Telegram sends
 * the `secret_token` given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`: anything
 * else gets 401 before the body is read. A body that is not an update gets 400 with a reason.
 * An update is handled (the engine's turn, the reply queued in the outbox) and answered 200 at
 * once; Telegram redelivers an update whose webhook is slow, so nothing slow happens here.
 * Answering a button press rides in the response itself (a "webhook reply"): no extra call.
 */
export function webhookRouter(bot: Bot<TelegramContext>, secret: string, log: Logger, identify: () => Promise<void>): express.Router {
  const router = express.Router();
  router.post(
    '/telegram/webhook',
    (req: Request, res: Response, next: () => void) => {
      if (secretMatches(req.get('x-telegram-bot-api-secret-token'), secret)) return next();
      log.info('webhook call without the right secret token refused');
      res.status(401).type('text/plain').send('Unauthorized: wrong or missing X-Telegram-Bot-Api-Secret-Token');
    },
    express.raw({ type: () => true, limit: MAX_BODY }),
    async (req: Request, res: Response) => {
      const update = parseUpdate(req.body);
      if (typeof update === 'string') {
        log.info({ reason: update }, 'malformed webhook call refused');
        res.status(400).type('text/plain').send(`Bad request: ${update}`);
        return;
      }
      try {
        await identify();
      } catch (error) {
        // Without the bot's own identity grammY cannot read commands; Telegram will redeliver.
        log.warn(safeError(error), 'could not reach the Bot API for getMe; asked Telegram to redeliver');
        res.status(503).type('text/plain').send('Service unavailable: retry later');
        return;
      }
      let webhookReply: string | undefined;
      try {
        await bot.handleUpdate(update, {
          send: async (json) => {
            webhookReply = json;
          },
        });
      } catch (error) {
        // The middleware answers its own failures; this is the last resort, and still not a 5xx.
        log.error({ updateId: update.update_id, ...safeError(error) }, 'telegram update handling failed');
      }
      if (webhookReply) res.status(200).type('application/json').send(webhookReply);
      else res.status(200).end();
    },
  );
  return router;
}

/** The update in a webhook body, or why it is not one. */
function parseUpdate(body: unknown): Update | string {
  if (!Buffer.isBuffer(body) || body.length === 0) return 'the body is empty';
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  const parsed = updateShape.safeParse(json);
  if (!parsed.success) return 'an update needs a non-negative integer update_id';
  return parsed.data as Update;
}
