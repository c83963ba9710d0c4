import { isAllowedCountry, phoneAddress } from '../src/address';

describe('phone addresses', () => {
  it.each([
    ['+639171234567', 'tel:+639171234567'],
    ['639171234567', 'tel:+639171234567'],
    ['09171234567', 'tel:+639171234567'],
    ['+63 917 123 4567', 'tel:+639171234567'],
    ['+8801712345678', 'tel:+8801712345678'],
    ['8801712345678', 'tel:+8801712345678'],
  ])('normalise %s to %s', (raw, address) => {
    expect(phoneAddress(raw)).toBe(address);
  });

  it.each(['abc', '12', '+63', ''])('refuse %j, which is not a phone number', (raw) => {
    expect(phoneAddress(raw)).toBeUndefined();
  });

  it('allow only the configured country calling codes', () => {
    expect(isAllowedCountry('tel:+639171234567', ['63', '880'])).toBe(true);
    expect(isAllowedCountry('tel:+8801712345678', ['63'])).toBe(false);
    expect(isAllowedCountry('tel:+14155550123', ['63', '880'])).toBe(false);
    expect(isAllowedCountry('telegram:12345', ['63'])).toBe(true);
  });
});
