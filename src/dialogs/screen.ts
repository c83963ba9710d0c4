/**
 * What a dialog shows, independent of any channel: i18n keys with parameters, the options
 * offered, and the input expected. Channels turn a resolved Screen into a USSD page, an SMS
 * or a Telegram message with buttons.
 */

/** A piece of text to translate: an i18n key and its interpolation parameters. */
export interface Text {
  key: string;
  /** Interpolation values; a Text value is translated first (e.g. a status inside a sentence). */
  params?: Record<string, string | number | Text>;
}

/** Shorthand for a Text. */
export const text = (key: string, params?: Text['params']): Text => ({ key, params });

/** One choice offered to the citizen; `value` is what the dialog receives when it is chosen. */
export interface Option {
  label: Text;
  value: string;
}

/** The input a screen waits for; the engine validates against it before the dialog sees it. */
export type Expect =
  | { kind: 'choice' }
  | { kind: 'text'; minLength: number; maxLength: number }
  | { kind: 'digits'; minLength: number; maxLength: number }
  | { kind: 'date'; range: 'past' | 'future' | 'any' }
  | { kind: 'reference' }
  | { kind: 'none' };

export interface Screen {
  /** Paragraphs, in order. */
  body: Text[];
  options: Option[];
  expect: Expect;
  /** Whether `0` goes back from this screen. */
  back: boolean;
  /** Whether the session ends with this screen (USSD `END`). */
  final: boolean;
  /**
   * On paged layouts (USSD), the options come right after this many body paragraphs, before
   * the rest (long detail): the action a citizen came for is on the first page. Default: all.
   */
  lead?: number;
}

/** A Screen after translation, ready for a channel to lay out. */
export interface ResolvedScreen {
  body: string[];
  /** Options numbered from 1, in order. */
  options: { number: number; label: string }[];
  expect: Expect;
  back: boolean;
  final: boolean;
  /** Body paragraphs before the options on paged layouts (Screen.lead, counting a hint); undefined: all. */
  lead?: number;
  /** Labels of the navigation entries, in the citizen's language. */
  nav: { more: string; back: string };
  /** The language it was translated into, for channels that add text of their own (SMS hints). */
  locale?: string;
}

/** Builds a choice screen: body paragraphs then options. */
export function choiceScreen(body: Text[], options: Option[], back = true): Screen {
  return { body, options, expect: { kind: 'choice' }, back, final: false };
}

/** Builds a screen that ends the session. */
export function finalScreen(body: Text[]): Screen {
  return { body, options: [], expect: { kind: 'none' }, back: false, final: true };
}

/** Builds a screen that asks for one answer. */
export function questionScreen(body: Text[], expect: Exclude<Expect, { kind: 'choice' } | { kind: 'none' }>, back = true): Screen {
  return { body, options: [], expect, back, final: false };
}
