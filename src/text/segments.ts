import { encodedLength, encodingOf, type Encoding } from './gsm7';

/**
 * How many SMS a text costs. One SMS carries 160 GSM-7 septets or 70 UCS-2 units; a longer
 * text is sent in parts that each lose room to the concatenation header (153 and 67). A
 * character is never split across parts: an extension character (two septets) or a UTF-16
 * surrogate pair that would straddle a boundary starts the next part, as handsets and Kannel
 * split. https://en.wikipedia.org/wiki/Concatenated_SMS
 */
const SMS_UNITS: Record<Encoding, { single: number; part: number }> = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
};

/** A text's cost on the wire. */
export interface SmsSize {
  encoding: Encoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** The encoding, length and number of SMS parts of `text`. */
export function smsSize(text: string, encoding: Encoding = encodingOf(text)): SmsSize {
  const costs = [...text].map((char) => encodedLength(char, encoding));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const { single, part } = SMS_UNITS[encoding];
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments };
}

/** The most units `segments` SMS parts can carry in `encoding` (ignoring straddling characters). */
export function unitsIn(segments: number, encoding: Encoding): number {
  const { single, part } = SMS_UNITS[encoding];
  return segments <= 1 ? single : part * segments;
}
