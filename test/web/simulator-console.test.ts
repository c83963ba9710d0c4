import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/console/session';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { CLI_ACTOR } from '../../src/services/access';
import { newReference } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { optionNumber, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { ARTIFACTS, axeFindings, fitsWidth, launchChromium, LoadMeter, screenshot, type AxeFinding } from './browser';

/**
 * The simulator and the console in a real browser (Debian's Chromium, headless): a citizen's
 * USSD journey ends in a request; an officer moves it on and the simulator's inbox gets the
 * update; a broadcast composed, approved by a second officer and sent arrives in the inbox.
 * Every page's first visit is weighed (under 200 KB), laid out 360 px wide (no sideways
 * scrolling) and checked by axe-core. Screenshots of each step go to test-artifacts/web/.
 * One records backend (PostgreSQL when reachable, else PGlite) keeps it well under a minute.
 */
jest.setTimeout(40_000);

const PHONE_NUMBER = '+639171239001';
const PAGE_BUDGET = 200 * 1024;
const PHONE_VIEWPORT = { width: 360, height: 780 };
const DESK_VIEWPORT = { width: 1280, height: 900 };

const backend = databaseBackends().at(-1)!;

let context: AppContext;
let server: Server;
let base = '';
let browser: Browser;
let phone: LoadMeter;
let officerA: LoadMeter;
let officerB: LoadMeter;
const keys: string[] = [];
let reference = '';
let topicName = '';

/** What each page showed on its first visit: bytes, fit at 360 px, axe-core's findings. */
const weights: Record<string, number> = {};
const tooWide: string[] = [];
const accessibility: Record<string, AxeFinding[]> = {};
/** Script errors and console errors (a CSP refusal, a failed load) of every page. */
const pageProblems: string[] = [];

async function openPage(viewport: { width: number; height: number }): Promise<LoadMeter> {
  const page = await (await browser.newContext({ viewport })).newPage();
  page.on('pageerror', (error) => pageProblems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageProblems.push(`${page.url()}: ${message.text()}`);
  });
  return LoadMeter.attach(page);
}

/** A page's first visit: weighed, laid out at 360 px and, when it is settled, checked by axe. */
async function firstVisit(meter: LoadMeter, name: string, route: string): Promise<void> {
  weights[name] = await meter.visit(`${base}${route}`);
  const width = await fitsWidth(meter.page);
  if (!width.fits) tooWide.push(`${name}: ${width.scrollWidth} px`);
}

async function checkAccessibility(name: string, page: Page): Promise<void> {
  accessibility[name] = await axeFindings(page);
}

const screenOf = () => phone.page.locator('#ussd-text').innerText();

/** Types an answer on the simulated phone and presses Send; returns the next screen. */
async function answer(input: string): Promise<string> {
  const before = await screenOf();
  await phone.page.fill('#ussd-input', input);
  await phone.page.click('#ussd-send');
  await phone.page.waitForFunction((previous) => document.getElementById('ussd-text')?.textContent !== previous, before);
  return screenOf();
}

/** Chooses the option with this label on the current screen. */
async function choose(label: string | RegExp): Promise<string> {
  return answer(optionNumber(await screenOf(), label));
}

/** Signs in through the form with an API key. */
async function signIn(officer: LoadMeter, key: string): Promise<void> {
  await officer.page.fill('#key', key);
  await officer.page.click('button[type="submit"]');
  await officer.page.waitForURL(/\/console$/);
}

/** The flash message after a form, once it shows. */
async function flashOf(page: Page): Promise<string> {
  return page.locator('.flash').innerText();
}

/** Services whose past requests are seeded, so the dashboard has a month to chart. */
const HISTORY_SERVICES = ['mssd-aics', 'mssd-social-pension', 'mssd-pwd-id', 'mssd-relief'];
let history: Record<string, number> = {};

/**
 * Three weeks of closed requests before today, from one citizen, in three municipalities:
 * what a ministry's dashboard looks like after a while. Returns the count per service.
 */
