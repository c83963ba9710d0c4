import { randomInt } from 'node:crypto';
import { InvalidError } from './access';

/**
 * Request references: ten random digits and a Verhoeff check digit. Digits only, because a
 * feature phone's keypad makes letters slow; Verhoeff, because it catches every single-digit
 * mistake and every swap of two neighbouring digits, the two ways people mistype a number,
 * so a mistyped reference is refused before any lookup.
 */

// The multiplication table of the dihedral group D5, and each element's inverse.
const MULTIPLY = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
// The permutation σ of Verhoeff's scheme; position i applies σ^i. Deriving the eight rows
// from σ (rather than copying a table) leaves no room for a typo in them.
const SIGMA = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
const PERMUTE: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
for (let i = 1; i < 8; i++) PERMUTE.push(PERMUTE[i - 1].map((digit) => SIGMA[digit]));
const INVERSE = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** The digits a reference is made of, before its check digit. */
const REFERENCE_BODY_DIGITS = 10;

/** The Verhoeff check digit for a string of digits. */
export function verhoeffCheckDigit(digits: string): number {
  let check = 0;
  const reversed = [...digits].reverse();
  reversed.forEach((digit, index) => {
    check = MULTIPLY[check][PERMUTE[(index + 1) % 8][Number(digit)]];
  });
  return INVERSE[check];
}

/** True when the last digit is the Verhoeff check digit of the others. */
export function hasValidCheckDigit(digits: string): boolean {
  let check = 0;
  [...digits].reverse().forEach((digit, index) => {
    check = MULTIPLY[check][PERMUTE[index % 8][Number(digit)]];
  });
  return check === 0;
}

/** A new random reference (11 digits), not yet known to be unique: the database decides that. */
export function newReference(random: (max: number) => number = randomInt): string {
  let body = String(random(9) + 1); // never a leading zero, which people drop when copying
  while (body.length < REFERENCE_BODY_DIGITS) body += String(random(10));
  return body + String(verhoeffCheckDigit(body));
}

/** A reference as shown to people: 4821-7730-953. */
export function formatReference(reference: string): string {
  return `${reference.slice(0, 4)}-${reference.slice(4, 8)}-${reference.slice(8)}`;
}

/**
 * Reads what a citizen typed (spaces, dashes, dots allowed) into a reference, or explains why
 * not: `length` for the wrong number of digits, `check` for a failed check digit.
 */
export function parseReference(input: string): { ok: true; reference: string } | { ok: false; reason: 'length' | 'check' } {
  const digits = input.replace(/[\s.\-*#]/g, '');
  if (!/^\d+$/.test(digits) || digits.length !== REFERENCE_BODY_DIGITS + 1) return { ok: false, reason: 'length' };
  if (!hasValidCheckDigit(digits)) return { ok: false, reason: 'check' };
  return { ok: true, reference: digits };
}

/** A reference an officer gave (API, console), in any spacing; a mistyped one is refused (400) with the reason. */
export function referenceOf(input: string): string {
  const parsed = parseReference(input);
  if (!parsed.ok) throw new InvalidError(parsed.reason === 'length' ? 'a reference has 11 digits' : 'that reference has a mistake (its check digit does not match)');
  return parsed.reference;
}
