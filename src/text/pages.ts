import type { ResolvedScreen } from '../dialogs/screen';
import { encodedLength, encodingOf, type Encoding } from './gsm7';

/** Limits of one page of text, per encoding, in that encoding's units. */
export interface PageLimits {
  gsm7: number;
  ucs2: number;
}

/** One page as a channel will send it. */
export interface Page {
  text: string;
  encoding: Encoding;
}

/**
 * Lays a screen out as numbered-option pages that each fit the channel's limit: body first
 * (options after the first `lead` paragraphs when the screen says so, the action before long
 * detail), then `98 More` on every page but the last and `0 Back` where going back is
 * possible. Pages break between meanings, not just words: a paragraph that fits a page (a
 * "label: value" line, a name, a question) is moved whole to the next page rather than split;
 * only a paragraph longer than a whole page breaks, between words. An option is never split
 * across pages. Options keep their numbers across pages, so `12` means the same on any page.
 * A final screen (USSD `END`) is never paged: see finalPage.
 */
export function paginate(screen: ResolvedScreen, limits: PageLimits): Page[] {
  const options = screen.options.map((option) => `${option.number} ${option.label}`);
  const all = [...screen.body, ...options, screen.nav.more, screen.nav.back].join('\n');
  const encoding = encodingOf(all);
  const limit = limits[encoding];
  const size = (text: string) => encodedLength(text, encoding);
  const more = `98 ${screen.nav.more}`;
  const back = `0 ${screen.nav.back}`;
  const lead = Math.min(screen.lead ?? screen.body.length, screen.body.length);
  const ordered = [...screen.body.slice(0, lead), ...options, ...screen.body.slice(lead)];

  if (screen.final && options.length === 0) return [{ text: finalPage(screen.body, limit, size), encoding }];
  const single = [...ordered, ...(screen.back ? [back] : [])].join('\n');
  if (size(single) <= limit) return [{ text: single, encoding }];

  // Room for content on a page, keeping space for `98 More` and, where it applies, `0 Back`.
  const hasBack = (pageIndex: number) => pageIndex > 0 || screen.back;
  const capacity = (pageIndex: number) => limit - size(more) - 1 - (hasBack(pageIndex) ? size(back) + 1 : 0);
  const used = (lines: string[]) => (lines.length === 0 ? 0 : size(lines.join('\n')) + 1);

  const blocks = [
    ...screen.body.slice(0, lead).map((text) => ({ text, splittable: true })),
    ...options.map((text) => ({ text, splittable: false })),
    ...screen.body.slice(lead).map((text) => ({ text, splittable: true })),
  ];
  const pages: string[][] = [[]];
  for (const block of blocks) {
    let remaining = block.text;
    while (remaining) {
      const lines = pages[pages.length - 1];
      const available = capacity(pages.length - 1) - used(lines);
      if (size(remaining) <= available) {
        lines.push(remaining);
        break;
      }
      // What fits a page of its own is one meaning: it starts the next page, whole.
      const fitsAPage = size(remaining) <= capacity(pages.length);
      if (block.splittable && available > 0 && !(fitsAPage && lines.length > 0)) {
        const head = takeWords(remaining, available, size, lines.length === 0);
        if (head) {
          lines.push(head);
          remaining = remaining.slice(head.length).trimStart();
        }
      } else if (lines.length === 0) {
        // An option longer than a whole page: shortened at a word boundary.
        lines.push(fitLine(remaining, available, size));
        break;
      }
      pages.push([]);
    }
  }
  if (pages[pages.length - 1].length === 0) pages.pop();
  return pages.map((lines, index) => {
    const footer = [...(index < pages.length - 1 ? [more] : []), ...(hasBack(index) ? [back] : [])];
    return { text: [...lines, ...footer].join('\n'), encoding };
  });
}

/**
 * A final screen on one page: the session closes with it, so a `98 More` would lead nowhere.
 * Its first paragraph says what matters (the reference comes first in every language) and is
 * kept whole, or cut at a word with `..` if even it is longer than a page; each paragraph after
 * it is kept where it still fits. The screen-fit test checks that every final screen of every
 * dialog keeps its first paragraph whole, in every language.
 */
function finalPage(body: string[], limit: number, size: (text: string) => number): string {
  const lines = [fitLine(body[0] ?? '', limit, size)];
  for (const paragraph of body.slice(1)) {
    if (size([...lines, paragraph].join('\n')) <= limit) lines.push(paragraph);
  }
  return lines.join('\n');
}

/** The longest run of whole words from the start of `text` that fits `available` units. */
function takeWords(text: string, available: number, size: (text: string) => number, mayCut = true): string | undefined {
  const words = text.split(' ');
  let taken = '';
  for (const word of words) {
    const candidate = taken ? `${taken} ${word}` : word;
    if (size(candidate) > available) break;
    taken = candidate;
  }
  if (taken || !mayCut) return taken || undefined;
  // One word longer than a whole page (a URL, say): cut it, the only case a word is cut.
  let cut = '';
  for (const char of words[0]) {
    if (size(cut + char) > available) break;
    cut += char;
  }
  return cut || undefined;
}

/** A line shortened at a word boundary with `..` when longer than `max` units. */
function fitLine(line: string, max: number, size: (text: string) => number): string {
  if (size(line) <= max) return line;
  return `${takeWords(line, max - 2, size) ?? ''}..`;
}