async function seedHistory(db: Database): Promise<Record<string, number>> {
  const [{ id: citizenId }] = await db.query<{ id: string }>(`INSERT INTO citizens (locale) VALUES ('en') RETURNING id`);
  const places = (await db.query<{ code: string }>('SELECT code FROM municipalities ORDER BY code LIMIT 3')).map((row) => row.code);
  const counts: Record<string, number> = Object.fromEntries(HISTORY_SERVICES.map((service) => [service, 0]));
  const rows: unknown[][] = [];
  for (let day = 1; day <= 21; day++) {
    HISTORY_SERVICES.forEach((service, index) => {
      for (let n = 0; n < (day * (index + 2) + index) % 5; n++) {
        counts[service]++;
        rows.push([newReference(), citizenId, service, JSON.stringify({ municipality: places[(day + n + index) % places.length] }), day]);
      }
    });
  }
  const values = rows.map((_, row) => `($${row * 5 + 1}, $${row * 5 + 2}, $${row * 5 + 3}, $${row * 5 + 4}, 'closed', 'ussd', now() - make_interval(days => $${row * 5 + 5}), now())`);
  await db.query(`INSERT INTO requests (reference, citizen_id, service_code, answers, status, channel, created_at, updated_at) VALUES ${values.join(', ')}`, rows.flat());
  return counts;
}

beforeAll(async () => {
  const started = (async () => {
    const db = await backend.open();
    ({ context } = await startLingkod(db, { BROADCAST_QUIET_HOURS: 'off', BROADCAST_APPROVAL_THRESHOLD: '0' }));
    history = await seedHistory(db);
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    context.dispatcher.start();
    for (const name of ['Officer A', 'Officer B']) keys.push((await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name, holder: name }, 'cli')).key);
  })();
  [browser] = await Promise.all([launchChromium(), started]);
  [phone, officerA, officerB] = await Promise.all([openPage(PHONE_VIEWPORT), openPage(DESK_VIEWPORT), openPage(DESK_VIEWPORT)]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await context?.close();
});

