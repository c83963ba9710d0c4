import { loadConfig } from '../../../src/config';
import { spokenSeconds, voicePages } from '../../../src/channels/voice/pages';
import type { ResolvedScreen } from '../../../src/dialogs/screen';
import { createI18n } from '../../../src/i18n';

const i18n = createI18n('en');
const layout = { i18n, seconds: 20, wordsPerMinute: 150, person: false };
const screen = (over: Partial<ResolvedScreen>): ResolvedScreen => ({
  body: ['Choose a service'],
  options: [],
  expect: { kind: 'choice' },
  back: true,
  final: false,
  nav: { more: 'More', back: 'Back' },
  locale: 'en',
  ...over,
});

describe('spoken pages', () => {
  it('speaks a long list in parts within the budget, numbers kept, "9 8" for more and "0" back', () => {
    const options = Array.from({ length: 14 }, (_, index) => ({ number: index + 1, label: `Service number ${index + 1} of the list` }));
    const pages = voicePages(screen({ options }), layout);
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) expect(spokenSeconds(page, 150)).toBeLessThanOrEqual(20);
    expect(pages[0].lines).toContain('For more, press 9 8.');
    expect(pages.at(-1)!.lines).not.toContain('For more, press 9 8.');
    expect(pages.every((page) => page.lines.includes('To go back, press 0.'))).toBe(true);
    expect(pages.flatMap((page) => page.lines).filter((line) => line.startsWith('Press '))).toHaveLength(14);
    expect(pages.flatMap((page) => page.lines)).toContain('Press 1 2 for Service number 12 of the list.');
    // Numbers of two keys: the answer ends with # or silence, not at the first key.
    expect(pages.every((page) => page.numDigits === undefined)).toBe(true);
  });

  it('splits only a paragraph longer than a page, between words, and keeps every word', () => {
    const long = Array.from({ length: 120 }, (_, index) => `word${index}`).join(' ');
    const pages = voicePages(screen({ body: ['Requirements', long], options: [{ number: 1, label: 'Apply now' }] }), layout);
    for (const page of pages) expect(spokenSeconds(page, 150)).toBeLessThanOrEqual(20);
    const words = pages.flatMap((page) => page.lines).join(' ').split(' ').filter((word) => word.startsWith('word'));
    expect(words).toHaveLength(120);
  });

  it('answers a short menu with one key, and offers a person where 0 means nothing', () => {
    const [page] = voicePages(screen({ back: false, options: [{ number: 1, label: 'Yes' }, { number: 2, label: 'No' }] }), { ...layout, person: true });
    expect(page.numDigits).toBe(1);
    expect(page.back).toBe(false);
    expect(page.lines.at(-1)).toBe('To speak to a person, press 0.');
  });

  it('marks a question that needs letters, and tells how to enter a number or a date', () => {
    expect(voicePages(screen({ expect: { kind: 'text', minLength: 2, maxLength: 60 } }), layout)[0].letters).toBe(true);
    expect(voicePages(screen({ expect: { kind: 'digits', minLength: 1, maxLength: 7 } }), layout)[0].lines).toContain('Enter the number on your keypad, then press hash.');
    expect(voicePages(screen({ expect: { kind: 'date', range: 'past' } }), layout)[0].lines).toContain('Enter the day, month and year as 8 keys, then press hash.');
  });
});

describe('voice settings', () => {
  it('reads VOICE_SAY as locale, language and voice', () => {
    expect(loadConfig({ VOICE_SAY: 'en=en-PH:Polly.Joanna' }).VOICE_SAY).toEqual({ en: { language: 'en-PH', voice: 'Polly.Joanna' } });
  });

  it.each([
    ['VOICE_SAY', 'english'],
    ['VOICE_FROM', '0917 123 4567'],
    ['VOICE_CALLBACK_HOURS', '8-5'],
    ['VOICE_HANDOVER_NUMBER', 'office'],
    ['VOICE_SCREEN_SECONDS', '600'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
