import type { i18n } from 'i18next';
import { languageNames } from '../i18n';
import { normaliseInput } from '../text/normalise';

/**
 * SMS keywords. A text has no screen to answer, so a few words always work, whatever the
 * conversation is doing: HELP, STOP, START, MENU, STATUS <reference>, LANG <language>,
 * INFO <word>, CHARTER <word> (a service's Citizen's Charter), MYDATA (what is held about the
 * sender), DELETE (its erasure, confirmed first), VERIFY <code> (was this message really from
 * Lingkod?) and COMPLAINT [words] (the grievance desk, conversation/desk.ts). They are data: each locale lists its words under `sms:keywords.*`, and every
 * locale's words are understood from every phone (a citizen reading English may still type
 * TULONG or সাহায্য). A keyword is the whole text (with any case, stray spaces, a leading `/`
 * or a closing full stop); the six that take an argument take the rest of the text.
 */
const KEYWORD_KINDS = ['help', 'stop', 'start', 'menu', 'status', 'lang', 'info', 'charter', 'mydata', 'delete', 'verify', 'complaint'] as const;
export type KeywordKind = (typeof KEYWORD_KINDS)[number];

/** A recognised keyword; `argument` is what followed STATUS, LANG, INFO, CHARTER, VERIFY or COMPLAINT, as typed. */
export interface Keyword {
  kind: KeywordKind;
  argument?: string;
}

const TAKES_ARGUMENT: ReadonlySet<KeywordKind> = new Set(['status', 'lang', 'info', 'charter', 'verify', 'complaint']);

/** Input as the engine reads it (one rule for every channel): src/text/normalise.ts. */
export { normaliseInput };

/** A word folded for comparison: upper case, Latin accents dropped (Bangla signs kept). */
function fold(word: string): string {
  return word.toUpperCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
}

/** Words of a text for keyword matching: no leading `/` or `#`, no closing punctuation. */
function words(text: string): string[] {
  const trimmed = normaliseInput(text).replace(/^[/#]+/, '').replace(/[.!?,;:\u0964]+$/u, '').trim();
  return trimmed === '' ? [] : trimmed.split(' ');
}

/** Recognises keywords, and the languages LANG may name, in any of the configured languages. */
export class KeywordParser {
  /** Phrases (folded, words joined by one space), longest first so "STOP ALL" wins over "STOP". */
  private readonly phrases: { words: string[]; kind: KeywordKind }[];
  /** A language's code or name (folded) → its code. */
  private readonly languages = new Map<string, string>();

  constructor(phrases: Iterable<[string, KeywordKind]>, languages: Iterable<[string, string]> = []) {
    for (const [name, code] of languages) this.languages.set(words(name).map(fold).join(' '), code);
    const unique = new Map<string, KeywordKind>();
    for (const [phrase, kind] of phrases) {
      const folded = words(phrase).map(fold).join(' ');
      if (folded) unique.set(folded, kind);
    }
    this.phrases = [...unique]
      .map(([phrase, kind]) => ({ words: phrase.split(' '), kind }))
      .sort((a, b) => b.words.length - a.words.length);
  }

  /**
   * Every locale's `sms:keywords.<kind>` (comma-separated) for every kind; each locale is named
   * by its code, its manifest's names (own and English: they work before any string of the
   * locale is reviewed) and its `sms:language_names`. A locale's draft keywords count only when
   * its drafts are shown (src/i18n.ts leaves hidden drafts out).
   */
  static fromLocales(i18n: i18n, locales: readonly string[]): KeywordParser {
    const manifests = new Map(languageNames().map((names) => [names.code, [names.name, names.english]]));
    const listed = (locale: string, namespace: string, key: string) => {
      const value: unknown = i18n.getResource(locale, namespace, key);
      return typeof value === 'string' ? value.split(',') : [];
    };
    const phrases: [string, KeywordKind][] = [];
    const languages: [string, string][] = [];
    for (const locale of locales) {
      for (const kind of KEYWORD_KINDS) for (const phrase of listed(locale, 'sms', `keywords.${kind}`)) phrases.push([phrase, kind]);
      for (const name of [locale, ...(manifests.get(locale) ?? []), ...listed(locale, 'sms', 'language_names')]) {
        languages.push([name, locale]);
      }
    }
    return new KeywordParser(phrases, languages);
  }

  /** The locale a LANG argument names ("fil", "Tagalog", "বাংলা"), or undefined. */
  language(argument: string): string | undefined {
    return this.languages.get(words(argument).map(fold).join(' '));
  }

  /** The keyword `text` is, or undefined when it is an ordinary reply. */
  parse(text: string): Keyword | undefined {
    const typed = words(text);
    const folded = typed.map(fold);
    for (const phrase of this.phrases) {
      const head = folded.slice(0, phrase.words.length);
      if (head.join(' ') !== phrase.words.join(' ')) {
        // STATUS48217730953: a reference typed straight after the word.
        const glued = phrase.kind === 'status' && phrase.words.length === 1 && folded[0]?.startsWith(phrase.words[0]);
        const rest = glued ? folded[0].slice(phrase.words[0].length) : '';
        if (/^\d[\d-]*$/.test(rest)) return { kind: 'status', argument: [rest, ...typed.slice(1)].join(' ') };
        continue;
      }
      const argument = typed.slice(phrase.words.length).join(' ');
      if (argument === '') return { kind: phrase.kind };
      if (TAKES_ARGUMENT.has(phrase.kind)) return { kind: phrase.kind, argument };
    }
    return undefined;
  }
}
