import { reviewState, SOURCE_LOCALE, type LocaleData, type ReviewState } from './locales';

/**
 * Each locale's review state as a reviewer (the API, the console, `npm run i18n -- status`)
 * reads it: how many of English's strings are reviewed, drafts, stale or not translated, and
 * each string's state, who reviewed it and when.
 */
export const COUNTED_STATES = ['reviewed', 'draft', 'stale', 'fallback'] as const satisfies readonly ReviewState[];

export interface LocaleSummary {
  code: string;
  name: string;
  english: string;
  fallback: string | null;
  drafts: 'show' | 'fallback';
  direction: 'ltr' | 'rtl';
  total: number;
  counts: Record<(typeof COUNTED_STATES)[number], number>;
}

export interface StringState {
  key: string;
  source: string;
  text: string | null;
  state: ReviewState;
  reviewedBy: string | null;
  reviewedAt: string | null;
}

export function localeStrings(locale: LocaleData, english: LocaleData['texts']): StringState[] {
  return [...english].map(([key, source]) => {
    const state = reviewState(locale, english, key);
    const record = state === 'reviewed' || state === 'stale' ? locale.review[key] : undefined;
    return { key, source, text: locale.texts.get(key) ?? null, state, reviewedBy: record?.by ?? null, reviewedAt: record?.at ?? null };
  });
}

/** Every translated locale's summary (English, the source, is not one). */
export function localeSummaries(locales: readonly LocaleData[]): LocaleSummary[] {
  const english = locales.find((locale) => locale.code === SOURCE_LOCALE)!.texts;
  return locales
    .filter((locale) => locale.code !== SOURCE_LOCALE)
    .map((locale) => {
      const states = localeStrings(locale, english).map((item) => item.state);
      const { name, english: englishName, fallback, drafts, direction } = locale.manifest;
      return {
        code: locale.code,
        name,
        english: englishName,
        fallback: fallback ?? null,
        drafts,
        direction,
        total: english.size,
        counts: Object.fromEntries(COUNTED_STATES.map((state) => [state, states.filter((item) => item === state).length])) as LocaleSummary['counts'],
      };
    });
}
