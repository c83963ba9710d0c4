import fc from 'fast-check';
import { encodedLength, encodingOf, isGsm7 } from '../../src/text/gsm7';
import { paginate } from '../../src/text/pages';
import type { ResolvedScreen } from '../../src/dialogs/screen';

const LIMITS = { gsm7: 182, ucs2: 80 };

function screen(body: string[], labels: string[], back = true, extra: Partial<ResolvedScreen> = {}): ResolvedScreen {
  return {
    body,
    options: labels.map((label, index) => ({ number: index + 1, label })),
    expect: { kind: 'choice' },
    back,
    final: false,
    nav: { more: 'More', back: 'Back' },
    ...extra,
  };
}

/** The lines of every page but the navigation (98 More, 0 Back). */
const contentOf = (pages: { text: string }[]) => pages.map((page) => page.text.split('\n').filter((line) => !/^(98|0) /.test(line)));

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

  it('keeps a label and its value, and a short paragraph, on one page (moved whole rather than split)', () => {
    const bn = { more: 'আরও', back: 'পিছনে' };
    // As the Bangla form asked it: "প্রশ্ন 2/3" and the label, after a hint; the label was split before its last word.
    const pages = paginate(
      screen(['সংখ্যা লিখুন, 1 থেকে 2 অঙ্ক।', 'প্রশ্ন 2/3', 'আপনার পরিবারের মোট সদস্য সংখ্যা (নিজেসহ): 4 জন'], [], true, { nav: bn, expect: { kind: 'digits', minLength: 1, maxLength: 2 } }),
      LIMITS,
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(contentOf(pages).flat()).toContain('আপনার পরিবারের মোট সদস্য সংখ্যা (নিজেসহ): 4 জন');
    const office = paginate(screen(['Crisis assistance (AICS)', 'Bring: Valid ID; Certificate of indigency; Medical or funeral papers', 'Free', 'Office: MSSD Provincial Office', 'Tagal: 1 araw ng trabaho'], ['Apply now']), LIMITS);
    const lines = contentOf(office).flat();
    expect(lines).toEqual(expect.arrayContaining(['Office: MSSD Provincial Office', 'Tagal: 1 araw ng trabaho', '1 Apply now']));
  });

  it('still breaks a paragraph longer than a whole page, between words', () => {
    const long = `Bring: ${Array.from({ length: 30 }, (_, i) => `paper${i}`).join(' ')}`;
    const pages = paginate(screen(['Title', long], ['Apply']), LIMITS);
    expect(contentOf(pages).flat().filter((line) => line.startsWith('paper') || line.startsWith('Bring')).join(' ')).toBe(long);
  });

  it('puts the options right after the first `lead` paragraphs, before the long detail', () => {
    const pages = paginate(screen(['Crisis assistance (AICS)', 'Free', 'Bring: Valid ID; Certificate of indigency; Medical or funeral papers; Barangay certificate; Two photos'], ['Apply now'], true, { lead: 2 }), LIMITS);
    expect(contentOf(pages)[0].slice(0, 3)).toEqual(['Crisis assistance (AICS)', 'Free', '1 Apply now']);
  });

  it('lays a final screen out on one page: its first paragraph whole, what follows where it fits, no 98 More', () => {
    const final = { final: true, expect: { kind: 'none' as const }, nav: { more: 'আরও', back: 'পিছনে' } };
    const first = 'রেফারেন্স 4821-7730-953। সংকটকালীন সহায়তা (AICS)-এর আবেদন গৃহীত।';
    const pages = paginate(screen([first, 'যার জন্য: Maria Clara Santos de la Cruz Mangudadat', 'রেখে দিন।'], [], false, final), LIMITS);
    expect(pages).toEqual([{ text: `${first}\nরেখে দিন।`, encoding: 'ucs2' }]);
    // Even a first paragraph longer than a page: cut at a word, the session closes on one page.
    const cut = paginate(screen([`${first} ${first}`], [], false, final), LIMITS);
    expect(cut).toHaveLength(1);
    expect(cut[0].text.length).toBeLessThanOrEqual(80);
    expect(cut[0].text.startsWith('রেফারেন্স 4821-7730-953।')).toBe(true);
  });

  it('never lays a final screen out on more than one page, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 40, maxLength: 300 }), { minLength: 1, maxLength: 4 }), (body) => {
        const pages = paginate(screen(body, [], false, { final: true, expect: { kind: 'none' } }), LIMITS);
        return pages.length === 1 && encodedLength(pages[0].text, pages[0].encoding) <= LIMITS[pages[0].encoding];
      }),
      { numRuns: 1000 },
    );
  });
});
