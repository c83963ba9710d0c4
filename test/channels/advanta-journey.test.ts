import request from 'supertest';
import { USSD_TEST_TOKEN } from '../support/app';
import { ussdJourney, type UssdScreen } from '../support/ussd-journey';

/** Advanta's CON/END answer as a screen. */
const screenOf = (reply: string): UssdScreen => ({ text: reply.replace(/^(CON|END) /, ''), final: reply.startsWith('END ') });

/**
 * A phone through Advanta: a GET per hop with SESSIONID, USSDCODE, MSISDN (no +) and INPUT,
 * the whole path so far joined by `*`, as Advanta's USSD guide shows.
 */
ussdJourney('Advanta', ({ app }, number) => {
  const session = String(Math.floor(Math.random() * 1e9));
  const path: string[] = [];
  const hop = async () => {
    const response = await request(app)
      .get('/ussd/advanta')
      .query({ token: USSD_TEST_TOKEN, SESSIONID: session, USSDCODE: '*347#', MSISDN: number.replace(/^\+/, ''), INPUT: path.join('*') });
    if (response.status !== 200) throw new Error(`Advanta hop answered ${response.status}: ${response.text}`);
    return screenOf(response.text);
  };
  return {
    dial: () => hop(),
    press: (input) => {
      path.push(input);
      return hop();
    },
  };
});
