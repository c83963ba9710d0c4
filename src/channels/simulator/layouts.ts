import type { ResolvedScreen } from '../../dialogs/screen';
import { encodedLength, encodingOf, type Encoding } from '../../text/gsm7';
import type { PageLimits } from '../../text/pages';
import { keyboardFor, parsePress, telegramPages } from '../telegram/render';

/** A USSD page as the network carries it: `CON`/`END`, the text, and how full the screen is. */
export interface UssdScreen {
  prefix: 'CON' | 'END';
  text: string;
  encoding: Encoding;
  /** Characters in the encoding's units; never more than `limit`. */
  length: number;
  limit: number;
}

/** The USSD page for a reply, measured against the limits the USSD adapter uses. */
export function ussdScreen(text: string, final: boolean, limits: PageLimits): UssdScreen {
  const encoding = encodingOf(text);
  return { prefix: final ? 'END' : 'CON', text, encoding, length: encodedLength(text, encoding), limit: limits[encoding] };
}

/** A chat button: what it says and what pressing it sends (a keypad input, or `/menu`). */
export interface ChatButton {
  label: string;
  value: string;
}

/**
 * The buttons under a chat reply: the Telegram adapter's inline keyboard for the page shown,
 * each turned back into what pressing it sends, as the Telegram adapter reads callback data.
 */
export function chatButtons(screen: ResolvedScreen, shownText: string, menuLabel: string): ChatButton[] {
  const pages = telegramPages(screen);
  const page = pages.find((candidate) => candidate.text === shownText) ?? pages[0];
  return keyboardFor(screen, page, CHAT_SCREEN_TOKEN, menuLabel)
    .flat()
    .flatMap((button) => {
      const press = parsePress('callback_data' in button ? button.callback_data : '');
      if (press.kind === 'input') return [{ label: button.text, value: press.input }];
      if (press.kind === 'menu') return [{ label: button.text, value: '/menu' }];
      return [];
    });
}

/** The screen token in the simulator's buttons: the page sends the input itself, not the token. */
const CHAT_SCREEN_TOKEN = 'simchat';
