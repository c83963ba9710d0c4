import { addressKind, isAllowedCountry, maskedAddress } from '../../src/address';
import { callerOf, encodingFor, moSchema, mtBody, serviceCodeOf } from '../../src/channels/bdapps/wire';
import fixture from '../../src/channels/bdapps/fixtures/session.json';
import mt from '../../src/channels/bdapps/fixtures/mt.json';

describe('hSenid TAP wire format', () => {
  it('reads a number or a masked hash from sourceAddress, as the documents write it', () => {
    expect(callerOf('tel:8801812000123')).toEqual({ kind: 'number', number: '8801812000123' });
    expect(callerOf('tel:+8801812000123')).toEqual({ kind: 'number', number: '8801812000123' });
    expect(callerOf('tel: 8801812000123')).toEqual({ kind: 'number', number: '8801812000123' });
    expect(callerOf('tel:masked_Xq7Lw2RZp0aB9')).toEqual({ kind: 'masked', hash: 'masked_Xq7Lw2RZp0aB9' });
    expect(callerOf('tel:3f1a9c0e5b7d2468ace13579bdf02468ace13579')).toEqual({ kind: 'masked', hash: '3f1a9c0e5b7d2468ace13579bdf02468ace13579' });
    for (const bad of ['8801812000123', 'tel:', 'tel:12', 'tel:a b c d e f', 'mailto:x@y', `tel:${'a'.repeat(129)}`]) expect(callerOf(bad)).toBeUndefined();
  });

  it('makes a masked caller an address of its own kind, which is no phone', () => {
    const address = maskedAddress('bdapps', 'masked_Xq7Lw2RZp0aB9');
    expect(address).toBe('masked:bdapps:masked_Xq7Lw2RZp0aB9');
    expect(addressKind(address!)).toBe('masked');
    expect(isAllowedCountry(address!, ['63', '880'])).toBe(true);
    expect(maskedAddress('bdapps', 'has:colon')).toBeUndefined();
    expect(maskedAddress('Bad Gateway', 'masked_Xq7Lw2RZp0aB9')).toBeUndefined();
  });

  it('sends GSM text as encoding 440 and Bangla as 16', () => {
    expect(encodingFor('Choose a service\n1 Crisis assistance')).toBe('440');
    expect(encodingFor('Pumili ng serbisyo: Niño')).toBe('440');
    expect(encodingFor('একটি সেবা বেছে নিন')).toBe('16');
  });

  it('lays an MT out with every field the documented request has', () => {
    const body = mtBody({ sessionId: '1733300000000001', destinationAddress: 'tel:8801812000123', message: 'Choose your language\n1 English\n2 Filipino', final: false, version: '1.0' }, { applicationId: 'APP_000123', password: 'our-test-password' });
    expect(body).toEqual(mt.request);
    expect(mtBody({ sessionId: 's', destinationAddress: 'tel:x', message: 'Bye', final: true, version: '1.0' }, { applicationId: 'a', password: 'p' }).ussdOperation).toBe('mt-fin');
  });

  it('parses every hop of the fixture, and takes the code from the dial only', () => {
    const hops = fixture.hops.map((hop) => moSchema.parse(hop));
    expect(hops.map((hop) => hop.ussdOperation)).toEqual(['mo-init', 'mo-cont', 'mo-cont']);
    expect(hops.map(serviceCodeOf)).toEqual(['*213*2626#', undefined, undefined]);
  });
});
