import type { Locale } from '../../config';

/**
 * The first guess at a Telegram user's language, from the `language_code` their app sends
 * (an IETF tag such as `en`, `tl`, `fil`, `bn-BD`): Filipino for `fil` or Tagalog `tl`, Bangla
 * for `bn`, English otherwise. Used until the citizen chooses a language; undefined when the
 * app sent none, so the deployment's default applies.
 */
export function guessLocale(languageCode: string | undefined): Locale | undefined {
  if (!languageCode) return undefined;
  const primary = languageCode.toLowerCase().split(/[-_]/, 1)[0];
  if (primary === 'fil' || primary === 'tl') return 'fil';
  if (primary === 'bn') return 'bn';
  return 'en';
}
