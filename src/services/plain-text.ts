/**
 * What a text field of the ministries' side (REST API, console, admin command) may hold: no
 * NUL and no other control character but tab and newline (a browser's textarea sends CRLF, so
 * a carriage return is taken before a newline). PostgreSQL refuses NUL in text and jsonb (a 500
 * before this check), and the others have no place in an SMS, a page or a log line.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;

/** True when `text` holds a control character a text field refuses. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/**
 * Where in a parsed body, query or form the first string (value or object key) holding a
 * control character is, as a path (`['texts', 'en']`); undefined when there is none.
 */
export function controlCharacterPath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return hasControlCharacter(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = controlCharacterPath(item, [...path, String(index)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasControlCharacter(key)) return [...path, key.replace(CONTROL_CHARACTER, '?')];
      const found = controlCharacterPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
