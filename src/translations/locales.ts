import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The locale folders as data: each `locales/<code>/` holds one JSON file per namespace, a
 * manifest (`locale.yaml`: the language's own name, what it falls back to, whether its drafts
 * are shown) and a review sidecar (`review.yaml`: per translated key, a hash of the English
 * source and of the translation it was reviewed against, and who reviewed it when). Neither
 * sidecar ends in `.json`, so nothing reads them as a namespace. English is the source.
 */
export const SOURCE_LOCALE = 'en';

export const manifestSchema = z.object({
  /** The language's name in its own language, as the language menu shows it. */
  name: z.string().min(1),
  /** Its name in English, for the console. */
  english: z.string().min(1),
  /** Where a string this locale lacks (or hides, as a draft) comes from; none for the source. */
  fallback: z.string().regex(/^[a-z]{2,3}$/).optional(),
  /** `show`: unreviewed strings are shown; `fallback`: each is replaced by the fallback's. */
  drafts: z.enum(['show', 'fallback']).default('fallback'),
  direction: z.enum(['ltr', 'rtl']).default('ltr'),
  /** Complete locales must have every English key; others fall back, key by key, explicitly. */
  complete: z.boolean().default(false),
  /** The SMS alphabet its texts are written to fit (GSM-7 costs half as much as UCS-2). */
  sms: z.enum(['gsm7', 'ucs2']).default('gsm7'),
  /** The Intl locale its dates are written in and its plural forms follow. */
  intl: z.string().min(2),
});
export type Manifest = z.infer<typeof manifestSchema>;

const reviewSchema = z.record(
  z.string(),
  z.object({
    source: z.string(),
    text: z.string(),
    state: z.enum(['draft', 'reviewed']),
    by: z.string().optional(),
    at: z.string().optional(),
  }),
);
export type ReviewRecord = z.infer<typeof reviewSchema>[string];

/**
 * The review state of one key in one locale. `stale`: reviewed, but English has changed since
 * (it needs review again, and is a draft until then); `fallback`: the locale lacks it.
 */
export type ReviewState = 'source' | 'reviewed' | 'draft' | 'stale' | 'fallback';

/** Flat `namespace:section.key` → text. */
export type Texts = Map<string, string>;

export interface LocaleData {
  code: string;
  manifest: Manifest;
  texts: Texts;
  review: Record<string, ReviewRecord>;
}

/** A short fingerprint of a text: enough to notice it changed. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);
}

/** Flattens nested JSON into dotted keys under `namespace:`. */
export function flatten(value: unknown, prefix: string, into: Texts = new Map()): Texts {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const separator = prefix.endsWith(':') ? '' : '.';
    for (const [key, child] of Object.entries(value)) flatten(child, `${prefix}${separator}${key}`, into);
  } else {
    into.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return into;
}

/** The namespace files of one locale folder, by name. */
export function namespacesIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.basename(file, '.json'))
    .sort();
}

export function readLocale(dir: string, code: string): LocaleData {
  const folder = path.join(dir, code);
  const where = (file: string) => path.join(folder, file);
  const manifest = manifestSchema.parse(parse(readFileSync(where('locale.yaml'), 'utf8')));
  const texts: Texts = new Map();
  for (const namespace of namespacesIn(folder)) flatten(JSON.parse(readFileSync(where(`${namespace}.json`), 'utf8')), `${namespace}:`, texts);
  const review = existsSync(where('review.yaml')) ? reviewSchema.parse(parse(readFileSync(where('review.yaml'), 'utf8')) ?? {}) : {};
  return { code, manifest, texts, review };
}

/** Every locale folder (one with a manifest), English first. */
export function readLocales(dir: string): LocaleData[] {
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory() && existsSync(path.join(dir, name, 'locale.yaml')))
    .sort((a, b) => (a === SOURCE_LOCALE ? -1 : b === SOURCE_LOCALE ? 1 : a.localeCompare(b)))
    .map((code) => readLocale(dir, code));
}

/** The plural suffixes i18next (JSON v4) appends, one per CLDR plural category. */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/**
 * The plural base of a key (`x` for `x_few`) when English has the plural `x_one`/`x_other`;
 * undefined otherwise (`profiles.rel_other`, the relationship "other", is no plural).
 */
export function pluralBase(english: Texts, key: string): string | undefined {
  const base = key.replace(PLURAL_SUFFIX, '');
  return base !== key && english.has(`${base}_one`) && english.has(`${base}_other`) ? base : undefined;
}

/**
 * The English text a key translates: the key's own, or for a plural form English does not
 * have (`_few` in Arabic), English's `_other`. Undefined when English has no such key.
 */
export function sourceOf(english: Texts, key: string): string | undefined {
  const own = english.get(key);
  if (own !== undefined) return own;
  const base = pluralBase(english, key);
  return base === undefined ? undefined : english.get(`${base}_other`);
}

/** The review state of `key` in `locale`, judged against English as it is now. */
export function reviewState(locale: LocaleData, english: Texts, key: string): ReviewState {
  if (locale.code === SOURCE_LOCALE) return 'source';
  const text = locale.texts.get(key);
  if (text === undefined) return 'fallback';
  const record = locale.review[key];
  // Edited since its review (or never recorded): a draft, never presented as reviewed.
  if (!record || record.state !== 'reviewed' || record.text !== fingerprint(text)) return 'draft';
  const source = sourceOf(english, key);
  return source !== undefined && record.source === fingerprint(source) ? 'reviewed' : 'stale';
}

/** Whether a citizen is shown this locale's text for `key` (else the fallback's, string by string). */
export function shown(locale: LocaleData, state: ReviewState): boolean {
  return state === 'source' || state === 'reviewed' || ((state === 'draft' || state === 'stale') && locale.manifest.drafts === 'show');
}

/** The chain of languages a locale falls back through, itself excluded, ending at English. */
export function fallbackChain(locales: ReadonlyMap<string, LocaleData>, code: string): string[] {
  const chain: string[] = [];
  let next = locales.get(code)?.manifest.fallback ?? (code === SOURCE_LOCALE ? undefined : SOURCE_LOCALE);
  while (next && !chain.includes(next) && next !== code) {
    chain.push(next);
    next = locales.get(next)?.manifest.fallback;
  }
  if (code !== SOURCE_LOCALE && !chain.includes(SOURCE_LOCALE)) chain.push(SOURCE_LOCALE);
  return chain;
}

/** One namespace's flat texts (`namespace:` keys) back into nested JSON, in the order given. */
export function unflatten(texts: Iterable<[string, string]>, namespace: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const prefix = `${namespace}:`;
  for (const [key, text] of texts) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = text;
  }
  return root;
}

/** The namespace of a `namespace:key`. */
export const namespaceOf = (key: string) => key.slice(0, key.indexOf(':'));
