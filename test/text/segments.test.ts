import fc from 'fast-check';
import { smsSize, unitsIn } from '../../src/text/segments';
import { preferGsm7, replaceLookalikes } from '../../src/text/lookalikes';
import { isGsm7 } from '../../src/text/gsm7';

describe('counting SMS parts', () => {
  it.each([
    { text: '', encoding: 'gsm7', units: 0, segments: 1 },
    { text: 'a'.repeat(160), encoding: 'gsm7', units: 160, segments: 1 },
    { text: 'a'.repeat(161), encoding: 'gsm7', units: 161, segments: 2 },
    { text: 'a'.repeat(306), encoding: 'gsm7', units: 306, segments: 2 },
    { text: 'a'.repeat(307), encoding: 'gsm7', units: 307, segments: 3 },
    { text: 'a'.repeat(459), encoding: 'gsm7', units: 459, segments: 3 },
    { text: 'a'.repeat(460), encoding: 'gsm7', units: 460, segments: 4 },
    { text: 'ক'.repeat(70), encoding: 'ucs2', units: 70, segments: 1 },
    { text: 'ক'.repeat(71), encoding: 'ucs2', units: 71, segments: 2 },
    { text: 'ক'.repeat(134), encoding: 'ucs2', units: 134, segments: 2 },
    { text: 'ক'.repeat(135), encoding: 'ucs2', units: 135, segments: 3 },
    { text: 'ক'.repeat(201), encoding: 'ucs2', units: 201, segments: 3 },
  ])('$units $encoding units take $segments part(s)', ({ text, encoding, units, segments }) => {
    expect(smsSize(text)).toEqual({ encoding, units, segments });
  });

  it('counts an extension character as two septets and never splits it across parts', () => {
    expect(smsSize('€'.repeat(80))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    // 306 septets would fit two parts, but the € cannot start in part one's last septet.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(smsSize(text)).toEqual({ encoding: 'gsm7', units: 306, segments: 3 });
  });

  it('never splits an emoji (a surrogate pair) across UCS-2 parts', () => {
    const text = 'ক'.repeat(66) + '😀' + 'ক'.repeat(66);
    expect(smsSize(text)).toEqual({ encoding: 'ucs2', units: 134, segments: 3 });
  });

  it('knows how much three parts carry', () => {
    expect(unitsIn(3, 'gsm7')).toBe(459);
    expect(unitsIn(3, 'ucs2')).toBe(201);
    expect(unitsIn(1, 'gsm7')).toBe(160);
    expect(unitsIn(1, 'ucs2')).toBe(70);
  });
});

describe('look-alikes that would force UCS-2', () => {
  it('replaces curly quotes, long dashes, odd spaces and the ellipsis with plain ones', () => {
    expect(replaceLookalikes('“Birth” certificate – PSA’s copy…\u00a0ok')).toBe('"Birth" certificate - PSA\'s copy... ok');
  });

  it('drops accents the GSM alphabet lacks but keeps the ones it has', () => {
    expect(replaceLookalikes('Bátas ng Ñiño, café, Über, ÀÉ')).toBe('Batas ng Ñiño, café, Über, AÉ');
  });

  it('keeps a text that needs UCS-2 anyway exactly as written', () => {
    const bangla = ['“জন্ম” নিবন্ধন – সনদ'];
    expect(preferGsm7(bangla)).toEqual(bangla);
  });

  it('replaces in all the parts of a message together, or in none', () => {
    expect(preferGsm7(['“Menu”', 'Tulong'])).toEqual(['"Menu"', 'Tulong']);
    expect(preferGsm7(['“Menu”', 'সাহায্য'])).toEqual(['“Menu”', 'সাহায্য']);
  });

  it('never turns a text into one that costs more parts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => {
        const [chosen] = preferGsm7([text]);
        return smsSize(chosen).segments <= smsSize(text).segments && (chosen === text || isGsm7(chosen));
      }),
      { numRuns: 2000 },
    );
  });
});
