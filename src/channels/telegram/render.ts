import { randomBytes } from 'node:crypto';
import type { InlineKeyboardButton } from 'grammy/types';
import type { ResolvedScreen } from '../../dialogs/screen';

/**
 * How a dialog's screen looks in Telegram: the body as the message text, each option as an
 * inline keyboard button, and the keypad's navigation (`0` back, `98` more) as buttons too.
 * A button press sends the engine exactly what a keypad would (the option's number), so the
 * dialogs need to know nothing about Telegram.
 *
 * Callback data is at most 64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton).
 * Ours is a screen token and the number (`Xy3_.12`, at most 10 bytes), or a fixed word.
 * The token names the screen the buttons belong to: a press on an older message's buttons
 * would otherwise be read as an answer to whatever the dialog shows now.
 */

/** Options per message (the main menu's nine fit one); more go behind a "More" button, as `98` does on a keypad. */
export const OPTIONS_PER_PAGE = 9;

/** Telegram's limit on a message's text, in UTF-16 code units. */
export const MAX_MESSAGE_LENGTH = 4096;

/** Labels longer than this are also listed in the text: phones cut long button labels short. */
const LONG_LABEL = 30;

/** Telegram's own limit on callback data. */
export const MAX_CALLBACK_BYTES = 64;

/** Keypad inputs the navigation buttons send (see src/dialogs/input.ts). */
const BACK_INPUT = '0';
const MORE_INPUT = '98';

/** One message's worth of a screen: its text and the options its buttons offer. */
export interface TelegramPage {
  text: string;
  options: { number: number; label: string }[];
  index: number;
  count: number;
}

/**
 * Splits a screen into messages of at most OPTIONS_PER_PAGE buttons. Every page repeats the
 * body, and says which page it is when there are several, so each page's text is distinct
 * (the engine remembers the page by its text).
 */
export function telegramPages(screen: ResolvedScreen, perPage = OPTIONS_PER_PAGE): TelegramPage[] {
  const count = Math.max(1, Math.ceil(screen.options.length / perPage));
  const listInText = screen.options.some((option) => option.label.length > LONG_LABEL);
  const pages: TelegramPage[] = [];
  for (let index = 0; index < count; index++) {
    const options = screen.options.slice(index * perPage, (index + 1) * perPage);
    const lines = [...screen.body];
    if (listInText) lines.push('', ...options.map((option) => `${option.number}. ${option.label}`));
    // The page number survives any shortening: the engine tells pages apart by their text.
    const which = count > 1 ? `\n(${index + 1}/${count})` : '';
    pages.push({ text: fitMessage(lines.join('\n').trim() || '…', MAX_MESSAGE_LENGTH - which.length) + which, options, index, count });
  }
  return pages;
}

/** What a button press asks for. */
export type Press =
  /** A keypad input (an option's number, `0`, `98`) on the screen named by `token`. */
  | { kind: 'input'; token: string; input: string }
  /** Back to the main menu (the button under a screen that ends a dialog). */
  | { kind: 'menu' }
  /** Show the "share my phone number" button. */
  | { kind: 'link' }
  /** Turn announcements back on after /stop. */
  | { kind: 'optin' }
  | { kind: 'unknown' };

/** The fixed callback data words. */
export const PRESS_DATA = { menu: 'menu', link: 'link', optin: 'optin' } as const;

const INPUT_DATA = /^([A-Za-z0-9_-]{4,12})\.(\d{1,3})$/;

/** Reads a button's callback data; anything we did not write is `unknown`. */
export function parsePress(data: string): Press {
  const input = INPUT_DATA.exec(data);
  if (input) return { kind: 'input', token: input[1], input: input[2] };
  if (data === PRESS_DATA.menu) return { kind: 'menu' };
  if (data === PRESS_DATA.link) return { kind: 'link' };
  if (data === PRESS_DATA.optin) return { kind: 'optin' };
  return { kind: 'unknown' };
}

/** A fresh token for the next screen sent to a chat (4 URL-safe characters). */
export function newScreenToken(): string {
  return randomBytes(3).toString('base64url');
}

/**
 * The inline keyboard of one page: an option per row, then `Back` and `More`, or a button to
 * the main menu under a screen that ends its dialog.
 */
export function keyboardFor(screen: ResolvedScreen, page: TelegramPage, token: string, menuLabel: string): InlineKeyboardButton[][] {
  const button = (text: string, input: string): InlineKeyboardButton => ({ text, callback_data: `${token}.${input}` });
  const rows = page.options.map((option) => [button(option.label.length > LONG_LABEL ? `${option.number}. ${option.label}` : option.label, String(option.number))]);
  const nav: InlineKeyboardButton[] = [];
  if (page.index > 0 || screen.back) nav.push(button(`« ${screen.nav.back}`, BACK_INPUT));
  if (page.index < page.count - 1) nav.push(button(`${screen.nav.more} »`, MORE_INPUT));
  if (nav.length > 0) rows.push(nav);
  if (screen.final) rows.push([{ text: menuLabel, callback_data: PRESS_DATA.menu }]);
  return rows;
}

/** Shortens a text to `max` (Telegram's message limit), at a line or word boundary where possible. */
export function fitMessage(text: string, max = MAX_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const cut = Math.max(room.lastIndexOf('\n'), room.lastIndexOf(' '));
  return `${room.slice(0, cut > max / 2 ? cut : room.length).trimEnd()}…`;
}
