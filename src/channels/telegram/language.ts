import type { LanguageCode } from 'grammy/types';
import type { Locale } from '../../config';

/**
 * Each translation as Telegram apps name it: the two-letter (ISO 639-1) code the command menu
 * is set for, and any other tag those users' apps send. English is everyone else's. A new
 * locale in SUPPORTED_LOCALES does not compile until it is named here. Maguindanaon, Maranao
 * and Tausug have no two-letter code and no Telegram app translation: their users choose them
 * with /language, and the command menu stays English for them.
 */
export const TELEGRAM_LANGUAGES: Record<Exclude<Locale, 'en'>, { code?: LanguageCode; also: string[] }> = {
  fil: { code: 'tl', also: ['fil'] },
  bn: { code: 'bn', also: [] },
  mdh: { also: ['mdh'] },
  mrw: { also: ['mrw'] },
  tsg: { also: ['tsg'] },
};

/**
 * The first guess at a Telegram user's language, from the `language_code` their app sends
 * (an IETF tag such as `en`, `tl`, `fil`, `bn-BD`): Filipino for `fil` or Tagalog `tl`, Bangla
 * for `bn`, English otherwise. Used until the citizen chooses a language; undefined when the
 * app sent none, so the deployment's default applies.
 */
export function guessLocale(languageCode: string | undefined): Locale | undefined {
  if (!languageCode) return undefined;
  const primary = languageCode.toLowerCase().split(/[-_]/, 1)[0];
  const match = Object.entries(TELEGRAM_LANGUAGES).find(([, names]) => names.code === primary || names.also.includes(primary));
  return match ? (match[0] as Locale) : 'en';
}
