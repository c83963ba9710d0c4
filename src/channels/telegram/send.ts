import { GrammyError, HttpError, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from '../../log';
import type { Contacts } from '../../conversation/contacts';
import type { Database } from '../../store/sql';
import { SendError, type OutboundMessage } from '../channel';
import { fitMessage } from './render';
import { payloadOf } from './replies';

/** The chat id of a `telegram:<chat id>` address, or undefined for any other address. */
export function chatIdOf(address: string): number | undefined {
  const match = /^telegram:(-?\d{1,20})$/.exec(address);
  return match ? Number(match[1]) : undefined;
}

/**
 * Delivers one outbox message to a Telegram chat: a new message, or, for a reply to a button
 * press, an edit of the message that carried the button. Plain-text messages (status
 * updates, announcements) need no payload. A chat marked unreachable is not tried at all.
 */
export function telegramSender(api: Api, db: Database, contacts: Pick<Contacts, 'isUnreachable' | 'unreachable'>, log: Logger): (message: OutboundMessage) => Promise<{ providerId?: string }> {
  return async (message) => {
    const chatId = chatIdOf(message.address);
    if (chatId === undefined) throw new SendError('telegram: not a telegram address', false);
    if (await contacts.isUnreachable(message.address)) {
      throw new SendError('telegram: the citizen blocked the bot; nothing is sent until they write again', false, undefined, true);
    }
    const { reply_markup, edit_message_id } = await payloadOf(db, message.id);
    const text = fitMessage(message.body);
    try {
      if (edit_message_id !== undefined && (reply_markup === undefined || 'inline_keyboard' in reply_markup)) {
        const edited = await editInPlace(api, chatId, edit_message_id, text, reply_markup);
        if (edited) return { providerId: `${chatId}:${edit_message_id}:edit:${message.id}` };
      }
      const sent = await api.sendMessage(chatId, text, { reply_markup, link_preview_options: { is_disabled: true } });
      return { providerId: `${chatId}:${sent.message_id}` };
    } catch (error) {
      const sendError = toSendError(error);
      if (sendError.unreachable) {
        await contacts.unreachable(message.address);
        log.info({ outboxId: message.id }, 'telegram refused the chat; marked unreachable until the citizen writes again');
      }
      throw sendError;
    }
  };
}

/**
 * Edits the pressed message. True when done (or when it already showed this exactly);
 * false when Telegram cannot edit it (too old, deleted), so a new message is sent instead.
 */
async function editInPlace(api: Api, chatId: number, messageId: number, text: string, markup: InlineKeyboardMarkup | undefined): Promise<boolean> {
  try {
    await api.editMessageText(chatId, messageId, text, { reply_markup: markup, link_preview_options: { is_disabled: true } });
    return true;
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 400) {
      // https://core.telegram.org/bots/api#editmessagetext: "message is not modified" means the
      // same screen again (a double press): nothing to do. Other 400s: it cannot be edited.
      return /message is not modified/i.test(error.description);
    }
    throw error;
  }
}

/**
 * The one place Telegram's answers become SendErrors (https://core.telegram.org/bots/api#making-requests):
 * 429 waits for `retry_after`; 403 (blocked, deactivated) and "chat not found" mean the chat
 * cannot be reached; other 4xx will not get better by trying again; 5xx, network errors and
 * time-outs may. An unauthorised token (401/404) is retried too: it is an operator's mistake
 * that, once fixed, should not have lost the messages. Messages never carry the token.
 */
export function toSendError(error: unknown): SendError {
  if (error instanceof GrammyError) {
    const what = `telegram ${error.method}: ${error.error_code} ${error.description}`;
    if (error.error_code === 429) return new SendError(what, true, Math.max(1, error.parameters.retry_after ?? 1) * 1000);
    if (error.error_code === 403 || (error.error_code === 400 && /chat not found|user not found|peer_id_invalid/i.test(error.description))) {
      return new SendError(what, false, undefined, true);
    }
    if (error.error_code >= 500 || error.error_code === 401 || error.error_code === 404) return new SendError(what, true);
    return new SendError(what, false);
  }
  return new SendError(describeError(error), true);
}

/**
 * A description of an error that is safe to log: never the token. grammY's network errors wrap
 * the fetch error, whose message holds the request URL, and the URL holds the token; only its
 * code is kept.
 */
export function describeError(error: unknown): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.error_code} ${error.description}`;
  if (error instanceof HttpError) {
    const cause = error.error as { code?: unknown; name?: unknown; message?: unknown } | undefined;
    // grammY's own time-out error says so; a fetch error's message (with the URL) is never used.
    const timedOut = typeof cause?.message === 'string' && /^Request to '\w+' timed out/.test(cause.message);
    const reason = typeof cause?.code === 'string' ? cause.code : timedOut ? 'timeout' : typeof cause?.name === 'string' ? cause.name : 'unknown';
    return `${error.message} (${reason})`;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
