import { interpret, parseDate, type View } from '../../src/dialogs/input';
import type { Expect } from '../../src/dialogs/screen';
import { TODAY } from '../support/app';

/** A one-page screen expecting `expect`, with three options and a way back. */
const view = (expect: Expect, page = { page: 0, pageCount: 1 }): View => ({ expect, values: ['a', 'b', 'c'], back: true, ...page });

describe('reading what a citizen typed on a screen', () => {
  it('turns pages with 98 and 0 before anything else, and goes back with 0 on the first page', () => {
    const paged = view({ kind: 'choice' }, { page: 0, pageCount: 2 });
    expect(interpret('98', paged, TODAY)).toEqual({ kind: 'page', page: 1 });
    expect(interpret(' 0 ', { ...paged, page: 1 }, TODAY)).toEqual({ kind: 'page', page: 0 });
    expect(interpret('0', paged, TODAY)).toEqual({ kind: 'event', event: { type: 'BACK' } });
    // 98 on the last page is just a wrong choice.
    expect(interpret('98', { ...paged, page: 1 }, TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.choice', params: { max: 3 } } });
  });

  it('picks options by number and hints the range for anything else', () => {
    expect(interpret('2', view({ kind: 'choice' }), TODAY)).toEqual({ kind: 'event', event: { type: 'CHOOSE', value: 'b' } });
    for (const wrong of ['4', '00', 'two', '1.5', '', '1000']) {
      expect(interpret(wrong, view({ kind: 'choice' }), TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.choice', params: { max: 3 } } });
    }
  });

  it('takes a text answer within its length with at least one letter, spaces tidied', () => {
    const name = view({ kind: 'text', minLength: 3, maxLength: 12 });
    expect(interpret('  Nur   Hassan ', name, TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: 'Nur Hassan' } });
    expect(interpret('নূর', name, TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: 'নূর' } });
    for (const wrong of ['Al', '12345', 'Abdulrahman Datu']) {
      expect(interpret(wrong, name, TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.text', params: { min: 3, max: 12 } } });
    }
  });

  it('takes digits within their length only', () => {
    const household = view({ kind: 'digits', minLength: 1, maxLength: 2 });
    expect(interpret('12', household, TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: '12' } });
    for (const wrong of ['123', 'x', '-1', '1 2']) {
      expect(interpret(wrong, household, TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.digits', params: { min: 1, max: 2 } } });
    }
  });

  it('takes a date typed as people type it, and keeps past and future dates on their side of today', () => {
    expect(interpret('15061990', view({ kind: 'date', range: 'past' }), TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: '1990-06-15' } });
    expect(interpret('01-12-2026', view({ kind: 'date', range: 'past' }), TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.date_past' } });
    expect(interpret('01-11-2026', view({ kind: 'date', range: 'future' }), TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.date_future' } });
    expect(interpret('28/11/2026', view({ kind: 'date', range: 'future' }), TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: '2026-11-28' } });
    expect(interpret('31-02-2000', view({ kind: 'date', range: 'any' }), TODAY)).toEqual({ kind: 'invalid', hint: { key: 'hint.date' } });
  });

  it('refuses a control character anywhere (a NUL, an escape, a lone surrogate) politely, on every kind of screen', () => {
    const plain = { kind: 'invalid', hint: { key: 'hint.plain' } };
    const screens: Expect[] = [{ kind: 'text', minLength: 1, maxLength: 40 }, { kind: 'digits', minLength: 1, maxLength: 4 }, { kind: 'choice' }, { kind: 'reference' }, { kind: 'date', range: 'any' }];
    for (const expectation of screens) {
      for (const typed of ['Nur\u0000Hassan', '\u0000', '1\u0000', 'Nur\u001b[2JHassan', 'Nur\u007fHassan', 'Nur\u0085Hassan', 'Nur\tHassan', 'Nur\ud800Hassan']) {
        expect(interpret(typed, view(expectation), TODAY)).toEqual(plain);
      }
    }
    // Line breaks are how a long SMS or Telegram answer arrives: tidied into spaces, not refused.
    expect(interpret('Nur\r\nHassan', view({ kind: 'text', minLength: 1, maxLength: 40 }), TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: 'Nur Hassan' } });
    // Letters of every script, and emoji (surrogate pairs), are not control characters.
    expect(interpret('নূর 😀', view({ kind: 'text', minLength: 1, maxLength: 40 }), TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: 'নূর 😀' } });
  });

  it('takes a reference with a valid check digit, and says what is wrong with one without', () => {
    const reference = view({ kind: 'reference' });
    expect(interpret('12', reference, TODAY)).toMatchObject({ kind: 'invalid', hint: { key: expect.stringMatching(/^hint\.reference_/) } });
  });
});

describe('reading a date', () => {
  it.each([
    ['15061990', '1990-06-15'],
    ['15-06-1990', '1990-06-15'],
    ['15/6/1990', '1990-06-15'],
    ['15.06.1990', '1990-06-15'],
    ['1990-06-15', '1990-06-15'],
    ['29-02-2024', '2024-02-29'],
  ])('reads %s as %s', (typed, iso) => {
    expect(parseDate(typed)?.toISOString().slice(0, 10)).toBe(iso);
  });

  it.each(['29-02-2023', '32-01-2000', '15-13-1990', '15-06-1890', '15-06-2300', '1506199', '15 June 1990', ''])('refuses %s', (typed) => {
    expect(parseDate(typed)).toBeUndefined();
  });
});
