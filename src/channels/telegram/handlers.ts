import { Composer, GrammyError, HttpError, type Context } from 'grammy';
import type { InlineKeyboardButton, ReplyKeyboardMarkup, UserFromGetMe } from 'grammy/types';
import type { ChatStep } from '../../conversation/chat';
import type { Contact } from '../../conversation/contacts';
import { logTurnFailure } from '../../conversation/failures';
import { translate } from '../../i18n';
import type { Logger } from '../../log';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Database } from '../../store/sql';
import type { ChannelDeps } from '../channel';
import { guessLocale } from './language';
import { fitMessage, keyboardFor, newScreenToken, parsePress, PRESS_DATA, telegramPages } from './render';
import { enqueueReply, type TelegramPayload } from './replies';
import { describeError } from './send';
import { telegramWording } from './wording';

/** What the Telegram channel is given by the composition root, beyond every channel's deps. */
export interface TelegramDeps extends ChannelDeps {
  db: Database;
  store: EphemeralStore;
  /** Wakes the outbox dispatcher after a reply is queued, so replies leave at once. */
  nudge?: () => void;
  /** The bot's own user, when known: saves the getMe call (tests, fast restarts). */
  botInfo?: UserFromGetMe;
}

/** grammY's context, plus the toast a button press is answered with. */
export type TelegramContext = Context & { toast?: string };

/** The chat, the citizen behind it, and the language to speak to them in. */
interface Who extends Contact {
  chatId: number;
  /** The citizen's language, or the guess from their app, or the deployment's default. */
  locale: string;
  /** The guess from the app's language_code, for the engine until the citizen chooses. */
  localeHint?: string;
}

interface TurnOptions {
  /** Replace this message (the pressed one) instead of sending a new one. */
  edit?: number;
  /** A confirmation shown above the screen (an i18n key). */
  notice?: string;
}

/**
 * How each kind of update is handled, as grammY middleware, the same in webhook and polling
 * mode. Private chats only: group messages, channel posts and edited messages are
 * acknowledged and ignored. Every reply goes to the outbox; the only calls made while
 * handling an update are `answerCallbackQuery` (in webhook mode it rides in the webhook's
 * response) and, when our own stores fail, an apology (the same).
 */
