import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createI18n, translate } from '../../src/i18n';
import { fallbackChain, fingerprint, readLocale, readLocales, reviewState } from '../../src/translations/locales';
import { setText, writeLocale } from '../../src/translations/review';

/**
 * The fallback chain, string by string: a locale that hides drafts shows only its reviewed
 * strings and takes each other one from its declared fallback (then English); one that shows
 * drafts shows them. A key or a whole namespace a locale lacks falls back the same way.
 */

/** A locales folder of its own: English, Filipino, and two region languages. */
function localesFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lingkod-locales-'));
  const write = (code: string, file: string, content: string) => {
    mkdirSync(path.join(dir, code), { recursive: true });
    writeFileSync(path.join(dir, code, file), content);
  };
  write('en', 'locale.yaml', 'name: English\nenglish: English\ncomplete: true\nintl: en-GB\n');
  write('en', 'dialogs.json', JSON.stringify({ menu: { help: 'Help', back: 'Back', more: 'More', title: 'Services' }, items_one: '{{count}} item', items_other: '{{count}} items' }));
  write('en', 'extra.json', JSON.stringify({ only: 'Only in English and Filipino' }));
  write('fil', 'locale.yaml', 'name: Filipino\nenglish: Filipino\nfallback: en\ncomplete: true\ndrafts: show\nintl: fil-PH\n');
  write('fil', 'dialogs.json', JSON.stringify({ menu: { help: 'Tulong', back: 'Bumalik', more: 'Iba pa' }, items_one: '{{count}} bagay', items_other: '{{count}} na bagay' }));
  write('fil', 'extra.json', JSON.stringify({ only: 'Sa Ingles at Filipino lang' }));
  for (const [code, drafts] of [['tsg', 'fallback'], ['mdh', 'show']]) {
    write(code, 'locale.yaml', `name: X\nenglish: X\nfallback: fil\ndrafts: ${drafts}\nintl: fil-PH\n`);
    write(code, 'dialogs.json', JSON.stringify({ menu: { help: 'Tabang', back: 'Balik', more: 'Dugaing' }, items_other: '{{count}} butang' }));
  }
  return dir;
}

describe('the fallback chain', () => {
  let dir: string;
  const at = new Date('2026-12-04T10:00:00Z');
  beforeEach(() => {
    dir = localesFolder();
    const english = readLocale(dir, 'en').texts;
    for (const code of ['tsg', 'mdh']) {
      const locale = readLocale(dir, code);
      // "Help" reviewed now; "Back" reviewed against an English that has since changed.
      setText(locale, english, 'dialogs:menu.help', 'Tabang', { by: 'Reviewer A', at });
      setText(locale, english, 'dialogs:menu.back', 'Balik', { by: 'Reviewer A', at });
      locale.review['dialogs:menu.back'].source = fingerprint('Go back');
      writeLocale(dir, locale, english, ['dialogs']);
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is declared: each locale, its fallback, then English', () => {
    const locales = new Map(readLocales(dir).map((locale) => [locale.code, locale]));
    expect(fallbackChain(locales, 'tsg')).toEqual(['fil', 'en']);
    expect(fallbackChain(locales, 'fil')).toEqual(['en']);
    expect(fallbackChain(locales, 'en')).toEqual([]);
  });

  it('knows each string: reviewed, stale after English changed, draft, or falling back', () => {
    const locales = readLocales(dir);
    const english = locales[0].texts;
    const tsg = locales.find((locale) => locale.code === 'tsg')!;
    expect(reviewState(tsg, english, 'dialogs:menu.help')).toBe('reviewed');
    expect(reviewState(tsg, english, 'dialogs:menu.back')).toBe('stale');
    expect(reviewState(tsg, english, 'dialogs:menu.more')).toBe('draft');
    expect(reviewState(tsg, english, 'dialogs:menu.title')).toBe('fallback');
    expect(reviewState(tsg, english, 'extra:only')).toBe('fallback');
    // A reviewed string edited by hand afterwards is a draft again, never presented as reviewed.
    tsg.texts.set('dialogs:menu.help', 'Tabang kaw');
    expect(reviewState(tsg, english, 'dialogs:menu.help')).toBe('draft');
  });

  it('a locale that hides drafts shows its reviewed strings and Filipino for each other one', () => {
    const i18n = createI18n('en', { dir });
    const t = (key: string, params?: Record<string, number>) => translate(i18n, 'tsg', { key, params });
    expect(t('menu.help')).toBe('Tabang');
    expect(t('menu.back')).toBe('Bumalik');
    expect(t('menu.more')).toBe('Iba pa');
    expect(t('items', { count: 4 })).toBe('4 na bagay');
    // Missing in Filipino too: English. A namespace only English and Filipino have: Filipino.
    expect(t('menu.title')).toBe('Services');
    expect(t('extra:only')).toBe('Sa Ingles at Filipino lang');
  });

  it('a locale that shows drafts shows them, stale ones included, and falls back only where it has nothing', () => {
    const i18n = createI18n('en', { dir });
    const t = (key: string, params?: Record<string, number>) => translate(i18n, 'mdh', { key, params });
    expect([t('menu.help'), t('menu.back'), t('menu.more'), t('items', { count: 3 })]).toEqual(['Tabang', 'Balik', 'Dugaing', '3 butang']);
    expect(t('menu.title')).toBe('Services');
    expect(t('extra:only')).toBe('Sa Ingles at Filipino lang');
  });

  it('shows every draft when asked to (the screen-fit test and the reviewer\'s preview)', () => {
    const i18n = createI18n('en', { dir, drafts: 'show' });
    expect(translate(i18n, 'tsg', { key: 'menu.more' })).toBe('Dugaing');
  });
});

describe('the shipped region languages', () => {
  const i18n = createI18n('en');

  it('Tausug hides its drafts: a citizen reads Filipino until a string is reviewed', () => {
    expect(translate(i18n, 'tsg', { key: 'menu.help' })).toBe(translate(i18n, 'fil', { key: 'menu.help' }));
    expect(translate(i18n, 'tsg', { key: 'language.title' })).toBe('Piliin ang iyong wika');
  });

  it('Maguindanaon and Maranao show theirs, and Filipino where they have none', () => {
    expect(translate(i18n, 'mdh', { key: 'menu.help' })).toBe('Tabang');
    expect(translate(i18n, 'mrw', { key: 'language.title' })).toBe('Pamili ka sa basa ka');
    expect(translate(i18n, 'mdh', { key: 'browse.categories' })).toBe(translate(i18n, 'fil', { key: 'browse.categories' }));
  });
});
