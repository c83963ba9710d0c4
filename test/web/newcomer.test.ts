import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { CLI_ACTOR } from '../../src/services/access';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { axeFindings, fitsWidth, launchChromium, screenshot } from './browser';

/**
 * What a newcomer meets first, in Chromium on a 360 × 640 phone: the front page (where to go),
 * the simulator with its Call key on the first screen and links to the console (and back), and
 * a new inbox message announced by a live region, though the inbox is below the phone.
 */
jest.setTimeout(60_000);

const SMALL_PHONE = { width: 360, height: 640 };
const backend = databaseBackends().at(-1)!;

let context: AppContext;
let server: Server;
let base = '';
let browser: Browser;
let key = '';
const problems: string[] = [];

async function openPage(): Promise<{ page: Page; browserContext: BrowserContext }> {
  const browserContext = await browser.newContext({ viewport: SMALL_PHONE });
  const page = await browserContext.newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  return { page, browserContext };
}

beforeAll(async () => {
  const started = (async () => {
    const db = await backend.open();
    ({ context } = await startLingkod(db, { SIMULATOR: 'on' }));
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    key = (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'Newcomer', holder: 'Newcomer Officer' }, 'cli')).key;
  })();
  [browser] = await Promise.all([launchChromium(), started]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await context?.close();
});

describe(`a newcomer's first pages in Chromium at 360 × 640, records on ${backend.name}`, () => {
  it('the front page says what this is and where to go, fits 360 px, and its links lead there', async () => {
    const { page, browserContext } = await openPage();
    try {
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      await expect(page.locator('h1').innerText()).resolves.toBe('Lingkod');
      const width = await fitsWidth(page, 360);
      expect(width).toEqual({ fits: true, scrollWidth: expect.any(Number) });
      expect(await axeFindings(page)).toEqual([]);
      for (const name of ['Phone simulator', "Ministries' console", 'API document', 'Health']) await expect(page.getByRole('link', { name, exact: true }).count()).resolves.toBe(1);
      await screenshot(page, '20-front-page');
      await page.getByRole('link', { name: 'Phone simulator', exact: true }).click();
      await page.waitForURL(/\/simulator$/);
      await page.goBack();
      await page.getByRole('link', { name: "Ministries' console", exact: true }).click();
      await page.waitForURL(/\/console\/login$/);
    } finally {
      await browserContext.close();
    }
  });

  it("the simulator's Call key is on the first screen, before and after dialling, and the page fits 360 px", async () => {
    const { page, browserContext } = await openPage();
    try {
      await page.goto(`${base}/simulator`);
      const call = page.locator('#ussd-send');
      const before = await call.boundingBox();
      expect(before).not.toBeNull();
      expect(before!.y + before!.height).toBeLessThanOrEqual(SMALL_PHONE.height);
      // The keypad starts on the first screen too.
      const one = await page.locator('.key[data-key="1"]').boundingBox();
      expect(one!.y).toBeLessThan(SMALL_PHONE.height);
      expect((await fitsWidth(page, 360)).fits).toBe(true);
      await screenshot(page, '21-simulator-first-screen');

      // A menu on the screen: Call (to answer) is still there without scrolling.
      await page.click('#ussd-send');
      await page.waitForFunction(() => !document.getElementById('ussd-text')?.textContent?.startsWith('Dial '));
      await page.waitForFunction(() => document.getElementById('ussd-network')?.textContent?.startsWith('CON'));
      const after = await call.boundingBox();
      expect(after!.y + after!.height).toBeLessThanOrEqual(SMALL_PHONE.height);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      await screenshot(page, '22-simulator-menu-first-screen');
      // A longer menu (Services: every category) too.
      await page.fill('#ussd-input', '1');
      const menu = await page.locator('#ussd-text').innerText();
      await page.click('#ussd-send');
      await page.waitForFunction((previous) => document.getElementById('ussd-text')?.textContent !== previous, menu);
      const longer = await call.boundingBox();
      expect(longer!.y + longer!.height).toBeLessThanOrEqual(SMALL_PHONE.height);
      expect(await axeFindings(page)).toEqual([]);
    } finally {
      await browserContext.close();
    }
  });

  it('the simulator links to the console, and the console (before and after sign-in) back to the simulator', async () => {
    const { page, browserContext } = await openPage();
    try {
      await page.goto(`${base}/simulator`);
      await page.getByRole('link', { name: "Ministries' console" }).click();
      await page.waitForURL(/\/console\/login$/);
      await expect(page.getByRole('link', { name: 'Phone simulator' }).count()).resolves.toBe(1);
      await page.fill('#key', key);
      await page.click('button[type="submit"]');
      await page.waitForURL(/\/console$/);
      await expect(page.locator('header').getByRole('link', { name: 'Phone simulator' }).count()).resolves.toBe(1);
      expect((await fitsWidth(page, 360)).fits).toBe(true);
      await page.locator('header').getByRole('link', { name: 'Phone simulator' }).click();
      await page.waitForURL(/\/simulator$/);
    } finally {
      await browserContext.close();
    }
  });

  it('a new inbox message is announced by a live region and counted on the Inbox link', async () => {
    const { page, browserContext } = await openPage();
    try {
      const firstPoll = page.waitForResponse((response) => response.url().endsWith('/simulator/inbox'));
      await page.goto(`${base}/simulator`);
      await firstPoll;
      const announcer = page.locator('#inbox-announce');
      await expect(announcer.getAttribute('role')).resolves.toBe('status');
      await expect(announcer.getAttribute('aria-live')).resolves.toBe('polite');
      await expect(announcer.textContent()).resolves.toBe('');
      const number = await page.inputValue('#phone');
      await context.db.query('INSERT INTO simulator_inbox (address, body) VALUES ($1, $2)', [`sim:${number}`, 'Your request 1234-5678-901 is ready for pickup.']);
      await page.waitForFunction(() => (document.getElementById('inbox-announce')?.textContent ?? '').includes('ready for pickup'));
      await expect(announcer.textContent()).resolves.toBe('New message in the inbox. Message: Your request 1234-5678-901 is ready for pickup.');
      // The inbox is below the phone at 360 px: the link at the top counts what is new there.
      await expect(page.locator('#inbox-link').innerText()).resolves.toBe('Inbox (1 new)');
      // The accessibility tree has it as a status that a screen reader reads out.
      const snapshot = await page.locator('main').ariaSnapshot();
      expect(snapshot).toContain('- status: "New message in the inbox. Message: Your request 1234-5678-901 is ready for pickup."');
      await page.click('#inbox-link');
      await expect(page.locator('#inbox-link').innerText()).resolves.toBe('Inbox');
      await expect(page.locator('#inbox-list li').count()).resolves.toBe(1);
    } finally {
      await browserContext.close();
    }
  });

  it('no page had a script error or a console error', () => {
    expect(problems).toEqual([]);
  });
});
