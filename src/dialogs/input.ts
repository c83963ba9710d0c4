import { parseReference } from '../services/reference';
import { localDay } from '../text/dates';
import { normaliseInput } from '../text/normalise';
import type { DialogEvent } from './dialog';
import { text, type Expect, type Text } from './screen';

/** What the citizen's input means on the screen they were shown. */
export type Interpretation =
  | { kind: 'event'; event: DialogEvent }
  | { kind: 'page'; page: number }
  | { kind: 'invalid'; hint: Text };

/** The screen the citizen is answering, as remembered between hops. */
export interface View {
  expect: Expect;
  /** Values of the options, in the order numbered from 1. */
  values: string[];
  back: boolean;
  page: number;
  pageCount: number;
}

/**
 * Control characters (NUL and the rest of Unicode's Cc, but line breaks) and lone surrogates:
 * no keypad or keyboard types them, PostgreSQL refuses a NUL in text and JSON (the form it is
 * in could then never be saved), and they hide text in logs and screens.
 */
const UNTYPABLE = /[\p{Cc}\p{Cs}]/u;
const LINE_BREAKS = /[\r\n]/g;

/** Reserved inputs on every screen; the same on every keypad and in every language. */
const MORE = '98';
export const BACK = '0';

/**
 * Turns raw input into a dialog event, a page turn, or a polite hint. `98` and `0` are
 * navigation; numbers pick options; answers are checked against what the screen expects
 * (a date's range against today in `timeZone`, TIME_ZONE) before the dialog sees them, so dialogs only ever receive valid values: never a control
 * character, on any channel. Input is read as SMS reads it (normaliseInput): digits of other
 * scripts are ASCII digits here, whichever channel it came by.
 */
export function interpret(raw: string, view: View, today: Date, timeZone = 'UTC'): Interpretation {
  if (UNTYPABLE.test(raw.replace(LINE_BREAKS, ' '))) return { kind: 'invalid', hint: text('hint.plain') };
  // Read the same way on every channel: ২ is 2 (Telegram keyboards and Bangla phones send it), full-width folded.
  const input = normaliseInput(raw);
  if (input === MORE && view.page + 1 < view.pageCount) return { kind: 'page', page: view.page + 1 };
  if (input === BACK && view.page > 0) return { kind: 'page', page: view.page - 1 };
  if (input === BACK && view.back) return { kind: 'event', event: { type: 'BACK' } };
  const expect = view.expect;
  switch (expect.kind) {
    case 'choice':
    case 'none': {
      const number = /^\d{1,3}$/.test(input) ? Number(input) : NaN;
      if (number >= 1 && number <= view.values.length) return { kind: 'event', event: { type: 'CHOOSE', value: view.values[number - 1] } };
      return { kind: 'invalid', hint: text('hint.choice', { max: view.values.length }) };
    }
    case 'text': {
      const clean = input.replace(/\s+/g, ' ');
      if (clean.length < expect.minLength || clean.length > expect.maxLength || !/\p{L}/u.test(clean)) {
        return { kind: 'invalid', hint: text('hint.text', { min: expect.minLength, max: expect.maxLength }) };
      }
      return { kind: 'event', event: { type: 'ANSWER', value: clean } };
    }
    case 'digits': {
      if (!/^\d+$/.test(input) || input.length < expect.minLength || input.length > expect.maxLength) {
        return { kind: 'invalid', hint: text('hint.digits', { min: expect.minLength, max: expect.maxLength }) };
      }
      return { kind: 'event', event: { type: 'ANSWER', value: input } };
    }
    case 'date': {
      const date = parseDate(input);
      if (!date) return { kind: 'invalid', hint: text('hint.date') };
      const iso = date.toISOString().slice(0, 10);
      // Today where the citizen is (TIME_ZONE): at 01:30 on 4 December in Manila, the 4th is not in the future.
      const todayIso = localDay(today, timeZone);
      if ((expect.range === 'past' && iso > todayIso) || (expect.range === 'future' && iso < todayIso)) {
        return { kind: 'invalid', hint: text(`hint.date_${expect.range}`) };
      }
      return { kind: 'event', event: { type: 'ANSWER', value: iso } };
    }
    case 'reference': {
      const parsed = parseReference(input);
      if (!parsed.ok) return { kind: 'invalid', hint: text(`hint.reference_${parsed.reason}`) };
      return { kind: 'event', event: { type: 'ANSWER', value: parsed.reference } };
    }
  }
}

/**
 * Reads a day-first date the way people type it on a keypad: 15061990, 15-06-1990,
 * 15/6/1990, 15.06.1990; or ISO 1990-06-15. Returns undefined for impossible dates.
 */
export function parseDate(input: string): Date | undefined {
  let day: number, month: number, year: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(input);
  const separated = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})$/.exec(input);
  const packed = /^(\d{2})(\d{2})(\d{4})$/.exec(input);
  if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (separated) [day, month, year] = [Number(separated[1]), Number(separated[2]), Number(separated[3])];
  else if (packed) [day, month, year] = [Number(packed[1]), Number(packed[2]), Number(packed[3])];
  else return undefined;
  if (year < 1900 || year > 2200) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date;
}
