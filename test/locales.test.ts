import { LOCALES_DIR } from '../src/i18n';
import { SUPPORTED_LOCALES } from '../src/config';
import { readLocales, reviewState, SOURCE_LOCALE, type LocaleData } from '../src/translations/locales';
import { localeProblems, pluralCategories } from '../src/translations/validate';

/**
 * Keeps every translation in step with English, the source language (src/translations/validate.ts):
 * every key present, or (in a locale that is not `complete`) explicitly falling back to the
 * language its manifest names; the same `{{placeholders}}`; plural forms exactly the language's
 * CLDR categories; texts in the locale's SMS alphabet and within their budget. Failures name
 * the locale and the key.
 */

/** A small locale set of its own, to show what the checker catches. */
function fixture(texts: Record<string, Record<string, string>>, manifests: Record<string, Partial<LocaleData['manifest']>> = {}): LocaleData[] {
  return Object.entries(texts).map(([code, flat]) => ({
    code,
    manifest: { name: code, english: code, drafts: 'fallback', direction: 'ltr', complete: false, sms: 'gsm7', intl: code, ...(code === 'en' ? {} : { fallback: 'en' }), ...manifests[code] },
    texts: new Map(Object.entries(flat)),
    review: {},
  }));
}

describe('the translation checker', () => {
  const english = {
    'dialogs:menu.title': 'Hello {{name}}',
    'dialogs:topics_one': '{{count}} topic',
    'dialogs:topics_other': '{{count}} topics',
    'dialogs:language.name_fil': 'fil',
    'dialogs:language.name_xx': 'xx',
    'dialogs:language.name_ar': 'ar',
    'sms:help': 'Text HELP',
  };

  it('accepts a translation with the same placeholders that falls back for what it lacks', () => {
    const locales = fixture({ en: english, xx: { 'dialogs:menu.title': 'Kumusta {{name}}' } });
    expect(localeProblems(locales[1], locales)).toEqual([]);
  });

  it('requires every key of a complete locale', () => {
    const locales = fixture({ en: english, xx: { 'dialogs:menu.title': 'Kumusta {{name}}' } }, { xx: { complete: true } });
    expect(localeProblems(locales[1], locales)).toEqual(['xx: dialogs:language.name_fil is missing', 'xx: dialogs:language.name_xx is missing', 'xx: dialogs:language.name_ar is missing', 'xx: sms:help is missing', 'xx: dialogs:topics has plural forms {} but xx needs {one, other}']);
  });

  it('refuses a locale with no declared fallback: a missing string must fall back explicitly', () => {
    const locales = fixture({ en: english, xx: {} }, { xx: { fallback: undefined } });
    expect(localeProblems(locales[1], locales)).toEqual(['xx: locale.yaml must name a fallback that is a locale (has none)']);
  });

  it('reports a changed placeholder, a key English lacks, a text outside GSM-7 and one over its budget', () => {
    const locales = fixture({
      en: english,
      xx: {
        'dialogs:menu.title': 'Kumusta {{pangalan}}',
        'dialogs:menu.extra': 'Dagdag',
        'sms:help': 'I-text ang TULONG — ngayon',
        'dialogs:language.name_xx': 'x'.repeat(183),
      },
    }, { xx: { name: 'Ex' } });
    expect(localeProblems(locales[1], locales)).toEqual([
      'xx: locale.yaml\'s name "Ex" is not English\'s dialogs:language.name_xx',
      'xx: dialogs:menu.title has placeholders {pangalan} but English has {name}',
      'xx: dialogs:menu.extra is not in English',
      'xx: sms:help is not GSM-7 (—): it would cost UCS-2, twice the SMS',
      `xx: dialogs:language.name_xx is 183 characters; the budget is one USSD page: 182 characters in GSM-7, placeholders not counted: "${'x'.repeat(183)}"`,
    ]);
  });

  it('wants exactly the plural forms the language has: Arabic six, Filipino two', () => {
    expect(pluralCategories('ar')).toEqual(['zero', 'one', 'two', 'few', 'many', 'other']);
    expect(pluralCategories('fil')).toEqual(['one', 'other']);
    const locales = fixture({
      en: english,
      fil: { 'dialogs:topics_one': '{{count}} paksa', 'dialogs:topics_few': '{{count}} paksa' },
      ar: { 'dialogs:topics_one': 'موضوع {{count}}', 'dialogs:topics_other': '{{count}} مواضيع' },
    }, { ar: { sms: 'ucs2' } });
    expect(localeProblems(locales[1], locales)).toContain('fil: dialogs:topics has plural forms {one, few} but fil needs {one, other}');
    expect(localeProblems(locales[2], locales)).toContain('ar: dialogs:topics has plural forms {one, other} but ar needs {zero, one, two, few, many, other}');
  });
});

describe('the locale files', () => {
  const locales = readLocales(LOCALES_DIR);
  const english = locales.find((locale) => locale.code === SOURCE_LOCALE)!;

  it('are the supported locales, English first, each with a manifest', () => {
    expect(locales.map((locale) => locale.code)).toEqual(['en', ...[...SUPPORTED_LOCALES].filter((code) => code !== 'en').sort()]);
  });

  it.each(locales.map((locale) => locale.code))('%s has English\'s keys (or falls back explicitly), placeholders and plural forms, and fits', (code) => {
    expect(localeProblems(locales.find((locale) => locale.code === code)!, locales)).toEqual([]);
  });

  it('English, Filipino and Bangla are complete; the region\'s languages fall back to Filipino', () => {
    const complete = locales.filter((locale) => locale.manifest.complete).map((locale) => locale.code);
    expect(complete.sort()).toEqual(['bn', 'en', 'fil']);
    for (const code of ['mdh', 'mrw', 'tsg']) expect(locales.find((locale) => locale.code === code)!.manifest.fallback).toBe('fil');
  });

  it('no string of Maguindanaon, Maranao or Tausug is presented as reviewed: all are drafts', () => {
    const reviewed = locales
      .filter((locale) => ['mdh', 'mrw', 'tsg'].includes(locale.code))
      .flatMap((locale) => [...locale.texts.keys()].filter((key) => reviewState(locale, english.texts, key) === 'reviewed').map((key) => `${locale.code} ${key}`));
    expect(reviewed).toEqual([]);
  });
});
