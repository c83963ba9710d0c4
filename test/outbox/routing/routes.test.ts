import { networkOf } from '../../../src/outbox/routing/networks';
import { parseRoutes, routeKind, routesFor } from '../../../src/outbox/routing/routes';

describe('the prefix table', () => {
  it.each([
    ['tel:+639171234567', 'globe'],
    ['tel:+639561234567', 'globe'],
    ['tel:+639181234567', 'smart'],
    ['tel:+639501234567', 'smart'],
    ['tel:+639471234567', 'smart'],
    ['tel:+639451234567', 'globe'],
    ['tel:+639911234567', 'dito'],
    ['tel:+638951234567', 'dito'],
    ['tel:+8801712345678', 'grameenphone'],
    ['tel:+8801312345678', 'grameenphone'],
    ['tel:+8801812345678', 'robi'],
    ['tel:+8801612345678', 'robi'],
    ['tel:+8801912345678', 'banglalink'],
    ['tel:+8801412345678', 'banglalink'],
    ['tel:+8801512345678', 'teletalk'],
    ['tel:+6328123456', 'other'],
    ['tel:+14155550100', 'other'],
    ['telegram:12345', 'other'],
  ])('reads %s as %s (longest prefix wins)', (address, network) => {
    expect(networkOf(address)).toBe(network);
  });
});

describe('SMS_ROUTES', () => {
  const on = ['infobip', 'globelabs', 'semaphore'];

  it('without a value is every provider that is on, for everything, in the fixed order', () => {
    const routes = parseRoutes(undefined, on);
    expect(routesFor(routes, 'smart', 'broadcast').map((route) => route.provider)).toEqual(on);
    expect(routesFor(routes, 'other', 'emergency').map((route) => route.provider)).toEqual(on);
  });

  it('chooses by network, then kind, then cost, then priority', () => {
    const routes = parseRoutes(
      'globelabs networks=globe cost=0.20; infobip networks=smart,dito,globe kinds=reply,status,emergency cost=0.30 distrust=smart; semaphore cost=0.30 priority=0',
      on,
    );
    expect(routesFor(routes, 'globe', 'broadcast').map((route) => route.provider)).toEqual(['globelabs', 'semaphore']);
    expect(routesFor(routes, 'smart', 'status').map((route) => route.provider)).toEqual(['semaphore', 'infobip']);
    expect(routesFor(routes, 'smart', 'broadcast').map((route) => route.provider)).toEqual(['semaphore']);
    expect(routes[1].distrust.has('smart')).toBe(true);
  });

  it.each([
    ['twilio networks=globe', 'route 1 (twilio): not an SMS provider that is on (on: infobip, globelabs, semaphore)'],
    ['infobip networks=globe,airtel', 'route 1 (infobip): networks: airtel is not one of'],
    ['infobip; semaphore kinds=promo', 'route 2 (semaphore): kinds: promo is not one of reply, status, broadcast, emergency'],
    ['infobip cost=cheap', 'route 1 (infobip): cost must be a number of at least 0'],
    ['infobip speed=9', 'route 1 (infobip): unknown setting "speed"'],
  ])('refuses %s, naming the setting and the route', (text, message) => {
    expect(() => parseRoutes(text, on)).toThrow(`SMS_ROUTES: ${message}`);
  });

  it('reads a USSD notice as a reply and an emergency broadcast as an emergency', () => {
    expect(routeKind('notice', 1)).toBe('reply');
    expect(routeKind('broadcast', 4)).toBe('emergency');
    expect(routeKind('broadcast', 5)).toBe('broadcast');
    expect(routeKind('status', 2)).toBe('status');
  });
});