export function telegramUpdates(deps: TelegramDeps, log: Logger): Composer<TelegramContext> {
  const { config, conversation, i18n, outbox, db, store } = deps;
  const { contacts } = conversation;
  const t = (locale: string, key: string) => translate(i18n, locale, { key });
  const wording = telegramWording(i18n);
  const tokenKey = (chatId: number) => `telegram:screen:${chatId}`;
  const guessed = (ctx: Context) => guessLocale(ctx.from?.language_code) ?? config.DEFAULT_LOCALE;

  /** Records the contact (channel and time, which decide where updates go) and finds the citizen. */
  async function seen(ctx: Context): Promise<Who> {
    const chatId = ctx.chat!.id;
    // They wrote: whatever made the chat unreachable (a block, a refused send) is over.
    const contact = await contacts.wrote(`telegram:${chatId}`, 'telegram');
    const localeHint = guessLocale(ctx.from?.language_code);
    return { ...contact, chatId, locale: contact.locale ?? localeHint ?? config.DEFAULT_LOCALE, localeHint };
  }

  async function queue(who: Who, text: string, payload: TelegramPayload = {}): Promise<void> {
    await enqueueReply(db, outbox, { address: who.address, citizenId: who.citizenId, text, payload });
    deps.nudge?.();
  }

  const say = (who: Who, key: string, payload?: TelegramPayload) => queue(who, t(who.locale, key), payload);

  const shareKeyboard = (locale: string): ReplyKeyboardMarkup => ({
    keyboard: [[{ text: t(locale, 'telegram.share_button'), request_contact: true }]],
    one_time_keyboard: true,
    resize_keyboard: true,
  });

  /** One step's turn, its screen drawn as a message with buttons and queued. */
  async function converse(who: Who, step: ChatStep, options: TurnOptions = {}): Promise<void> {
    // Telegram vouches for the chat (a forged webhook is refused before this).
    const reply = await conversation.chat.turn(who, step, { name: 'telegram', proven: true, localeHint: who.localeHint }, (screen) => telegramPages(wording.adapt(screen)));
    const locale = reply.screen?.locale ?? who.locale;
    const rows: InlineKeyboardButton[][] = [];
    if (reply.screen && reply.page) {
      const token = newScreenToken();
      await store.set(tokenKey(who.chatId), token, config.SESSION_TTL);
      rows.push(...keyboardFor(reply.screen, reply.page, token, t(locale, 'common.menu')));
      if (wording.offersLink(reply.screen) && !(await contacts.hasPhone(who.address))) {
        rows.push([{ text: t(locale, 'telegram.link_button'), callback_data: PRESS_DATA.link }]);
      }
    }
    if (step.offerOptIn) rows.push([{ text: t(locale, 'telegram.restart_button'), callback_data: PRESS_DATA.optin }]);
    const notice = options.notice ?? step.notice;
    const text = notice ? `${t(locale, notice)}\n\n${reply.text}` : reply.text;
    await queue(who, fitMessage(text), { reply_markup: rows.length > 0 ? { inline_keyboard: rows } : undefined, edit_message_id: options.edit });
  }

  /**
   * Whether a press belongs to the screen the chat is on. A press counts once per screen: a
   * double tap's second press finds the screen gone. `expired`: the conversation was
   * forgotten (SESSION_TTL), so there is no newer screen to point to.
   */
  async function pressState(chatId: number, token: string): Promise<'current' | 'stale' | 'expired'> {
    const current = await store.get(tokenKey(chatId));
    if (current === null) return 'expired';
    if (current !== token) return 'stale';
    return (await store.setIfAbsent(`telegram:pressed:${chatId}:${token}`, '1', config.SESSION_TTL)) ? 'current' : 'stale';
  }

  const bot = new Composer<TelegramContext>();

  // First: each update once, and our own failures answered politely (never a 5xx to Telegram).
  bot.use(async (ctx, next) => {
    try {
      if (!(await conversation.inbound.firstUpdate(ctx.update.update_id))) {
        log.info({ updateId: ctx.update.update_id }, 'redelivered update ignored');
        return;
      }
      await next();
    } catch (error) {
      const failed = 'telegram update failed; answered with an apology';
      // A Bot API error is logged by its description only; any other failure once, turn or not.
      if (error instanceof GrammyError || error instanceof HttpError) log.error({ updateId: ctx.update.update_id, ...safeError(error) }, failed);
      else logTurnFailure(log, error, failed, { updateId: ctx.update.update_id });
      if (ctx.callbackQuery) ctx.toast = t(guessed(ctx), 'telegram.unavailable');
      else if (ctx.chat?.type === 'private') await attempt(log, 'apology', () => ctx.reply(t(guessed(ctx), 'telegram.unavailable')));
    } finally {
      // Every press is answered, or the button keeps spinning on the citizen's phone.
      if (ctx.callbackQuery) await attempt(log, 'answerCallbackQuery', () => ctx.answerCallbackQuery(ctx.toast ? { text: ctx.toast } : undefined));
    }
  });

  // The citizen blocked the bot (or unblocked it): https://core.telegram.org/bots/api#chatmemberupdated
  bot.on('my_chat_member', async (ctx) => {
    const change = ctx.myChatMember;
    if (change.chat.type !== 'private') return;
    const address = `telegram:${change.chat.id}`;
    if (change.new_chat_member.status === 'kicked') {
      await contacts.unreachable(address);
      log.info('a citizen blocked the bot; nothing more is sent to that chat until they write again');
    } else if (change.new_chat_member.status === 'member') {
      await contacts.reachable(address);
    }
  });

  const chat = bot.chatType('private');

  // "Share my phone number": only the sender's own contact links (https://core.telegram.org/bots/api#contact).
  chat.on('message:contact', async (ctx) => {
    const who = await seen(ctx);
    const contact = ctx.message.contact;
    if (contact.user_id !== ctx.from.id) {
      log.info('a shared contact was not the sender\'s own; refused');
      await say(who, 'telegram.contact_not_yours', { reply_markup: shareKeyboard(who.locale) });
      return;
    }
    const outcome = await contacts.linkPhone(who.address, contact.phone_number);
    if (outcome === 'invalid') {
      await say(who, 'telegram.contact_invalid', { reply_markup: shareKeyboard(who.locale) });
      return;
    }
    // The dialog in progress belonged to the citizen before linking: start afresh.
    await conversation.turns.forget(who.address);
    log.info({ outcome }, 'a telegram chat was linked to its phone number');
    await say(who, 'telegram.linked', { reply_markup: { remove_keyboard: true } });
  });

  // Commands and messages alike: the conversation layer's one command table (conversation/chat.ts).
  chat.on('message:text', async (ctx) => {
    const who = await seen(ctx);
    const step = await conversation.chat.step(who, ctx.message.text, 'telegram');
    if (step === 'unknown') await say(who, 'telegram.unknown_command');
    else if (step.said !== undefined) await queue(who, step.said);
    else await converse(who, step);
  });

  chat.on('callback_query:data', async (ctx) => {
    const who = await seen(ctx);
    const press = parsePress(ctx.callbackQuery.data);
    const edit = ctx.callbackQuery.message?.message_id;
    switch (press.kind) {
      case 'input': {
        const state = await pressState(who.chatId, press.token);
        if (state === 'current') await converse(who, { text: press.input }, { edit });
        else if (state === 'expired') await converse(who, { text: '', start: { dialog: 'menu' } }, { edit });
        else ctx.toast = t(who.locale, 'telegram.stale');
        return;
      }
      case 'menu':
        await converse(who, { text: '', start: { dialog: 'menu' } }, { edit });
        return;
      case 'link':
        await say(who, 'telegram.share_prompt', { reply_markup: shareKeyboard(who.locale) });
        return;
      case 'optin':
        await converse(who, await conversation.chat.optIn(who), { edit });
        return;
      case 'unknown':
        ctx.toast = t(who.locale, 'telegram.stale');
        return;
    }
  });

  // Photos, stickers, voice, locations, documents…: a short hint.
  chat.on('message', async (ctx) => say(await seen(ctx), 'telegram.only_text'));

  // Everything else (edited messages, channel posts, groups, reactions…): acknowledged, ignored.
  bot.use((ctx) => {
    const kind = Object.keys(ctx.update).find((key) => key !== 'update_id') ?? 'unknown';
    log.info({ updateId: ctx.update.update_id, kind, chatType: ctx.chat?.type }, 'update ignored');
  });

  return bot;
}

/** Fields describing an error that are safe to log: Bot API errors only by their description. */
export function safeError(error: unknown): Record<string, unknown> {
  return error instanceof GrammyError || error instanceof HttpError ? { reason: describeError(error) } : { err: error };
}

/** Runs a Bot API call whose failure must not stop anything else, logging it safely. */
async function attempt(log: Logger, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    log.info({ ...safeError(error), call: what }, 'telegram call failed');
  }
}
