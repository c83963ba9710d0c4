import { fallbacksOf } from '../i18n';
import type { LocalizedText } from './catalog-schema';

/**
 * The text in `locale`, falling back along the locale's declared chain (Maguindanaon: Filipino,
 * then English, which every localised text has), as the interface's strings do. A plain string
 * (as a catalog file may give) is English.
 */
export function pick(text: LocalizedText | string, locale: string): string {
  if (typeof text === 'string') return text;
  for (const code of [locale, ...fallbacksOf(locale)]) {
    const found = text[code];
    if (found) return found;
  }
  return text.en;
}
