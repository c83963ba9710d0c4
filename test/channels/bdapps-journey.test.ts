import { FakeTap, type ReceivedMt } from '../support/fake-tap';
import { ussdJourney, type UssdScreen } from '../support/ussd-journey';
import { TapPhone } from '../support/tap-phone';

/** hSenid TAP's MT as a screen: its message, and `mt-fin` ends the session. */
const screenOf = (mt: ReceivedMt): UssdScreen => ({ text: mt.message, final: mt.ussdOperation === 'mt-fin' });

// The fake platform starts before the journey's own set-up reads `env` (a parent's beforeAll runs first).
const tap: { fake?: FakeTap } = {};
const env: Record<string, string> = {};
beforeAll(async () => {
  tap.fake = await FakeTap.start();
  Object.assign(env, tap.fake.env());
});
afterAll(async () => {
  await tap.fake?.close();
});

ussdJourney('hSenid TAP (bdapps, Applink)', ({ app }, number) => {
  const phone = new TapPhone(app, tap.fake!, `tel:${number.replace(/^\+/, '')}`);
  return { dial: async () => screenOf(await phone.dial()), press: async (input) => screenOf(await phone.press(input)) };
}, env);