describe(`the simulator and the console in Chromium, records on ${backend.name}`, () => {
  it('a citizen dials USSD in the simulator on a 360 px phone and submits a request', async () => {
    const page = phone.page;
    await firstVisit(phone, 'simulator', '/simulator');
    await checkAccessibility('simulator', page);
    await page.fill('#phone', PHONE_NUMBER);
    await page.selectOption('#locale', 'en');
    await page.click('#settings button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('settings-status')?.textContent?.startsWith('Using'));
    await screenshot(page, '01-simulator');

    // Dial *347# on the keypad.
    await page.fill('#ussd-input', '');
    for (const key of ['*', '3', '4', '7', '#']) await page.click(`.key[data-key="${key}"]`);
    await page.click('#ussd-send');
    await page.waitForFunction(() => document.getElementById('ussd-text')?.textContent?.includes('Services'));
    expect(await page.locator('#ussd-network').innerText()).toMatch(/^CON · \d+ of 182 GSM-7 characters$/);
    await screenshot(page, '02-simulator-menu', { name: 'simulator-ussd', selector: '.phone' });

    // Follow a topic first, so the broadcast below reaches this phone and the request made next
    // records the municipality chosen here (its form asks none).
    await choose('Announcements');
    await choose('Follow a topic');
    topicName = /^1 (.+)$/m.exec(await screenOf())?.[1] ?? '';
    await answer('1');
    await choose('Cotabato City');
    expect(await answer('1')).toContain(`You will get ${topicName} announcements`);

    // Dial again and apply for a service.
    await page.click('#ussd-send');
    await page.waitForFunction(() => document.getElementById('ussd-text')?.textContent?.includes('Services'));
    await choose('Services');
    await choose('Social welfare');
    await choose('Crisis assistance');
    await choose('Apply now');
    await answer('Amina Datu');
    await answer('5');
    await choose('Medical');
    expect(await screenOf()).toContain('Full name: Amina Datu');
    await screenshot(page, '03-simulator-review');
    const done = await choose('Submit');
    expect(await page.locator('#ussd-network').innerText()).toMatch(/^END · /);
    reference = /(\d{4}-\d{4}-\d{3})/.exec(done)?.[1] ?? '';
    expect(reference).not.toBe('');
    await screenshot(page, '04-simulator-submitted');
  });

  it('texts and chats from the keyboard alone: SMS replies show their parts, chat replies their buttons', async () => {
    const page = phone.page;
    await page.focus('#tab-ussd');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-sms');
    expect(await page.isVisible('#panel-sms')).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sms-input');
    await page.keyboard.type('MENU');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const reply = page.locator('#sms-thread li.in').first();
    await reply.waitFor();
    expect(await reply.innerText()).toMatch(/Lingkod - government services[\s\S]*\n\d SMS · GSM-7 · \d+ characters$/);
    await screenshot(page, '05a-simulator-sms');

    await page.focus('#tab-sms');
    await page.keyboard.press('ArrowRight');
    expect(await page.isVisible('#panel-chat')).toBe(true);
    await page.focus('#chat-buttons button');
    await page.keyboard.press('Enter');
    const services = page.locator('#chat-buttons button', { hasText: 'Services' });
    await services.waitFor();
    await services.focus();
    await page.keyboard.press('Enter');
    await page.locator('#chat-buttons button', { hasText: 'Health' }).waitFor();
    expect(await page.locator('#chat-thread li.in').last().innerText()).toContain('Choose a category');
    await screenshot(page, '05b-simulator-chat', { name: 'simulator-chat', selector: '.phone' });
    await page.focus('#tab-chat');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.isVisible('#panel-ussd')).toBe(true);
  });

  it('an officer signs in with an API key, finds the request and moves it on; the simulator inbox gets the update', async () => {
    const page = officerA.page;
    // Not signed in: the console sends the officer to the sign-in form.
    await firstVisit(officerA, 'login', '/console/requests');
    expect(page.url()).toBe(`${base}/console/login`);
    await checkAccessibility('login', page);
    await screenshot(page, '05-console-login');
    await signIn(officerA, keys[0]);
    const cookie = (await page.context().cookies()).find((candidate) => candidate.name === SESSION_COOKIE);
    expect(cookie).toEqual(expect.objectContaining({ httpOnly: true, sameSite: 'Strict', path: '/console' }));

    await firstVisit(officerA, 'requests', '/console/requests');
    // The first Tab reaches the skip link, which moves focus past the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.selectOption('#f-status', 'received');
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/status=received/);
    await checkAccessibility('requests', page);
    await screenshot(page, '06-console-requests', { name: 'console-requests' });
    const link = page.locator(`a:has-text("${reference}")`);
    const detail = (await link.getAttribute('href')) ?? '';
    expect(detail).toBe(`/console/requests/${reference.replace(/-/g, '')}`);
    await firstVisit(officerA, 'request', detail);
    expect(await page.locator('main').innerText()).toContain('Amina Datu');
    expect(await page.locator('.facts').first().innerText()).toContain('Municipality\nCotabato City');
    await checkAccessibility('request', page);

    await page.selectOption('#status', 'in_review');
    await page.fill('#note', 'Please bring your barangay certificate.');
    await page.click('button:has-text("Change status")');
    await page.waitForSelector('.flash');
    expect(await flashOf(page)).toContain('The citizen will be told by simulator.');
    await screenshot(page, '07-console-status-changed', { name: 'console-request' });

    const update = phone.page.locator('#inbox-list li', { hasText: 'In review' });
    await update.waitFor({ timeout: 10_000 });
    expect(await update.innerText()).toContain('Please bring your barangay certificate.');
    await screenshot(phone.page, '08-simulator-inbox-status');
  });

  it('a broadcast composed with a live preview, approved by a second officer and sent, arrives in the simulator inbox', async () => {
    const page = officerA.page;
    await firstVisit(officerA, 'compose', '/console/broadcasts/new');
    await page.selectOption('#b-topic', { label: topicName });
    await page.fill('#b-text-en', 'Scholarship forms are available at the municipal hall until Friday.');
    await page.waitForSelector('#preview [data-recipients="1"]');
    expect(await page.locator('#preview').innerText()).toMatch(/Approval\s+needed/);
    expect(await page.locator('#preview [data-segments="en"]').innerText()).toBe('1');
    await checkAccessibility('compose', page);
    await screenshot(page, '09-console-compose', { name: 'console-broadcast-compose' });
    await page.click('button:has-text("Send broadcast")');
    await page.waitForSelector('.flash');
    expect(await flashOf(page)).toContain("waiting for a second officer's approval");
    const broadcast = new URL(page.url()).pathname;
    // The officer who drafted it cannot approve it.
    await page.click('button:has-text("Approve")');
    await page.waitForSelector('.flash');
    expect(await flashOf(page)).toContain('a second person must approve');

    const second = officerB.page;
    await second.goto(`${base}/console/login`);
    await signIn(officerB, keys[1]);
    await firstVisit(officerB, 'dashboard', '/console');
    await second.click(`a[href="${broadcast}"]`);
    await checkAccessibility('broadcast', second);
    await second.click('button:has-text("Approve")');
    await second.waitForSelector('.flash');
    await second.waitForFunction(() => document.getElementById('progress-status')?.textContent?.startsWith('completed'), undefined, { timeout: 10_000 });
    expect(await second.locator('#progress-bar').evaluate((bar: HTMLProgressElement) => [bar.value, bar.max])).toEqual([1, 1]);

    const announcement = phone.page.locator('#inbox-list li', { hasText: 'Scholarship forms are available' });
    await announcement.waitFor({ timeout: 10_000 });
    expect(await announcement.innerText()).toContain('Announcement');
    // The phone's inbox showed it, so the simulator reports it delivered: the console, still
    // following receipts after "completed", counts it without a reload.
    await second.waitForFunction(() => document.querySelector('[data-count="delivered"]')?.textContent === '1', undefined, { timeout: 10_000 });
    await second.waitForFunction(() => document.getElementById('progress-status')?.textContent === 'completed', undefined, { timeout: 10_000 });
    await screenshot(second, '10-console-broadcast-sent', { name: 'console-broadcast-progress' });
    await screenshot(phone.page, '11-simulator-inbox-broadcast', { name: 'simulator-inbox', selector: '.inbox' });
  });

  it('a broadcast waiting for approval can be stopped, and is never sent', async () => {
    const page = officerA.page;
    await page.goto(`${base}/console/broadcasts/new`);
    await page.selectOption('#b-topic', { label: topicName });
    await page.fill('#b-text-en', 'This one is stopped before it goes out.');
    await page.waitForSelector('#preview [data-recipients="1"]');
    await page.click('button:has-text("Send broadcast")');
    await page.waitForSelector('.flash');
    await page.click('button:has-text("Stop")');
    // Stop asks first, on a page of its own.
    await page.waitForSelector('h1:has-text("Stop broadcast")');
    await page.click('button:has-text("Yes, stop it")');
    await page.waitForSelector('.flash');
    expect(await flashOf(page)).toContain('Stopped.');
    expect(await page.locator('#progress-status').innerText()).toBe('stopped: 0 sent, 0 cancelled');
    await screenshot(page, '12-console-broadcast-stopped');
    await firstVisit(officerA, 'broadcasts', '/console/broadcasts');
    await checkAccessibility('broadcasts', page);
  });

  it('the dashboard charts requests per service and per municipality, and the audit log shows each change', async () => {
    const page = officerA.page;
    await page.goto(`${base}/console`);
    await expect(page.locator('figure.chart svg[role="img"]').count()).resolves.toBe(2);
    // Three weeks of history and today's request.
    expect(await page.locator('.legend').first().innerText()).toContain(`Crisis assistance (AICS) (${history['mssd-aics'] + 1})`);
    await checkAccessibility('dashboard', page);
    await screenshot(page, '13-console-dashboard', { name: 'console-dashboard' });

    await firstVisit(officerA, 'audit', '/console/audit');
    const log = await page.locator('main table').innerText();
    for (const action of ['request.status', 'broadcast.create', 'broadcast.schedule', 'broadcast.approve', 'broadcast.stop']) expect(log).toContain(action);
    await checkAccessibility('audit', page);
    await screenshot(page, '14-console-audit');
  });

  it('no page has a script error or a console error (a CSP refusal would be one)', () => {
    expect(pageProblems).toEqual([]);
  });

  it('axe-core finds no accessibility violations on any page', () => {
    const pages = ['audit', 'broadcast', 'broadcasts', 'compose', 'dashboard', 'login', 'request', 'requests', 'simulator'];
    expect(Object.keys(accessibility).sort()).toEqual(pages);
    expect(accessibility).toEqual(Object.fromEntries(pages.map((name) => [name, []])));
  });

  it('every page transfers under 200 KB on a first visit and fits 360 px without sideways scrolling', () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'page-weights.json'), `${JSON.stringify(weights, null, 2)}\n`);
    expect(Object.keys(weights).sort()).toEqual(['audit', 'broadcasts', 'compose', 'dashboard', 'login', 'request', 'requests', 'simulator']);
    for (const [name, bytes] of Object.entries(weights)) {
      expect({ name, underBudget: bytes > 1000 && bytes < PAGE_BUDGET }).toEqual({ name, underBudget: true });
    }
    expect(tooWide).toEqual([]);
  });
});
