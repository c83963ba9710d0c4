import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isGsm7 } from '../src/text/gsm7';

/**
 * Keeps every translation in step with English, the source language: same keys, same
 * `{{placeholders}}`, and texts that fit the channels (Filipino in GSM-7, Bangla in 80 UCS-2
 * units, the size of one USSD screen). Failures name the locale, the file and the key.
 */

const LOCALES_DIR = path.resolve(__dirname, '..', 'locales');
const SOURCE = 'en';

/** The plural suffixes i18next (JSON v4) appends, one per CLDR plural category. */
const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
const PLURAL_SUFFIX = new RegExp(`_(${PLURAL_CATEGORIES.join('|')})$`);

/** Flat `section.key` to text map of one namespace. */
type Flat = Map<string, string>;

/** Flattens nested JSON into dotted keys; leaves that are not objects are stringified. */
function flatten(value: unknown, prefix = '', into: Flat = new Map()): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return into;
}

/** The interpolation names of a text: `{{name}}` and `{{ name, format }}` both give `name`. */
function placeholders(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/{{\s*([^}]*?)\s*}}/g)) names.add(match[1].split(',')[0].trim());
  return [...names].sort();
}

const withoutPlaceholders = (text: string) => text.replace(/{{[^}]*}}/g, '');

const localeNames = () =>
  readdirSync(LOCALES_DIR)
    .filter((name) => statSync(path.join(LOCALES_DIR, name)).isDirectory())
    .sort();

const namespacesOf = (locale: string) =>
  readdirSync(path.join(LOCALES_DIR, locale))
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.basename(file, '.json'))
    .sort();

/** One namespace of one locale, flattened; undefined when the file does not exist. */
function readNamespace(locale: string, namespace: string): Flat | undefined {
  const file = path.join(LOCALES_DIR, locale, `${namespace}.json`);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return flatten(JSON.parse(source));
}

/**
 * Every way `translation` (one namespace of `locale`) disagrees with `english`. A plural key
 * (English has `x_other`) needs at least `x_other` in the translation and may use any CLDR
 * form of `x`; a form English lacks is compared with English's `x_other` for placeholders.
 */
function compareWithEnglish(locale: string, namespace: string, english: Flat, translation: Flat): string[] {
  const problems: string[] = [];
  const where = (key: string) => `${locale}: ${namespace}:${key}`;
  const pluralBases = new Set(
    [...english.keys()].filter((key) => key.endsWith('_other')).map((key) => key.slice(0, -'_other'.length)),
  );
  const baseOf = (key: string) => {
    const base = key.replace(PLURAL_SUFFIX, '');
    return base !== key && pluralBases.has(base) ? base : undefined;
  };

  for (const key of english.keys()) {
    const base = baseOf(key);
    const required = base === undefined ? key : `${base}_other`;
    if (key === required && !translation.has(key)) problems.push(`${where(key)} is missing`);
  }

  for (const [key, text] of translation) {
    const base = baseOf(key);
    const reference = english.get(key) ?? (base === undefined ? undefined : english.get(`${base}_other`));
    if (reference === undefined) {
      problems.push(`${where(key)} is not in English`);
      continue;
    }
    const expected = placeholders(reference);
    const actual = placeholders(text);
    if (expected.join() !== actual.join()) {
      problems.push(`${where(key)} has placeholders {${actual.join(', ')}} but English has {${expected.join(', ')}}`);
    }
  }
  return problems;
}

/** Every disagreement of a whole locale folder with the English folder. */
function localeProblems(locale: string): string[] {
  const problems: string[] = [];
  const englishNamespaces = namespacesOf(SOURCE);
  for (const namespace of englishNamespaces) {
    const english = readNamespace(SOURCE, namespace)!;
    const translation = readNamespace(locale, namespace);
    if (!translation) {
      problems.push(`${locale}: ${namespace}.json is missing (English has ${english.size} keys in it)`);
      continue;
    }
    problems.push(...compareWithEnglish(locale, namespace, english, translation));
  }
  for (const namespace of namespacesOf(locale)) {
    if (!englishNamespaces.includes(namespace)) problems.push(`${locale}: ${namespace}.json is not in English`);
  }
  return problems;
}

/** Every text of a locale, across its namespaces, as `namespace:key` → text. */
function textsOf(locale: string): [string, string][] {
  return namespacesOf(locale).flatMap((namespace) =>
    [...readNamespace(locale, namespace)!].map(([key, text]): [string, string] => [`${namespace}:${key}`, text]),
  );
}

describe('the translation checker', () => {
  const english: Flat = new Map([
    ['menu.title', 'Hello {{name}}'],
    ['topics_one', '{{count}} topic'],
    ['topics_other', '{{count}} topics'],
  ]);

  it('accepts a translation with the same keys and placeholders', () => {
    const translation: Flat = new Map([
      ['menu.title', 'Kumusta {{name}}'],
      ['topics_other', '{{count}} paksa'],
    ]);
    expect(compareWithEnglish('xx', 'dialogs', english, translation)).toEqual([]);
  });

  it('accepts plural forms English does not use', () => {
    const translation: Flat = new Map([
      ['menu.title', 'Hello {{name}}'],
      ['topics_few', '{{count}} topics'],
      ['topics_other', '{{count}} topics'],
    ]);
    expect(compareWithEnglish('xx', 'dialogs', english, translation)).toEqual([]);
  });

  it('reports a missing key, an extra key and a changed placeholder, naming locale and key', () => {
    const translation: Flat = new Map([
      ['menu.title', 'Kumusta {{pangalan}}'],
      ['topics_one', '{{count}} paksa'],
      ['menu.extra', 'Dagdag'],
    ]);
    expect(compareWithEnglish('xx', 'dialogs', english, translation)).toEqual([
      'xx: dialogs:topics_other is missing',
      'xx: dialogs:menu.title has placeholders {pangalan} but English has {name}',
      'xx: dialogs:menu.extra is not in English',
    ]);
  });
});

describe('the locale files', () => {
  const translations = localeNames().filter((locale) => locale !== SOURCE);

  it('include English and at least one translation', () => {
    expect(localeNames()).toContain(SOURCE);
    expect(namespacesOf(SOURCE).length).toBeGreaterThan(0);
    expect(translations.length).toBeGreaterThan(0);
  });

  it.each(translations)('%s has exactly the keys and placeholders of English', (locale) => {
    expect(localeProblems(locale)).toEqual([]);
  });
});

describe('texts fit a USSD screen', () => {
  /** Names of languages, shown in their own script whatever the citizen's language. */
  const OWN_SCRIPT_KEYS = new Set(['language.name_bn']);

  it('Filipino uses only the GSM 7-bit alphabet, apart from language names in their own script', () => {
    const offending = textsOf('fil')
      .filter(([key]) => !OWN_SCRIPT_KEYS.has(key.slice(key.indexOf(':') + 1)))
      .filter(([, text]) => !isGsm7(text))
      .map(([key, text]) => `fil: ${key} has ${[...text].filter((char) => !isGsm7(char)).join(' ')}`);
    expect(offending).toEqual([]);
  });

  it('Bangla texts are at most 80 characters without their placeholders', () => {
    // Bangla always goes out as UCS-2, where a USSD screen holds 80 UTF-16 code units.
    const tooLong = textsOf('bn')
      .map(([key, text]) => ({ key, length: withoutPlaceholders(text).length }))
      .filter(({ length }) => length > 80)
      .map(({ key, length }) => `bn: ${key} has ${length} characters`);
    expect(tooLong).toEqual([]);
  });
});
