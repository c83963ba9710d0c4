import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Phone numbers, tokens and answers must never reach the logs in full. Rather than trusting
 * every call site, the root logger scrubs every string it is given: any run of seven or more
 * digits (a phone number, with or without `+`, spaces or dashes; not an ISO date) keeps only its last three
 * digits, the query string of any URL or path is dropped (gateways put their token there:
 * `/ussd/africastalking?token=…`, Kannel's `?token=`), so is the value of any `token=`
 * anywhere, and fields named like secrets or message bodies are replaced outright.
 */
const PHONE_LIKE = /\+?\d[\d\s-]{5,}\d/g;
/** An ISO calendar date (`2026-12-04`): digits and dashes too, but no one's number. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A URL or absolute path followed by a query string: the part from `?` on goes. */
const QUERY_STRING = /((?:\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#"'<>]*)?\/[^\s?#"'<>]*)\?[^\s#"'<>]+/gi;
/** `token=…`, `secret=…`, `password=…` (or `key=`) outside a URL too: the value goes. */
const SECRET_PARAMETER = /\b((?:[a-z_]*token|secret|password|api_?key|key)=)[^&\s"'<>]+/gi;
const SECRET_FIELDS = /token|secret|password|authorization|api_?key|cookie|signature/i;
const BODY_FIELDS = /^(text|body|answers?|message|input)$/i;

/** What the logs may show of any string: query strings and secret parameters dropped, phone numbers masked. */
export function scrubText(value: string): string {
  return maskDigits(value.replace(QUERY_STRING, '$1?[query redacted]').replace(SECRET_PARAMETER, '$1[redacted]'));
}

/** Masks phone-number-like digit runs in a string, keeping the last three digits. */
export function maskDigits(value: string): string {
  return value.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 7 || ISO_DATE.test(match)) return match;
    return `${match.startsWith('+') ? '+' : ''}***${digits.slice(-3)}`;
  });
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    // Keep the message and the stack (they are ours), masked like any string.
    return { type: value.name, message: scrubText(value.message), stack: value.stack && scrubText(value.stack) };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_FIELDS.test(key)) out[key] = '[redacted]';
    else if (BODY_FIELDS.test(key) && typeof inner === 'string') out[key] = `[${inner.length} chars]`;
    else out[key] = scrub(inner, depth + 1);
  }
  return out;
}

/**
 * Builds the one root logger. Modules take a named child (`root.child({ name: 'dialogs' })`).
 * `destination` lets tests capture every line to prove nothing personal is written.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: Error) => scrub(err) },
    },
    destination,
  );
}
