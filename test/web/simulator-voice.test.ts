import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { axeFindings, fitsWidth, launchChromium, screenshot } from './browser';

/**
 * The simulator's voice tab in a real browser (Debian's Chromium, headless), 360 px wide: a
 * call is placed, each prompt is shown and handed to the browser's speech synthesis in its
 * language, and the keypad answers as a phone's does (one key for a short menu, `0` back).
 * axe-core finds nothing, and nothing is wider than the phone.
 */
jest.setTimeout(40_000);

let context: AppContext;
let server: Server;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  const started = (async () => {
    ({ context } = await startLingkod(await databaseBackends()[0].open()));
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  })();
  [browser] = await Promise.all([launchChromium(), started]);
  page = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  // What the page asks the browser to say, recorded instead of spoken (a headless browser has no voices).
  await page.addInitScript(() => {
    const spoken: { text: string; lang: string }[] = [];
    (window as unknown as { spoken: typeof spoken }).spoken = spoken;
    window.speechSynthesis.speak = (utterance: SpeechSynthesisUtterance) => {
      spoken.push({ text: utterance.text, lang: utterance.lang });
    };
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await context?.close();
});

const shown = () => page.locator('#voice-text').innerText();
const spoken = () => page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken.splice(0));

/** Presses `keys` on the simulated keypad, and waits for the next prompt. */
async function press(keys: string): Promise<string> {
  const before = await shown();
  for (const key of keys) await page.click(`[data-voice-key="${key}"]`);
  await page.waitForFunction((previous) => document.getElementById('voice-text')?.textContent !== previous, before);
  return shown();
}
/** The keys of the option with `label` on a prompt ("Press 1 for …", or in the option's own language). */
const keysOf = (prompt: string, label: string) => /\d(?: \d)*/.exec((prompt.split('\n').find((line) => line.includes(label)) ?? '').replace(label, ''))![0].replace(/ /g, '');

it('places a call, shows and speaks each prompt in its language, and answers from the keypad', async () => {
  const address = server.address() as AddressInfo;
  await page.goto(`http://127.0.0.1:${address.port}/simulator`);
  await page.click('#tab-voice');
  await page.click('#voice-call');
  await page.waitForFunction(() => document.getElementById('voice-text')?.textContent?.includes('Choose your language'));
  const language = await shown();
  expect(language).toMatch(/^Welcome to Lingkod\./);
  expect((await spoken()).map((utterance) => utterance.lang)).toContain('en-US');
  const menu = await press(keysOf(language, 'English'));
  expect(menu).toMatch(/^Lingkod - government services\nPress 1 for Services\./);
  expect(await page.locator('#voice-status').innerText()).toBe('Press a key.');
  const categories = await press(keysOf(menu, 'Services'));
  expect(categories).toContain('To go back, press 0.');
  expect(await press('0')).toMatch(/^Lingkod - government services/);
  // A Filipino caller hears Filipino, spoken as fil-PH.
  await press(keysOf(await shown(), 'Language'));
  await spoken();
  const filipino = await press(keysOf(await shown(), 'Filipino'));
  expect(filipino).toContain('Pindutin ang 1 para sa Mga serbisyo.');
  expect((await spoken()).every((utterance) => utterance.lang === 'fil-PH')).toBe(true);
  await screenshot(page, 'simulator-voice');

  expect(await axeFindings(page)).toEqual([]);
  expect(await fitsWidth(page)).toEqual({ fits: true, scrollWidth: expect.any(Number) });
  expect(problems).toEqual([]);
});
