import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { fingerprint, namespaceOf, reviewState, sourceOf, SOURCE_LOCALE, unflatten, type LocaleData, type ReviewRecord, type ReviewState, type Texts } from './locales';

/**
 * Changing a locale's texts and their review records, and writing them back. Every change goes
 * through `setText`: a new or changed translation is a draft unless a named reviewer accepts it,
 * and a review is recorded against the English source and the translation as they are now, so
 * either changing later makes it a draft (or `stale`) again.
 */

/** What one change did to a key, for the import report and the audit log. */
export interface Change {
  key: string;
  before?: string;
  after: string;
  was: ReviewState;
  now: ReviewState;
}

/** Who accepts a translation as reviewed, and when. */
export interface Reviewer {
  by: string;
  at: Date;
}

/**
 * Sets `key` of `locale` to `text`, as a draft or (with a reviewer) reviewed. Returns the change,
 * or undefined when nothing changed (same text, same state).
 */
export function setText(locale: LocaleData, english: Texts, key: string, text: string, reviewer?: Reviewer): Change | undefined {
  const source = sourceOf(english, key);
  if (source === undefined) throw new Error(`${key} is not an English key`);
  const before = locale.texts.get(key);
  const was = reviewState(locale, english, key);
  const record: ReviewRecord = reviewer
    ? { source: fingerprint(source), text: fingerprint(text), state: 'reviewed', by: reviewer.by, at: reviewer.at.toISOString() }
    : { source: fingerprint(source), text: fingerprint(text), state: 'draft' };
  if (before === text && (reviewer ? was === 'reviewed' : was === 'draft')) return undefined;
  locale.texts.set(key, text);
  locale.review[key] = record;
  return { key, before, after: text, was, now: reviewState(locale, english, key) };
}

/**
 * Records a draft review entry (the English it translates) for every translated key that has
 * none, so a later change of English is noticed even before the first review.
 */
export function recordDrafts(locale: LocaleData, english: Texts): number {
  let added = 0;
  for (const [key, text] of locale.texts) {
    const source = sourceOf(english, key);
    if (locale.review[key] || source === undefined) continue;
    locale.review[key] = { source: fingerprint(source), text: fingerprint(text), state: 'draft' };
    added++;
  }
  return added;
}

/**
 * Writes the namespace files named (keys in English's order, then any plural forms English
 * lacks; the others are left byte for byte as they are) and the locale's review sidecar
 * (sorted, so a diff shows only what changed).
 */
export function writeLocale(dir: string, locale: LocaleData, english: Texts, namespaces: Iterable<string>): void {
  if (locale.code === SOURCE_LOCALE) throw new Error('English is the source: it is edited by hand, not imported');
  const folder = path.join(dir, locale.code);
  const order = [...english.keys()];
  const rank = (key: string) => {
    const index = order.indexOf(key);
    return index >= 0 ? index : order.indexOf(`${key.replace(/_[a-z]+$/, '')}_other`) + 0.5;
  };
  const sorted = [...locale.texts].sort(([a], [b]) => rank(a) - rank(b));
  for (const namespace of new Set(namespaces)) {
    writeFileSync(path.join(folder, `${namespace}.json`), `${JSON.stringify(unflatten(sorted, namespace), null, 2)}\n`);
  }
  const review = Object.fromEntries(Object.entries(locale.review).filter(([key]) => locale.texts.has(key)).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(
    path.join(folder, 'review.yaml'),
    `# Review state of each ${locale.manifest.english} string: written by npm run i18n and the console's translation page.\n` +
      `# source/text: fingerprints of the English and the translation when recorded (src/translations/locales.ts).\n` +
      stringify(review),
  );
}
