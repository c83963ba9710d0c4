import { isGsm7 } from './gsm7';

/**
 * One curly quote makes a whole SMS UCS-2, which more than halves what fits in it (70 instead
 * of 160 characters a part). Before giving up on GSM-7, characters that have a plain stand-in
 * reading the same are replaced: typographic quotes, dashes and spaces, the ellipsis, and
 * accented letters outside the GSM alphabet (á → a; ñ, é and ü are in it and stay).
 * Text that needs UCS-2 anyway (Bangla) is left exactly as written.
 */
const STAND_INS: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2026': '...', '\u2022': '-', '\u00b7': '.', '\u20b1': 'PHP', '\t': ' ',
  '\u00a0': ' ', '\u2007': ' ', '\u2009': ' ', '\u200a': ' ', '\u202f': ' ', '\u3000': ' ',
  '\u200b': '', '\u200c': '', '\u200d': '', '\ufeff': '', '\u00ad': '',
};

/** The GSM-7 stand-in for one character outside the alphabet, or the character itself. */
function standIn(char: string): string {
  if (isGsm7(char)) return char;
  const listed = STAND_INS[char];
  if (listed !== undefined) return listed;
  // An accented Latin letter without its accent (á → a, Ō → O), when that is in the alphabet.
  const bare = char.normalize('NFD').replace(/\p{M}/gu, '');
  return bare !== char && bare !== '' && isGsm7(bare) ? bare : char;
}

/** Replaces every character outside GSM-7 that has a look-alike inside it. */
export function replaceLookalikes(text: string): string {
  if (isGsm7(text)) return text;
  let out = '';
  for (const char of text) out += standIn(char);
  return out;
}

/**
 * The texts with look-alikes replaced when that makes all of them GSM-7 together (they are
 * sent as one message), otherwise unchanged: UCS-2 shows typographic characters faithfully.
 */
export function preferGsm7(texts: string[]): string[] {
  if (texts.every(isGsm7)) return texts;
  const replaced = texts.map(replaceLookalikes);
  return replaced.every(isGsm7) ? replaced : texts;
}
