import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { CLI_ACTOR } from '../../src/services/access';
import { formatReference } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { smsAndTelegram } from '../support/ministries';
import { databaseBackends } from '../support/stores';
import { axeFindings, fitsWidth, launchChromium, screenshot, type AxeFinding } from './browser';

/**
 * The desk in the console on a 360 px phone in Chromium: the queue raises a flagged thread to
 * the top and shows its targets; a thread shows the phone masked (none for an anonymous one);
 * the reply counter says how many SMS parts the reply takes as sent; a reply, a note, a move and
 * a close each do what they say. Every page passes axe-core and fits 360 px.
 */
jest.setTimeout(60_000);

const PHONE = { width: 360, height: 780 };
const backend = databaseBackends().at(-1)!;

let db: Database;
let context: AppContext;
let server: Server;
let base = '';
let browser: Browser;
let page: Page;
let calm = '';
let urgent = '';
let anonymous = '';
const problems: string[] = [];
const accessibility: Record<string, AxeFinding[]> = {};
const tooWide: string[] = [];

async function check(name: string): Promise<void> {
  accessibility[name] = await axeFindings(page);
  const width = await fitsWidth(page, PHONE.width);
  if (!width.fits) tooWide.push(`${name}: ${width.scrollWidth} px`);
}

beforeAll(async () => {
  const started = (async () => {
    db = await backend.open();
    ({ context } = await startLingkod(db, {}, { now: () => new Date(), extraChannels: [smsAndTelegram().sms] }));
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = async (phone: string, text: string, isAnonymous = false) => {
      const citizen = await context.citizens.findOrCreate(phone, 'sms');
      await context.citizens.setLocale(citizen.id, 'en');
      return (await context.admin.threads.file({ citizenId: citizen.id, channel: 'sms', categoryCode: 'health', municipalityCode: 'bas-lamitan', text, anonymous: isAnonymous })).reference;
    };
    calm = await file('tel:+639171270001', 'The clinic opens late every day');
    urgent = await file('tel:+639171270002', 'Someone threatened to kill the midwife');
    anonymous = await file('tel:+639171270003', 'The nurse asks for money', true);
  })();
  [browser] = await Promise.all([launchChromium(), started]);
  page = await (await browser.newContext({ viewport: PHONE })).newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  const key = (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'moh', name: 'Desk officer', holder: 'Nurse Amina' }, 'cli')).key;
  await page.goto(`${base}/console/login`);
  await page.fill('#key', key);
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/console$/);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await context?.close();
});

describe(`the desk on a 360 px phone, records on ${backend.name}`, () => {
  it('lists the flagged thread first, with its targets, and the measures per office', async () => {
    await page.click('nav >> text=Desk');
    await page.waitForURL(/\/console\/desk$/);
    const rows = page.locator('table[aria-label], tbody tr');
    const first = await page.locator('tbody tr').first().innerText();
    expect(first).toContain(formatReference(urgent));
    expect(first).toContain('flagged');
    expect(first).toMatch(/in \d+ h|in \d+ min/);
    expect(await rows.count()).toBeGreaterThan(3);
    expect(await page.locator('#measures-title + .table-wrap').innerText()).toMatch(/Ministry of Health · Lamitan City \(Basilan\)\s+3\s+3\s+1\s+0/);
    await check('queue');
    await screenshot(page, 'desk-01-queue');
  });

  it('shows a named thread with the phone masked and an anonymous one with none', async () => {
    await page.goto(`${base}/console/desk/${calm}`);
    const facts = await page.locator('.facts').innerText();
    expect(facts).toContain('+63917•••0001');
    expect(facts).not.toContain('1270001');
    // The Ministry of Health's canned answers, in the citizen's language.
    expect(await page.locator('details').textContent()).toContain('Free medicines are given at the rural health unit on weekdays, 8 to 5.');
    await page.goto(`${base}/console/desk/${anonymous}`);
    const hidden = await page.locator('.facts').innerText();
    expect(hidden).toContain('Anonymous');
    expect(hidden).not.toMatch(/•••|0003/);
    await check('anonymous');
  });

  it('counts the SMS parts of a reply as typed, sends it, keeps a note unsent, and closes with a resolution', async () => {
    await page.goto(`${base}/console/desk/${calm}`);
    await page.fill('#t-body', 'We spoke to the clinic: it opens at 8 from Monday.');
    await page.waitForFunction(() => document.getElementById('t-count')?.textContent?.includes('SMS part'));
    expect(await page.locator('#t-count').innerText()).toMatch(/^\d+ characters as sent, with the verification line: 1 SMS part \(GSM-7\)$/);
    await check('reply');
    await screenshot(page, 'desk-02-reply-counter');
    await page.click('button:has-text("Send reply")');
    await page.waitForSelector('.flash');
    expect(await page.locator('.flash[role="status"]').innerText()).toBe('Reply sent by sms (1 SMS part on a phone).');
    const [sent] = await db.query<{ body: string }>(`SELECT body FROM outbox WHERE address = 'tel:+639171270001' ORDER BY id DESC LIMIT 1`);
    expect(sent.body).toContain('We spoke to the clinic: it opens at 8 from Monday.');

    await page.fill('#t-body', 'Called the clinic head, Dr. Santos');
    await page.click('button:has-text("Save as internal note")');
    await page.waitForSelector('.flash');
    expect(await page.locator('.history li.internal').innerText()).toContain('Called the clinic head');
    expect((await db.query(`SELECT id FROM outbox WHERE address = 'tel:+639171270001'`)).length).toBe(1);

    await page.fill('#c-resolution', 'The clinic now opens at 8.');
    await page.click('button:has-text("Close the thread")');
    await page.waitForSelector('.flash');
    expect(await page.locator('.facts').innerText()).toContain('closed · The clinic now opens at 8.');
    await check('closed');
  });

  it('moves a thread to another ministry, audited, and it leaves the queue', async () => {
    await page.goto(`${base}/console/desk/${urgent}`);
    await page.selectOption('#a-ministry', 'mssd');
    await page.click('section[aria-labelledby="assign-title"] button[type="submit"]');
    await page.waitForURL(/\/console\/desk$/);
    expect(await page.locator('.flash[role="status"]').innerText()).toBe(`Thread ${formatReference(urgent)} moved to another ministry.`);
    expect(await page.locator('tbody').first().innerText()).not.toContain(formatReference(urgent));
    const audit = await db.query<{ ministry_code: string }>(`SELECT ministry_code FROM audit_log WHERE action = 'thread.reassign' AND target = $1 ORDER BY id`, [`thread:${urgent}`]);
    expect(audit.map((row) => row.ministry_code)).toEqual(['moh', 'mssd']);
  });

  it('shows the desk measures on the dashboard', async () => {
    await page.goto(`${base}/console`);
    expect(await page.locator('#desk-title').innerText()).toBe('Complaints and questions per office');
    await check('dashboard');
  });

  it('no script or console errors, no accessibility violations, nothing wider than 360 px', () => {
    expect(problems).toEqual([]);
    expect(accessibility).toEqual(Object.fromEntries(Object.keys(accessibility).map((name) => [name, []])));
    expect(Object.keys(accessibility)).toHaveLength(5);
    expect(tooWide).toEqual([]);
  });
});
