import type { ResolvedScreen } from '../dialogs/screen';
import { encodedLength, encodingOf, type Encoding } from './gsm7';
import { paginate } from './pages';
import { preferGsm7 } from './lookalikes';
import { smsSize, unitsIn } from './segments';

/** What an SMS screen needs beyond the screen itself. */
export interface SmsLayoutOptions {
  /** Most SMS parts one reply may take (SMS_MAX_SEGMENTS). */
  maxSegments: number;
  /** Closing lines in the screen's language: under options, and under a screen that ends a dialog. */
  hints: { choice: string; final: string };
}

/** One reply as it will be sent. */
export interface SmsPage {
  text: string;
  encoding: Encoding;
  segments: number;
}

/**
 * Lays a screen out as SMS replies of at most `maxSegments` parts each: body, numbered
 * options, `0 Back` where it applies, and a closing hint ("Reply with a number."). A screen
 * too long for one reply is split like a USSD screen, with `98 More` (the engine pages).
 * Look-alikes are replaced first when that keeps the whole reply in GSM-7.
 */
export function layoutSms(screen: ResolvedScreen, options: SmsLayoutOptions): SmsPage[] {
  const hintFor = screen.options.length > 0 ? options.hints.choice : screen.final ? options.hints.final : undefined;
  const labels = screen.options.map((option) => option.label);
  const texts = preferGsm7([...screen.body, ...labels, screen.nav.more, screen.nav.back, ...(hintFor ? [hintFor] : [])]);
  const body = texts.slice(0, screen.body.length);
  const rest = texts.slice(screen.body.length);
  const prepared: ResolvedScreen = {
    ...screen,
    body,
    options: screen.options.map((option, index) => ({ number: option.number, label: rest[index] })),
    nav: { more: rest[labels.length], back: rest[labels.length + 1] },
  };
  const hint = hintFor === undefined ? undefined : rest[labels.length + 2];
  const encoding = encodingOf(texts.join('\n'));
  const lay = (limit: number, closing: string | undefined): SmsPage[] =>
    paginate(prepared, { gsm7: limit, ucs2: limit }).map((page) => {
      const text = closing ? `${page.text}\n${closing}` : page.text;
      return { text, encoding, segments: smsSize(text, encoding).segments };
    });
  const fits = (pages: SmsPage[]) => pages.every((page) => page.segments <= options.maxSegments);
  const allowance = unitsIn(options.maxSegments, encoding);
  const room = allowance - (hint ? encodedLength(hint, encoding) + 1 : 0);

  // A character never straddles two parts, so a full reply may need a unit or two less room.
  for (let slack = 0; slack <= 2 * options.maxSegments && room - slack > 0; slack++) {
    const pages = lay(room - slack, hint);
    if (fits(pages)) return pages;
  }
  // A hint longer than the whole allowance (a misconfiguration): the screen without it.
  return lay(allowance - 2 * options.maxSegments, undefined);
}
