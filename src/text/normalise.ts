/** The zero of each digit script a phone may send (Bangla, Devanagari, Arabic-Indic, Persian). */
const DIGIT_ZEROS = [0x09e6, 0x0966, 0x0660, 0x06f0];

/**
 * Input as Lingkod reads it, on every channel: compatibility forms folded (full-width letters),
 * digits of other scripts made ASCII (a Bangla phone or Telegram keyboard sends ২ for 2),
 * spaces collapsed, ends trimmed. The engine's input reader (src/dialogs/input.ts) applies it
 * to every answer, whatever the channel; the SMS keywords read through it too.
 */
export function normaliseInput(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC')) {
    const code = char.codePointAt(0) ?? 0;
    const zero = DIGIT_ZEROS.find((start) => code >= start && code <= start + 9);
    out += zero === undefined ? char : String(code - zero);
  }
  return out.replace(/\s+/g, ' ').trim();
}
