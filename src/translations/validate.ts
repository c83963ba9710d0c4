import { isGsm7 } from '../text/gsm7';
import { overBudget } from './budget';
import { fallbackChain, pluralBase, sourceOf, SOURCE_LOCALE, type LocaleData } from './locales';

/**
 * Everything wrong with a locale, one line each naming the locale and the key: what `npm test`
 * fails on (test/locales.test.ts) and what an import refuses. A key a locale lacks is fine only
 * when the locale is not `complete` and declares its fallback (the explicit, string-by-string
 * fallback of src/i18n.ts); placeholders must be English's; plural forms must be exactly the
 * CLDR categories i18next will ask for in that language (Intl.PluralRules); texts must be in the
 * locale's SMS alphabet and within their budget (src/translations/budget.ts).
 */

/** The interpolation names of a text: `{{name}}` and `{{ name, format }}` both give `name`. */
export function placeholders(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/{{\s*([^}]*?)\s*}}/g)) names.add(match[1].split(',')[0].trim());
  return [...names].sort();
}

/** The CLDR plural categories, in i18next's suffix order. */
const CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'];

/** The plural categories i18next resolves for a language code (it asks Intl with the code itself). */
export function pluralCategories(code: string): string[] {
  const categories: readonly string[] = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
  return CATEGORIES.filter((category) => categories.includes(category));
}


/** Language names keep their own script in every locale (বাংলা in the Filipino menu). */
const isLanguageName = (key: string) => key.startsWith('dialogs:language.name_');

/** The problems of one translated string, as an import checks it before accepting it. */
export function textProblems(locale: LocaleData, english: LocaleData['texts'], key: string, text: string): string[] {
  const where = `${locale.code}: ${key}`;
  const source = sourceOf(english, key);
  if (source === undefined) return [`${where} is not in English`];
  const problems: string[] = [];
  const expected = placeholders(source).join(', ');
  const actual = placeholders(text).join(', ');
  if (expected !== actual) problems.push(`${where} has placeholders {${actual}} but English has {${expected}}`);
  if (locale.manifest.sms === 'gsm7' && !isLanguageName(key) && !isGsm7(text)) {
    problems.push(`${where} is not GSM-7 (${[...new Set([...text].filter((char) => !isGsm7(char)))].join(' ')}): it would cost UCS-2, twice the SMS`);
  }
  const over = overBudget(key, text);
  if (over) problems.push(`${where} ${over}: "${text}"`);
  return problems;
}

/** Every problem of a whole locale, given all locales (for its fallback chain). */
export function localeProblems(locale: LocaleData, all: readonly LocaleData[]): string[] {
  const english = all.find((item) => item.code === SOURCE_LOCALE)!.texts;
  const problems: string[] = [];
  const byCode = new Map(all.map((item) => [item.code, item]));
  if (locale.code !== SOURCE_LOCALE) {
    const fallback = locale.manifest.fallback;
    if (!fallback || !byCode.has(fallback)) problems.push(`${locale.code}: locale.yaml must name a fallback that is a locale (has ${fallback ?? 'none'})`);
    if (fallbackChain(byCode, locale.code).includes(locale.code)) problems.push(`${locale.code}: its fallback chain loops`);
  }
  if (english.get(`dialogs:language.name_${locale.code}`) !== locale.manifest.name) {
    problems.push(`${locale.code}: locale.yaml's name "${locale.manifest.name}" is not English's dialogs:language.name_${locale.code}`);
  }
  // Keys: all of English's in a complete locale; plural forms exactly the language's categories.
  const categories = pluralCategories(locale.code);
  const bases = new Set<string>();
  for (const key of english.keys()) {
    const base = pluralBase(english, key);
    if (base !== undefined) bases.add(base);
    else if (locale.manifest.complete && !locale.texts.has(key)) problems.push(`${locale.code}: ${key} is missing`);
  }
  for (const base of bases) {
    const forms = CATEGORIES.filter((category) => locale.texts.has(`${base}_${category}`));
    if (forms.length === 0 && !locale.manifest.complete) continue;
    if (forms.join() !== categories.join()) {
      problems.push(`${locale.code}: ${base} has plural forms {${forms.join(', ')}} but ${locale.code} needs {${categories.join(', ')}}`);
    }
  }
  if (locale.code === SOURCE_LOCALE) return problems;
  for (const [key, text] of locale.texts) problems.push(...textProblems(locale, english, key, text));
  return problems;
}
