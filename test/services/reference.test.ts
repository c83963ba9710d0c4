import fc from 'fast-check';
import { formatReference, hasValidCheckDigit, newReference, parseReference, verhoeffCheckDigit } from '../../src/services/reference';

describe('request references', () => {
  it('computes the published Verhoeff check digit (236 → 3, 12345 → 1)', () => {
    expect(verhoeffCheckDigit('236')).toBe(3);
    expect(verhoeffCheckDigit('12345')).toBe(1);
    expect(hasValidCheckDigit('2363')).toBe(true);
    expect(hasValidCheckDigit('2364')).toBe(false);
  });

  it('are eleven digits, never start with 0, and carry a valid check digit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        let state = seed;
        const random = (max: number) => {
          state = (state * 1103515245 + 12345) % 2 ** 31;
          return state % max;
        };
        const reference = newReference(random);
        return /^[1-9]\d{10}$/.test(reference) && hasValidCheckDigit(reference);
      }),
    );
  });

  it('catches every single mistyped digit', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{9}$/), fc.nat(10), fc.integer({ min: 1, max: 9 }), (body, position, shift) => {
        const reference = body + verhoeffCheckDigit(body);
        const digits = [...reference];
        digits[position] = String((Number(digits[position]) + shift) % 10);
        return !hasValidCheckDigit(digits.join(''));
      }),
    );
  });

  it('catches every swap of two different neighbouring digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{9}$/), fc.nat(9), (body, position) => {
        const reference = body + verhoeffCheckDigit(body);
        const digits = [...reference];
        fc.pre(digits[position] !== digits[position + 1]);
        [digits[position], digits[position + 1]] = [digits[position + 1], digits[position]];
        return !hasValidCheckDigit(digits.join(''));
      }),
    );
  });

  it('are shown grouped 4-4-3 and read back with dashes, spaces or dots', () => {
    const reference = `4821773095${verhoeffCheckDigit('4821773095')}`;
    expect(formatReference(reference)).toMatch(/^4821-7730-95\d$/);
    expect(parseReference(formatReference(reference))).toEqual({ ok: true, reference });
    expect(parseReference(`${reference.slice(0, 4)} ${reference.slice(4, 8)}.${reference.slice(8)}`)).toEqual({ ok: true, reference });
  });

  it('explain why a typed reference is refused: wrong length, or wrong check digit', () => {
    expect(parseReference('4821-7730-9')).toEqual({ ok: false, reason: 'length' });
    expect(parseReference('abc')).toEqual({ ok: false, reason: 'length' });
    const reference = `4821773095${verhoeffCheckDigit('4821773095')}`;
    const wrong = reference.slice(0, 10) + String((Number(reference[10]) + 1) % 10);
    expect(parseReference(wrong)).toEqual({ ok: false, reason: 'check' });
  });
});
