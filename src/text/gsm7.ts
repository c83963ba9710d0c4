/**
 * The GSM 03.38 7-bit alphabet, which decides how much text fits in a USSD screen or an SMS:
 * text made only of these characters is packed in septets (182 per USSD string, 160 per SMS);
 * one character outside it makes the whole message UCS-2 (80 and 70). Characters of the
 * extension table take two septets.
 * https://en.wikipedia.org/wiki/GSM_03.38
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(BASIC);
const extension = new Set(EXTENSION);

export type Encoding = 'gsm7' | 'ucs2';

/** True when every character of `text` is in the GSM 7-bit alphabet (basic or extension). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!basic.has(char) && !extension.has(char)) return false;
  return true;
}

/** The encoding a network would use for `text`. */
export function encodingOf(text: string): Encoding {
  return isGsm7(text) ? 'gsm7' : 'ucs2';
}

/**
 * The length of `text` in its encoding's units: septets for GSM-7 (extension characters
 * count two), UTF-16 code units for UCS-2 (what a handset counts; an emoji counts two).
 */
export function encodedLength(text: string, encoding: Encoding = encodingOf(text)): number {
  if (encoding === 'ucs2') return text.length;
  let length = 0;
  for (const char of text) length += extension.has(char) ? 2 : 1;
  return length;
}
