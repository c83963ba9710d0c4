import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { CLI_ACTOR } from '../../src/services/access';
import { formatReference } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { axeFindings, fitsWidth, launchChromium, screenshot, type AxeFinding } from './browser';

/**
 * What an officer clicks in the console, on a 360 px phone in Chromium (issue 18, items 5–9):
 * the status form has no default and a rejection is confirmed; a refusal is an error in words;
 * a reference is found as typed; a broadcast held by quiet hours says until when and a Stop is
 * confirmed and shown as stopped; the compose counter counts what is sent; the audit log names
 * holders and links requests; the municipality a citizen follows is on their request.
 */
jest.setTimeout(60_000);

const PHONE = { width: 360, height: 780 };
const backend = databaseBackends().at(-1)!;

/** Quiet hours around now (Manila: whole-hour offset, no daylight saving): ordinary broadcasts are held through the test. */
const hourUtc = new Date().getUTCHours();
const pad = (hour: number) => String((hour + 48) % 24).padStart(2, '0');
const QUIET = `${pad(hourUtc + 8 - 1)}:00-${pad(hourUtc + 8 + 3)}:00 Asia/Manila`;

let db: Database;
let context: AppContext;
let server: Server;
let base = '';
let browser: Browser;
let page: Page;
let reference = '';
let placeName = '';
const problems: string[] = [];
const accessibility: Record<string, AxeFinding[]> = {};
const tooWide: string[] = [];

/** Checks the page as it stands: axe-core's findings and whether it fits 360 px. */
async function check(name: string): Promise<void> {
  accessibility[name] = await axeFindings(page);
  const width = await fitsWidth(page, PHONE.width);
  if (!width.fits) tooWide.push(`${name}: ${width.scrollWidth} px`);
}

