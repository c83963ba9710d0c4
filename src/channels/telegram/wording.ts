import type { i18n } from 'i18next';
import { SUPPORTED_LOCALES } from '../../config';
import type { ResolvedScreen } from '../../dialogs/screen';
import { translate } from '../../i18n';

/** Texts written for a keypad, and what Telegram says instead (the help's "type the number"). */
const KEYPAD_TEXTS: Record<string, string> = { 'help.body': 'telegram.help' };

/** Screens under which a chat without a linked phone is offered to link one. */
const LINK_OFFER_SCREENS = ['menu.title', 'requests.title', 'requests.none'];

/** Telegram's view of the shared dialogs' wording, built once from the locales. */
export interface TelegramWording {
  /** The screen with keypad instructions replaced by Telegram's own. */
  adapt(screen: ResolvedScreen): ResolvedScreen;
  /** True for the main menu and "my requests", where linking a phone helps most. */
  offersLink(screen: ResolvedScreen): boolean;
}

/**
 * The dialogs are shared by every channel and speak of typing numbers; Telegram has buttons.
 * Rather than teach the dialogs about channels, the few keypad texts are recognised in the
 * translated screen (in every locale) and replaced with Telegram's wording.
 */
export function telegramWording(i18n: i18n): TelegramWording {
  const replacements = new Map<string, string>();
  const linkScreens = new Set<string>();
  for (const locale of SUPPORTED_LOCALES) {
    for (const [keypad, telegram] of Object.entries(KEYPAD_TEXTS)) {
      replacements.set(translate(i18n, locale, { key: keypad }), translate(i18n, locale, { key: telegram }));
    }
    for (const key of LINK_OFFER_SCREENS) linkScreens.add(translate(i18n, locale, { key }));
  }
  return {
    adapt: (screen) => ({ ...screen, body: screen.body.map((line) => replacements.get(line) ?? line) }),
    offersLink: (screen) => screen.body.some((line) => linkScreens.has(line)),
  };
}
