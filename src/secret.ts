import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret (a token, a key, a CSRF value, a code's hash) in constant time: both sides
 * are hashed first, so neither the content nor the length of the expected value leaks through
 * timing. An absent value never matches.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== undefined;
}
