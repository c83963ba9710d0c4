import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Browser, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { UssdPhone, optionNumber, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { fitsWidth, launchChromium, screenshot } from './browser';

/**
 * A citizen applying in Filipino and in Bangla, in the simulator in Chromium on a 360 × 640
 * phone, as issue 18 found them: the last screen of a request must show its reference on the
 * one page it has (an END screen cannot be paged), within the USSD limit of its encoding. The
 * keys pressed are those an English caller presses (option numbers are the same in every
 * language); the README's screenshots of each language come from here.
 */
jest.setTimeout(60_000);

const SMALL_PHONE = { width: 360, height: 640 };
const backend = databaseBackends().at(-1)!;

let context: AppContext;
let server: Server;
let base = '';
let browser: Browser;
/** The keys an English caller presses from the main menu to a submitted request. */
let keys: string[] = [];

/** The keys of the journey, learnt from an English caller over HTTP. */
async function englishKeys(app: Express): Promise<string[]> {
  const caller = new UssdPhone(app, '+639171239301');
  await caller.dial();
  await caller.press(optionNumber(caller.last, 'English'));
  const pressed: string[] = [];
  const press = async (input: string) => {
    pressed.push(input);
    return caller.press(input);
  };
  for (const label of ['Services', 'Social welfare', 'Crisis assistance', 'Apply now']) await press(optionNumber(caller.last, label));
  await press('Amina Datu');
  await press('5');
  await press(optionNumber(caller.last, 'Medical'));
  expect(await press(optionNumber(caller.last, 'Submit'))).toMatch(/^END .*\d{4}-\d{4}-\d{3}/s);
  return pressed;
}

beforeAll(async () => {
  const started = (async () => {
    const db = await backend.open();
    const lingkod = await startLingkod(db, { SIMULATOR: 'on' });
    context = lingkod.context;
    keys = await englishKeys(lingkod.app);
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  })();
  [browser] = await Promise.all([launchChromium(), started]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await context?.close();
});

const screenOf = (page: Page) => page.locator('#ussd-text').innerText();

async function send(page: Page, input: string): Promise<string> {
  const before = await screenOf(page);
  await page.fill('#ussd-input', input);
  await page.click('#ussd-send');
  await page.waitForFunction((previous) => document.getElementById('ussd-text')?.textContent !== previous, before);
  return screenOf(page);
}

describe.each([
  { locale: 'fil', number: '+639171239302', limit: 182 },
  { locale: 'bn', number: '+639171239303', limit: 80 },
])(`a citizen applying in $locale, in Chromium at 360 × 640 (records on ${backend.name})`, ({ locale, number, limit }) => {
  it('walks to a submitted request and sees its reference on the last screen, within one USSD page', async () => {
    const page = await (await browser.newContext({ viewport: SMALL_PHONE })).newPage();
    try {
      await page.goto(`${base}/simulator`);
      await page.fill('#phone', number);
      await page.selectOption('#locale', locale);
      await page.click('#settings button[type="submit"]');
      await page.waitForFunction(() => document.getElementById('settings-status')?.textContent?.startsWith('Using'));
      await page.fill('#ussd-input', '*347#');
      await page.click('#ussd-send');
      await page.waitForFunction(() => (document.getElementById('ussd-text')?.textContent ?? '').length > 0);
      await screenshot(page, `30-simulator-menu-${locale}`, { name: `simulator-ussd-${locale}`, selector: '.phone' });
      let last = '';
      for (const key of keys) last = await send(page, key);
      expect(await page.locator('#ussd-network').innerText()).toMatch(/^END · /);
      expect(last).toMatch(/\d{4}-\d{4}-\d{3}/);
      expect(last).not.toMatch(/^98 /m);
      expect(last.length).toBeLessThanOrEqual(limit);
      expect((await fitsWidth(page)).fits).toBe(true);
      await screenshot(page, `31-simulator-submitted-${locale}`, { name: `simulator-submitted-${locale}`, selector: '.phone' });
    } finally {
      await page.context().close();
    }
  });
});
