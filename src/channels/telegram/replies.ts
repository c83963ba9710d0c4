import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from 'grammy/types';
import type { Outbox } from '../../outbox/outbox';
import type { Database, Queryable } from '../../store/sql';

/**
 * Replies leave through the outbox like every other message, so the webhook can answer
 * Telegram at once and the reply is still sent exactly once. A reply's keyboard must survive
 * the trip: it is kept in the outbox row's `payload` column (migrations/005_telegram.sql),
 * written in the same transaction as the row, and read back when the message is sent. The
 * row's `body` stays the plain text, readable by anyone looking at the outbox.
 */

/** What a Telegram message needs beyond its text. */
export interface TelegramPayload {
  reply_markup?: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove;
  /**
   * Replace this message (the one whose button was pressed) instead of sending a new one,
   * so a conversation by buttons stays one message that changes.
   */
  edit_message_id?: number;
}

export interface TelegramReply {
  address: string;
  citizenId?: number;
  text: string;
  payload: TelegramPayload;
}

/** Queues a reply with its payload, in one transaction; returns the outbox id. */
export async function enqueueReply(db: Database, outbox: Outbox, reply: TelegramReply): Promise<number> {
  return db.transaction(async (tx) => {
    const id = await outbox.enqueue({ address: reply.address, channel: 'telegram', body: reply.text, kind: 'reply', citizenId: reply.citizenId }, tx);
    if (reply.payload.reply_markup || reply.payload.edit_message_id) {
      await tx.query('UPDATE outbox SET payload = $2 WHERE id = $1', [id, JSON.stringify(reply.payload)]);
    }
    return id;
  });
}

/** The payload queued with a message; empty for plain text (status updates, announcements). */
export async function payloadOf(db: Queryable, outboxId: number): Promise<TelegramPayload> {
  const [row] = await db.query<{ payload: TelegramPayload | string | null }>('SELECT payload FROM outbox WHERE id = $1', [outboxId]);
  const payload = row?.payload;
  if (!payload) return {};
  return typeof payload === 'string' ? (JSON.parse(payload) as TelegramPayload) : payload;
}
