import type { MessageStatus } from '../../outbox/outbox';

/**
 * Kannel's side of the wire: how smsbox fills our `get-url`/`post-url`, and what its delivery
 * reports mean. https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html
 */

/**
 * A query string (or url-encoded body) as raw bytes per field. Kannel's `%b` substitutes the
 * message's bytes as they arrived: UTF-16BE for a UCS-2 text, which a URL parser that assumes
 * UTF-8 would corrupt, so fields are decoded later, by the coding Kannel names (`%c`).
 */
export function parseRawQuery(raw: string): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = percentDecode(equals < 0 ? pair : pair.slice(0, equals)).toString('utf8');
    if (!fields.has(name)) fields.set(name, percentDecode(equals < 0 ? '' : pair.slice(equals + 1)));
  }
  return fields;
}

/** `+` and `%XX` to bytes; any other character as its UTF-8 bytes. */
function percentDecode(value: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index++) {
    const char = value[index];
    const hex = value.slice(index + 1, index + 3);
    if (char === '+') bytes.push(0x20);
    else if (char === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      const code = value.codePointAt(index) ?? 0;
      const whole = String.fromCodePoint(code);
      bytes.push(...Buffer.from(whole, 'utf8'));
      index += whole.length - 1;
    }
  }
  return Buffer.from(bytes);
}

/** Kannel's data codings (`%c`): 0 is 7-bit text, 1 is 8-bit binary, 2 is UCS-2. */
export const CODING = { text: '0', binary: '1', ucs2: '2' } as const;

/** Character sets smsbox names in `%C` or a Content-Type, mapped to the WHATWG names TextDecoder knows. */
const CHARSETS: Record<string, string> = {
  'UTF-8': 'utf-8',
  'UTF-16BE': 'utf-16be',
  'UCS-2': 'utf-16be',
  'UCS-2BE': 'utf-16be',
  'ISO-8859-1': 'windows-1252',
  'WINDOWS-1252': 'windows-1252',
};

/**
 * The text of a message's bytes: UTF-16BE when the coding is UCS-2, otherwise the charset
 * Kannel named (UTF-8 unless told otherwise). Undefined when the bytes are not valid in it.
 */
export function decodeText(bytes: Buffer, coding: string, charset: string): string | undefined {
  const label = coding === CODING.ucs2 ? 'utf-16be' : (CHARSETS[charset.toUpperCase()] ?? (charset === '' ? 'utf-8' : undefined));
  if (!label) return undefined;
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The charset a Content-Type names (`text/plain; charset="UTF-16BE"`), or ''. */
export function charsetOf(contentType: string | undefined): string {
  return /charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? '';
}

/**
 * Delivery report types (`%d` in the dlr-url), as outbox statuses. We ask for 1, 2, 8 and 16
 * (`dlr-mask=27`); 4 (buffered by the SMSC) is listed in case an operator's set-up sends it.
 */
export const DLR_STATUS: Record<string, Extract<MessageStatus, 'sent' | 'delivered' | 'failed'>> = {
  '1': 'delivered', // delivered to the phone
  '2': 'failed', // the SMSC could not deliver it to the phone
  '4': 'sent', // queued at the SMSC for later delivery
  '8': 'sent', // accepted by the SMSC
  '16': 'failed', // refused by the SMSC (NACK)
};

/** The delivery report types Lingkod asks Kannel for: 1 + 2 + 8 + 16. */
export const DLR_MASK = 27;

/**
 * Why a delivery failed, from the SMSC's reply (`%A`), without the message excerpt that an
 * SMPP receipt carries after `text:`: `stat:UNDELIV err:001`, or `NACK/0x0000000b/Invalid
 * Destination Address`.
 */
export function failureReason(reply: string): string {
  const stat = /\bstat:(\w+)/i.exec(reply)?.[1];
  const err = /\berr:(\w+)/i.exec(reply)?.[1];
  if (stat || err) return [stat && `stat:${stat}`, err && `err:${err}`].filter(Boolean).join(' ');
  return reply.replace(/\btext:.*$/is, '').trim().slice(0, 120);
}

