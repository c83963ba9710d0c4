import { UssdPhone } from '../support/app';
import { ussdJourney, type UssdScreen } from '../support/ussd-journey';

/** Africa's Talking's CON/END answer as a screen. */
const screenOf = (reply: string): UssdScreen => ({ text: reply.replace(/^(CON|END) /, ''), final: reply.startsWith('END ') });

ussdJourney("Africa's Talking", ({ app }, number) => {
  const phone = new UssdPhone(app, number);
  return { dial: async () => screenOf(await phone.dial()), press: async (input) => screenOf(await phone.press(input)) };
});
