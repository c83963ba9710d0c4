import fc from 'fast-check';
import { encodedLength, encodingOf, isGsm7 } from '../../src/text/gsm7';
import { paginate } from '../../src/text/pages';
import type { ResolvedScreen } from '../../src/dialogs/screen';

const LIMITS = { gsm7: 182, ucs2: 80 };

function screen(body: string[], labels: string[], back = true): ResolvedScreen {
  return {
    body,
    options: labels.map((label, index) => ({ number: index + 1, label })),
    expect: { kind: 'choice' },
    back,
    final: false,
    nav: { more: 'More', back: 'Back' },
  };
}

describe('the GSM 7-bit alphabet', () => {
  it('knows which text stays GSM-7 and which forces UCS-2', () => {
    expect(isGsm7('Mabuhay! Fee: PHP 50 (ñ, é, Ü)')).toBe(true);
    expect(encodingOf('“curly”')).toBe('ucs2');
    expect(encodingOf('বাংলা')).toBe('ucs2');
  });

  it('counts extension characters as two septets', () => {
    expect(encodedLength('€[]')).toBe(6);
    expect(encodedLength('abc')).toBe(3);
    expect(encodedLength('বাংলা')).toBe(5);
  });
});

describe('laying a screen out in USSD pages', () => {
  it('keeps a screen that fits on one page whole, with 0 Back when back is possible', () => {
    const pages = paginate(screen(['Choose a category'], ['Health', 'Education']), LIMITS);
    expect(pages).toEqual([{ text: 'Choose a category\n1 Health\n2 Education\n0 Back', encoding: 'gsm7' }]);
  });

  it('splits a long list into pages with 98 More, never splitting an option, numbers kept', () => {
    const labels = Array.from({ length: 40 }, (_, i) => `Municipality number ${i + 1}`);
    const pages = paginate(screen(['Choose your municipality'], labels), LIMITS);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, index) => {
      expect(encodedLength(page.text)).toBeLessThanOrEqual(182);
      expect(page.text.endsWith(index < pages.length - 1 ? '98 More\n0 Back' : '0 Back')).toBe(true);
    });
    const shown = pages.flatMap((page) => page.text.split('\n').filter((line) => /^\d+ Municipality/.test(line)));
    expect(shown).toEqual(labels.map((label, i) => `${i + 1} ${label}`));
  });

  it('breaks a long paragraph between words, never inside one', () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    const pages = paginate(screen([words.join(' ')], [], false), LIMITS);
    const rejoined = pages.map((page) => page.text.split('\n').filter((line) => line.startsWith('word')).join(' ')).join(' ');
    expect(rejoined).toBe(words.join(' '));
  });

  it('uses the 80-character UCS-2 limit for Bangla', () => {
    const pages = paginate(screen(['একটি বিভাগ বেছে নিন'], Array.from({ length: 12 }, (_, i) => `সেবা নম্বর ${i + 1}`)), LIMITS);
    expect(pages.every((page) => page.encoding === 'ucs2' && page.text.length <= 80)).toBe(true);
    expect(pages.length).toBeGreaterThan(1);
  });

  it('never produces a page over the limit, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 4 }),
        fc.array(fc.string({ minLength: 1, maxLength: 200 }), { maxLength: 30 }),
        fc.boolean(),
        (body, labels, back) => {
          const pages = paginate(screen(body, labels, back), LIMITS);
          return pages.length > 0 && pages.every((page) => encodedLength(page.text, page.encoding) <= LIMITS[page.encoding]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
