import { encodingOf } from '../text/gsm7';
import { budgetOf, counted } from './budget';
import { reviewState, sourceOf, SOURCE_LOCALE, type LocaleData, type ReviewState } from './locales';
import { parsePo, writePo, type PoFile } from './po';
import { setText, type Change, type Reviewer } from './review';
import { placeholders, textProblems } from './validate';

/**
 * The translator's round trip: a locale exported as PO (every English string, with its
 * translation if any, its budget, the placeholders to keep and its review state; unreviewed
 * strings flagged fuzzy), and a PO file imported back. An import is all or nothing: one string
 * that breaks a placeholder, leaves the locale's SMS alphabet or does not fit its USSD page or
 * SMS parts refuses the file, naming each. It never replaces a reviewed string with a draft, or
 * with a translation made from an older English source (its msgid differs from English now).
 */

const STATE_NOTES: Record<ReviewState, string> = {
  source: 'English source',
  reviewed: 'reviewed',
  draft: 'DRAFT: not reviewed',
  stale: 'NEEDS REVIEW: English has changed since this was reviewed',
  fallback: 'not translated',
};

function stateNote(locale: LocaleData, english: LocaleData['texts'], key: string): string {
  const state = reviewState(locale, english, key);
  const record = locale.review[key];
  if (state === 'reviewed' && record) return `State: reviewed by ${record.by ?? 'unknown'} at ${record.at ?? 'unknown'}`;
  if (state === 'fallback') return `State: not translated (citizens read ${locale.manifest.fallback ?? SOURCE_LOCALE} instead)`;
  return `State: ${STATE_NOTES[state]}`;
}

/** A locale as a PO file for its translators. */
export function exportLocale(locale: LocaleData, english: LocaleData['texts']): string {
  const po: PoFile = {
    headers: {
      'Project-Id-Version': 'Lingkod',
      Language: locale.code,
      'MIME-Version': '1.0',
      'Content-Type': 'text/plain; charset=UTF-8',
      'Content-Transfer-Encoding': '8bit',
      'X-Lingkod-Language-Name': `${locale.manifest.name} (${locale.manifest.english})`,
      'X-Lingkod-Fallback': locale.manifest.fallback ?? '',
    },
    entries: [...english].map(([key, source]) => {
      const translation = locale.texts.get(key) ?? '';
      const names = placeholders(source);
      return {
        context: key,
        source,
        translation,
        fuzzy: translation !== '' && reviewState(locale, english, key) !== 'reviewed',
        notes: [`Budget: ${budgetOf(key, translation ? encodingOf(counted(translation)) : locale.manifest.sms).describe}`, ...(names.length ? [`Keep the placeholders: ${names.map((name) => `{{${name}}}`).join(' ')}`] : []), stateNote(locale, english, key)],
      };
    }),
  };
  // Plural forms the locale has and English lacks (Arabic's _few) follow, translating English's _other.
  for (const [key, translation] of locale.texts) {
    if (english.has(key)) continue;
    const source = sourceOf(english, key);
    if (source !== undefined) po.entries.push({ context: key, source, translation, fuzzy: reviewState(locale, english, key) !== 'reviewed', notes: [`Budget: ${budgetOf(key, encodingOf(counted(translation))).describe}`, stateNote(locale, english, key)] });
  }
  return writePo(po);
}

export interface ImportReport {
  locale: string;
  changes: Change[];
  /** Strings left as they were, and why. */
  kept: { key: string; reason: string }[];
  unchanged: number;
  /** Set when the file was refused: nothing was changed. */
  refused?: string[];
}

/**
 * Applies a PO file to `locale` (in memory; the caller writes it back when not refused). Entries
 * without `fuzzy` are accepted as reviewed by `reviewer` when one is named, else as drafts.
 */
export function importPo(text: string, locale: LocaleData, english: LocaleData['texts'], reviewer?: Reviewer): ImportReport {
  const po = parsePo(text);
  const report: ImportReport = { locale: locale.code, changes: [], kept: [], unchanged: 0 };
  if (po.headers.Language !== locale.code) return { ...report, refused: [`the file is for language "${po.headers.Language ?? ''}", not ${locale.code}`] };
  const problems = po.entries.flatMap((entry) => (entry.translation === '' ? [] : textProblems(locale, english, entry.context, entry.translation)));
  if (problems.length > 0) return { ...report, refused: problems };
  for (const entry of po.entries) {
    if (entry.translation === '') continue;
    const key = entry.context;
    const current = sourceOf(english, key)!;
    const state = reviewState(locale, english, key);
    const olderSource = entry.source !== current;
    const asReviewed = !entry.fuzzy && !olderSource && reviewer ? reviewer : undefined;
    // A reviewed string (even one English has since changed under) is never replaced from an
    // older English, and a reviewed one only by another review.
    const keep =
      (state === 'reviewed' || state === 'stale') && olderSource
        ? 'reviewed; the file translates an older English text'
        : state === 'reviewed' && !asReviewed
          ? 'reviewed; the file\'s text is not marked reviewed (it is fuzzy, or no --reviewer was named)'
          : undefined;
    if (keep) {
      if (locale.texts.get(key) === entry.translation) report.unchanged++;
      else report.kept.push({ key, reason: keep });
      continue;
    }
    const change = setText(locale, english, key, entry.translation, asReviewed);
    if (change) report.changes.push(change);
    else report.unchanged++;
  }
  return report;
}

/** The report as lines for the terminal. */
export function reportLines(report: ImportReport): string[] {
  if (report.refused) return [`Refused: nothing imported into ${report.locale}.`, ...report.refused.map((problem) => `  ${problem}`)];
  return [
    `${report.locale}: ${report.changes.length} changed, ${report.kept.length} kept, ${report.unchanged} unchanged.`,
    ...report.changes.map((change) => `  ${change.key}: ${change.was} → ${change.now}${change.before === undefined ? ' (new)' : change.before === change.after ? '' : `: "${change.before}" → "${change.after}"`}`),
    ...report.kept.map((kept) => `  kept ${kept.key}: ${kept.reason}`),
  ];
}
