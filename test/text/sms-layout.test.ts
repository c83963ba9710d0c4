import fc from 'fast-check';
import { layoutSms } from '../../src/text/sms-layout';
import { smsSize } from '../../src/text/segments';
import type { ResolvedScreen } from '../../src/dialogs/screen';

const HINTS = { choice: 'Reply with a number.', final: 'Reply MENU for more.' };

function screen(body: string[], labels: string[], extra: Partial<ResolvedScreen> = {}): ResolvedScreen {
  return {
    body,
    options: labels.map((label, index) => ({ number: index + 1, label })),
    expect: { kind: labels.length > 0 ? 'choice' : 'none' },
    back: false,
    final: false,
    nav: { more: 'More', back: 'Back' },
    ...extra,
  };
}

describe('laying a screen out as an SMS', () => {
  it('numbers the options and closes with the reply-with-a-number hint', () => {
    const [page, ...others] = layoutSms(screen(['Choose a category'], ['Health', 'Education'], { back: true }), { maxSegments: 3, hints: HINTS });
    expect(others).toEqual([]);
    expect(page).toEqual({ text: 'Choose a category\n1 Health\n2 Education\n0 Back\nReply with a number.', encoding: 'gsm7', segments: 1 });
  });

  it('tells the citizen how to go on after a screen that ends a dialog, and adds no hint to a question', () => {
    expect(layoutSms(screen(['Request received.'], [], { final: true }), { maxSegments: 3, hints: HINTS })[0].text).toBe('Request received.\nReply MENU for more.');
    const question = screen(['Question 1 of 3', 'Full name'], [], { expect: { kind: 'text', minLength: 2, maxLength: 60 } });
    expect(layoutSms(question, { maxSegments: 3, hints: HINTS })[0].text).toBe('Question 1 of 3\nFull name');
  });

  it('replaces look-alikes so a screen with a curly quote stays GSM-7', () => {
    const [page] = layoutSms(screen(['Bring: “Cedula” – 2 copies'], ['Apply now']), { maxSegments: 3, hints: HINTS });
    expect(page).toMatchObject({ text: 'Bring: "Cedula" - 2 copies\n1 Apply now\nReply with a number.', encoding: 'gsm7' });
  });

  it('keeps Bangla as written, in UCS-2', () => {
    const [page] = layoutSms(screen(['সেবার ধরন বেছে নিন'], ['স্বাস্থ্য']), { maxSegments: 3, hints: { choice: 'একটি নম্বর লিখে উত্তর দিন।', final: '' } });
    expect(page).toEqual({ text: 'সেবার ধরন বেছে নিন\n1 স্বাস্থ্য\nএকটি নম্বর লিখে উত্তর দিন।', encoding: 'ucs2', segments: 1 });
  });

  it('splits a list too long for SMS_MAX_SEGMENTS with 98 More, each reply within the limit and hinted', () => {
    const labels = Array.from({ length: 60 }, (_, i) => `Municipality number ${i + 1}`);
    const pages = layoutSms(screen(['Choose your municipality'], labels, { back: true }), { maxSegments: 2, hints: HINTS });
    expect(pages.length).toBeGreaterThan(1);
    for (const [index, page] of pages.entries()) {
      expect(page.segments).toBeLessThanOrEqual(2);
      expect(smsSize(page.text).segments).toBe(page.segments);
      expect(page.text.endsWith(index < pages.length - 1 ? '98 More\n0 Back\nReply with a number.' : '0 Back\nReply with a number.')).toBe(true);
    }
    const shown = pages.flatMap((page) => page.text.split('\n').filter((line) => /^\d+ Municipality/.test(line)));
    expect(shown).toEqual(labels.map((label, i) => `${i + 1} ${label}`));
  });

  it('never produces a reply over the limit, whatever the text and the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 4 }),
        fc.array(fc.string({ minLength: 1, maxLength: 200 }), { maxLength: 30 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(HINTS, { choice: 'একটি নম্বর লিখে উত্তর দিন।', final: 'আরও জানতে MENU লিখে পাঠান।' }),
        (body, labels, final, maxSegments, hints) => {
          const pages = layoutSms(screen(body, labels, { final, back: !final }), { maxSegments, hints });
          return pages.length > 0 && pages.every((page) => smsSize(page.text).segments <= maxSegments && smsSize(page.text).encoding === page.encoding);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
