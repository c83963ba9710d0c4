import type { i18n } from 'i18next';
import type { ResolvedScreen } from '../../dialogs/screen';
import { translate } from '../../i18n';

/**
 * One voice prompt: what is spoken, sentence by sentence, and what the keypad may answer. Its
 * `text` is the same sentences as lines, for the simulator and the engine's record.
 */
export interface VoicePage {
  text: string;
  /** The sentences, in order: the screen's paragraphs, then "press 1 for …", then navigation. */
  lines: string[];
  locale: string;
  /** Lines spoken in another language than `locale`, by index: a language's name offered in its own words. */
  spokenIn?: Record<number, string>;
  /** One key ends the answer (a menu of at most nine entries on one page); undefined: a number, ended by `#` or silence. */
  numDigits?: 1;
  /** The screen asks for letters, which a keypad call cannot take (finished by SMS instead). */
  letters: boolean;
  /** `0` means something on this page (back, or the previous part); else it is free for the hand-over. */
  back: boolean;
  final: boolean;
}

export interface VoiceLayoutOptions {
  i18n: i18n;
  /** Longest a page may take to speak (VOICE_SCREEN_SECONDS). */
  seconds: number;
  /** The speaking rate the budget assumes (VOICE_WORDS_PER_MINUTE). */
  wordsPerMinute: number;
  /** Whether pages without a `0` offer "press 0 to speak to a person" (the office line is open). */
  person: boolean;
  /**
   * The locales the line speaks. An option naming one of them (the language menu's "বাংলা") is
   * offered in that language and voice ("বাংলার জন্য 3 চাপুন।"): a first-time caller hears their
   * own language before choosing it, never an English voice reading Bangla script.
   */
  languages?: readonly string[];
}

/** Words in a sentence, the unit of the spoken budget (whitespace-separated, in any script). */
export function wordsIn(sentence: string): number {
  return sentence.split(/\s+/).filter(Boolean).length;
}

/** Seconds a page takes to speak at `wordsPerMinute`. */
export function spokenSeconds(page: VoicePage, wordsPerMinute: number): number {
  return (page.lines.reduce((sum, line) => sum + wordsIn(line), 0) * 60) / wordsPerMinute;
}

/** A keypad number spoken key by key ("98" → "9 8"), so text-to-speech says the keys, not "ninety-eight". */
const keys = (number: number | string) => String(number).split('').join(' ');

/**
 * Lays a screen out as spoken pages within the budget: the screen's paragraphs (options after
 * the first `lead`, as on USSD), each option as "press 1 for …", then "press 9 8 for more" on
 * every page but the last and "press 0 to go back" where that works. Options keep their
 * numbers across pages, as on USSD (the engine reads them so); a paragraph longer than a page
 * is split between words. A final screen is one page: its first paragraph whole, then what
 * else fits (the call ends after it).
 */
export function voicePages(screen: ResolvedScreen, layout: VoiceLayoutOptions): VoicePage[] {
  const locale = screen.locale ?? 'en';
  const say = (key: string, params?: Record<string, string>) => translate(layout.i18n, locale, { key, params });
  const budget = Math.floor((layout.seconds * layout.wordsPerMinute) / 60);
  const letters = screen.expect.kind === 'text';
  /** Option sentences said in another language, and which. */
  const foreign = new Map<string, string>();
  const page = (lines: string[], extra: Partial<VoicePage> = {}): VoicePage => {
    const spokenIn = Object.fromEntries(lines.flatMap((line, index) => (foreign.has(line) ? [[index, foreign.get(line)!]] : [])));
    return { text: lines.join('\n'), lines, locale, letters, back: false, final: screen.final, ...(foreign.size > 0 ? { spokenIn } : {}), ...extra };
  };

  if (screen.final) {
    const lines = [screen.body[0] ?? ''];
    for (const paragraph of screen.body.slice(1)) if (wordsIn([...lines, paragraph].join(' ')) <= budget) lines.push(paragraph);
    return [page(lines)];
  }

  const asked = askFor(screen, say);
  const options = screen.options.map((option) => {
    const own = layout.languages?.find((other) => other !== locale && translate(layout.i18n, other, { key: `language.name_${other}` }) === option.label);
    if (!own) return say('voice:press_option', { number: keys(option.number), label: option.label });
    const sentence = translate(layout.i18n, own, { key: 'voice:press_option', params: { number: keys(option.number), label: option.label } });
    foreign.set(sentence, own);
    return sentence;
  });
  const lead = Math.min(screen.lead ?? screen.body.length, screen.body.length);
  const blocks = [...screen.body.slice(0, lead), ...asked, ...options, ...screen.body.slice(lead)];
  const more = say('voice:press_more', { number: keys(98) });
  const back = say('voice:press_back');
  const person = say('voice:press_person');
  const largest = screen.options.length;

  // One page when everything fits: the common case.
  const footer = (index: number, hasMore: boolean) => [
    ...(hasMore ? [more] : []),
    ...(index > 0 || screen.back ? [back] : layout.person ? [person] : []),
  ];
  const single = [...blocks, ...footer(0, false)];
  if (wordsIn(single.join(' ')) <= budget) return [page(single, { back: screen.back, numDigits: largest > 0 && largest <= 9 ? 1 : undefined })];

  const pages: string[][] = [[]];
  const room = (index: number) => budget - wordsIn(footer(index, true).join(' '));
  for (const block of blocks) {
    let remaining = block;
    while (remaining) {
      const lines = pages[pages.length - 1];
      const free = room(pages.length - 1) - wordsIn(lines.join(' '));
      if (wordsIn(remaining) <= free) {
        lines.push(remaining);
        break;
      }
      // A sentence that fits a page of its own starts the next page whole; only a longer one is split.
      if (lines.length > 0 && (wordsIn(remaining) <= room(pages.length) || free <= 0)) {
        pages.push([]);
        continue;
      }
      const words = remaining.split(/\s+/).filter(Boolean);
      const taken = Math.max(1, free);
      lines.push(words.slice(0, taken).join(' '));
      remaining = words.slice(taken).join(' ');
      if (remaining) pages.push([]);
    }
  }
  if (pages[pages.length - 1].length === 0) pages.pop();
  return pages.map((lines, index) => page([...lines, ...footer(index, index < pages.length - 1)], { back: index > 0 || screen.back }));
}

/** How to answer a question screen on a keypad: a number ends with `#`; letters cannot be typed. */
function askFor(screen: ResolvedScreen, say: (key: string) => string): string[] {
  switch (screen.expect.kind) {
    case 'digits':
    case 'reference':
      return [say('voice:then_hash')];
    case 'date':
      return [say('voice:date_keys')];
    default:
      return [];
  }
}