beforeAll(async () => {
  const started = (async () => {
    db = await backend.open();
    ({ context } = await startLingkod(db, { BROADCAST_QUIET_HOURS: QUIET, BROADCAST_APPROVAL_THRESHOLD: '100' }, { now: () => new Date() }));
    server = createApp(context).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    context.dispatcher.start();
    // A citizen who follows announcements for a municipality, then asks for a service whose form asks no place.
    const [place] = await db.query<{ code: string; name: string }>(`SELECT code, name FROM municipalities WHERE name = 'Cotabato City' LIMIT 1`);
    placeName = place.name;
    const citizen = await context.citizens.findOrCreate('sim:+639171260001', 'simulator');
    await context.citizens.setLocale(citizen.id, 'en');
    await context.subscriptions.subscribe(citizen.id, 'scholarships', place.code);
    ({ reference } = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina Datu', household_size: '4', need: 'medical' }, channel: 'simulator' }));
  })();
  [browser] = await Promise.all([launchChromium(), started]);
  page = await (await browser.newContext({ viewport: PHONE })).newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  const key = (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'Phone officer', holder: 'Maria Santos' }, 'cli')).key;
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

describe(`an officer on a 360 px phone, records on ${backend.name}`, () => {
  it('finds a request by its reference as typed, with dashes, and sees the municipality the citizen follows', async () => {
    await page.goto(`${base}/console/requests`);
    await page.fill('#f-reference', formatReference(reference));
    await page.click('button:has-text("Find")');
    await page.waitForURL(new RegExp(`/console/requests/${reference}$`));
    expect(await page.locator('.facts').first().innerText()).toContain(`Municipality\n${placeName}`);
    await page.goto(`${base}/console/requests`);
    expect(await page.locator('tbody tr').first().innerText()).toContain(placeName);
    await page.fill('#f-reference', '4821-7730-95');
    await page.click('button:has-text("Find")');
    expect(await page.locator('.search [role="alert"]').innerText()).toBe('A reference has 11 digits, like 4821-7730-953.');
    await check('requests-search');
    await screenshot(page, 'officer-01-reference-search');
  });

  it('after "approved" nothing is preselected; Change status without a choice does nothing; "Rejected" is confirmed first', async () => {
    await db.query(`UPDATE requests SET status = 'approved' WHERE reference = $1`, [reference]);
    await page.goto(`${base}/console/requests/${reference}`);
    expect(await page.locator('#status').inputValue()).toBe('');
    expect(await page.locator('#status option:checked').innerText()).toBe('Choose the new status…');
    await page.click('button:has-text("Change status")');
    // The browser refuses the empty required choice: still the same page, nothing flashed, nothing changed.
    expect(await page.locator('#status').evaluate((select: HTMLSelectElement) => select.validity.valueMissing)).toBe(true);
    expect(await page.locator('.flash').count()).toBe(0);

    await page.selectOption('#status', 'rejected');
    await page.fill('#note', 'Your documents are incomplete.');
    await page.click('button:has-text("Change status")');
    await page.waitForSelector(`h1:has-text("Reject request ${formatReference(reference)}?")`);
    expect((await db.query<{ status: string }>('SELECT status FROM requests WHERE reference = $1', [reference]))[0].status).toBe('approved');
    await check('status-confirm');
    await screenshot(page, 'officer-02-confirm-reject');
    await page.click('button:has-text("Yes, reject it")');
    await page.waitForSelector('.flash');
    expect(await page.locator('.flash[role="status"]').innerText()).toContain('Status changed to rejected.');
  });

  it('shows a refused step back as an error, not in the success banner, in words an officer reads', async () => {
    await page.goto(`${base}/console/requests/${reference}`);
    await page.selectOption('#status', 'in_review');
    await page.click('button:has-text("Change status")');
    const alert = page.locator('.flash.error[role="alert"]');
    await alert.waitFor();
    expect(await alert.innerText()).toBe(
      'Not done: “In review” comes before “Rejected” in this service’s steps. To move the request back, tick “Allow moving back to an earlier status” and change it again.',
    );
    const [error, success] = [await alert.evaluate((element) => getComputedStyle(element).backgroundColor), 'rgb(227, 241, 228)'];
    expect(error).not.toBe(success);
    await check('refusal');
    await screenshot(page, 'officer-03-refusal');
  });

  it('counts what is sent while composing, then a broadcast held by quiet hours says until when, Stop asks, and it shows stopped', async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    await page.selectOption('#b-topic', 'scholarships');
    const extra = Number(await page.locator('#b-text-en').getAttribute('data-extra'));
    expect(extra).toBeGreaterThan(10);
    const text = 'Scholarship forms are at the municipal hall until Friday.';
    await page.fill('#b-text-en', text);
    await page.waitForFunction(() => document.getElementById('count-en')?.textContent?.includes('SMS part'));
    expect(await page.locator('#count-en').innerText()).toBe(`${text.length + extra} characters as sent, with the verification line: 1 SMS part (GSM-7)`);
    await check('compose');
    await screenshot(page, 'officer-04-compose-counter');

    await page.click('button:has-text("Send broadcast")');
    await page.waitForSelector('.flash');
    expect(await page.locator('.flash').innerText()).toMatch(/is held by quiet hours until \d\d:00 Asia\/Manila \(\d+ \w+\)\.$/);
    // Fanned out by the dispatcher's housekeeping within a second or two, it is still held, and says so.
    await page.waitForFunction(() => document.querySelector('[data-count="queued"]')?.textContent === '1', undefined, { timeout: 10_000 });
    expect(await page.locator('#progress-status').innerText()).toMatch(/^held by quiet hours until \d\d:00 Asia\/Manila/);
    await screenshot(page, 'officer-05-broadcast-held');

    await page.click('button:has-text("Stop")');
    await page.waitForSelector('h1:has-text("Stop broadcast")');
    expect(await page.locator('main').innerText()).toContain('1 message not yet sent will be cancelled');
    await check('stop-confirm');
    await page.click('button:has-text("Yes, stop it")');
    await page.waitForSelector('.flash');
    expect(await page.locator('#progress-status').innerText()).toBe('stopped: 0 sent, 1 cancelled');
    expect(await page.locator('#progress-bar').evaluate((bar: HTMLProgressElement) => ({ value: bar.value, stopped: bar.classList.contains('stopped') }))).toEqual({ value: 0, stopped: true });
    await check('broadcast-stopped');
    await screenshot(page, 'officer-06-broadcast-stopped');
  });

  it('keeps following a completed broadcast while its delivery receipt is awaited, and counts it when it comes', async () => {
    await page.goto(`${base}/console/broadcasts/new`);
    await page.selectOption('#b-topic', 'scholarships');
    await page.fill('#b-text-en', 'Flood warning: go to the evacuation centre.');
    await page.check('#b-emergency');
    await page.waitForSelector('#preview [data-recipients="1"]');
    await page.click('button:has-text("Send broadcast")');
    await page.waitForSelector('.flash');
    // Sent to the simulated phone, which has not fetched it: no receipt yet.
    await page.waitForFunction(() => document.getElementById('progress-status')?.textContent === 'completed, waiting for delivery receipts', undefined, { timeout: 15_000 });
    expect(await page.locator('[data-count="delivered"]').innerText()).toBe('0');
    const id = Number(/(\d+)$/.exec(new URL(page.url()).pathname)?.[1]);
    await db.query(`UPDATE outbox SET status = 'delivered', delivered_at = now() WHERE broadcast_id = $1`, [id]);
    await page.waitForFunction(() => document.querySelector('[data-count="delivered"]')?.textContent === '1', undefined, { timeout: 10_000 });
    expect(await page.locator('#progress-status').innerText()).toBe('completed');
    await screenshot(page, 'officer-07-broadcast-receipts');

    // What became of it, per route, and the routes page (src/console/deliveries.ts).
    await page.click('a:has-text("Delivery per route")');
    await page.waitForSelector('h1:has-text("Delivery of broadcast")');
    expect(await page.locator('[data-route="simulator"] [data-count="delivered"]').innerText()).toBe('1');
    await check('delivery');
    await page.goto(`${base}/console/routes`);
    await page.waitForSelector('h1:has-text("SMS routes")');
    await check('routes');
  });

  it('the audit log names the key holder, links the request by its formatted reference and shows texts per language', async () => {
    await page.goto(`${base}/console/audit`);
    const table = await page.locator('main table').innerText();
    expect(table).toContain('Maria Santos (key');
    expect(table).not.toMatch(/key:\d+/);
    // By length and digest: the audit log holds no message content.
    expect(table).toMatch(/Text in English: 57 characters, SHA-256 [0-9a-f]{12}…/);
    expect(table).not.toContain('Scholarship forms are at the municipal hall');
    await check('audit');
    await screenshot(page, 'officer-08-audit');
    await page.locator(`a:has-text("Request ${formatReference(reference)}")`).first().click();
    await page.waitForURL(new RegExp(`/console/requests/${reference}$`));
  });

  it('no script or console errors, no accessibility violations, nothing wider than 360 px', () => {
    expect(problems).toEqual([]);
    expect(accessibility).toEqual(Object.fromEntries(Object.keys(accessibility).map((name) => [name, []])));
    expect(Object.keys(accessibility)).toHaveLength(9);
    expect(tooWide).toEqual([]);
  });
});
