import fc from 'fast-check';
import { linkIn } from '../../src/text/links';

describe('links in an SMS (telcos block SMS with URLs and shorteners)', () => {
  it.each([
    ['Apply at https://barmm.gov.ph/apply today', 'https://barmm.gov.ph/apply'],
    ['See http://example.com.', 'http://example.com'],
    ['Visit www.mssd.gov.ph for details', 'www.mssd.gov.ph'],
    ['Register: bit.ly/3xYz9', 'bit.ly/3xYz9'],
    ['Details at barmm.gov.ph', 'barmm.gov.ph'],
    ['Go to MSSD.GOV.PH/relief now', 'MSSD.GOV.PH/relief'],
    ['tinyurl.com/abc?x=1', 'tinyurl.com/abc?x=1'],
    ['ফর্ম: forms.gov.bd/apply', 'forms.gov.bd/apply'],
    ['goo.gl/maps/abc', 'goo.gl/maps/abc'],
  ])('finds the link in %j', (text, link) => {
    expect(linkIn(text)).toBe(link);
  });

  it.each([
    'Relief packs at the barangay hall on 5 Dec, 8:00-17:00.',
    'Bring your ID, e.g. a PhilSys card. Fee: PHP 50.00',
    'Dr. Ali will see patients. Ref 4821-7730-953.',
    'Text VERIFY K7P2QX to check it is from Lingkod.',
    'Email help@mssd.gov.ph is not a link to open',
    'ত্রাণ বিতরণ ৫ ডিসেম্বর, সকাল ৮টা।',
    'Typhoon warning No. 2 for Cotabato City.Stay indoors.',
  ])('finds no link in %j', (text) => {
    expect(linkIn(text)).toBeUndefined();
  });

  it('finds no link in any announcement made of words, numbers, times and references', () => {
    const word = fc.stringMatching(/^[A-Za-z]{1,12}$/);
    const piece = fc.oneof(word, fc.integer({ min: 0, max: 99_999 }).map(String), fc.constantFrom('8:00', '4821-7730-953', 'PHP 50.00', 'No. 2', 'e.g.', 'Dr.', 'St.'));
    fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 30 }), fc.constantFrom(' ', ', ', '. '), (pieces, glue) => linkIn(pieces.join(glue)) === undefined));
  });
});
