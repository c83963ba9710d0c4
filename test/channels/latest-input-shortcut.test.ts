import { networkOf, shortcutOf } from '../../src/channels/latest-input';

/** The direct dial of the JSON latest-input gateways, and their network names (src/channels/latest-input). */
describe('a direct dial taken as a route', () => {
  it.each([
    ['*347#', '347', []],
    ['*347*2*1#', '347', ['2', '1']],
    ['*347*2*1#', '*347#', ['2', '1']],
    ['*347*2*1#', undefined, ['2', '1']],
    ['*920*12*3#', '*920*12#', ['3']],
    ['*920*12#', '920*12', []],
    ['*347*2*1#', '*999#', ['2', '1']],
    ['', '347', []],
    ['1', undefined, []],
    ['*347*2*1', '347', []],
    ['hello *347*2#', '347', []],
  ])('reads %j with the code %j as %j', (dialled, code, shortcut) => {
    expect(shortcutOf(dialled, code)).toEqual(shortcut);
  });

  it('keeps a network only when it is one the provider names, in lower case; any other is unknown', () => {
    expect(networkOf('MTN', ['mtn', 'vodafone'])).toBe('mtn');
    expect(networkOf(' Vodafone ', ['mtn', 'vodafone'])).toBe('vodafone');
    expect(networkOf('made-up-network', ['mtn'])).toBeUndefined();
    expect(networkOf(undefined, ['mtn'])).toBeUndefined();
  });
});
