import type { LocalizedText } from './catalog-schema';

/**
 * The text in `locale`, falling back to English, which every localised text has. A plain
 * string (as a catalog file may give) is English.
 */
export function pick(text: LocalizedText | string, locale: string): string {
  return typeof text === 'string' ? text : (text[locale] ?? text.en);
}
