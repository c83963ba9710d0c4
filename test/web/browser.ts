import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, driven by playwright-core (never `npx playwright install`).
 * The flags keep it from reaching the network on its own (updates, sync, safe browsing, QUIC).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts Chromium, or fails with what to install (the browser tests are never skipped). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it with apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Where screenshots of each step are kept (gitignored), and where the README's come from. */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'web');
const DOCS_SCREENSHOTS = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

/**
 * Saves a screenshot of the step under test-artifacts/web/. With LINGKOD_DOCS_SCREENSHOTS=1
 * (`npm run screenshots`), the ones named for the README are also written to docs/screenshots/:
 * the element `docs.selector` when given (the phone), else the top of the page.
 */
export async function screenshot(page: Page, name: string, docs?: { name: string; selector?: string }): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (docs && process.env.LINGKOD_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    const file = path.join(DOCS_SCREENSHOTS, `${docs.name}.png`);
    if (docs.selector) await page.locator(docs.selector).screenshot({ path: file });
    else {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: file });
    }
  }
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility problem axe-core found, in a form that reads well in a failed assertion. */
export interface AxeFinding {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page (its source injected through the DevTools protocol, which the
 * page's CSP does not govern) against WCAG 2.1 A and AA and axe's best practices.
 */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
  )) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/**
 * Counts what each visit of a page transfers, as Chromium's network layer counts it (headers
 * and bodies of the document and of everything it loads, including what its script fetches
 * as it starts), with the cache disabled so that every visit costs what a first one does.
 * Only requests of the visited document count (by its loader id), not stragglers of the page
 * before.
 */
export class LoadMeter {
  private loaderId?: string;
  private bytes = 0;
  private readonly loaders = new Map<string, string>();
  private readonly inFlight = new Set<string>();

  private constructor(readonly page: Page) {}

  static async attach(page: Page): Promise<LoadMeter> {
    const meter = new LoadMeter(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    cdp.on('Network.requestWillBeSent', (event) => {
      if (meter.loaderId === undefined && event.type === 'Document') meter.loaderId = event.loaderId;
      meter.loaders.set(event.requestId, event.loaderId);
      if (event.loaderId === meter.loaderId) {
        meter.inFlight.add(event.requestId);
        // A redirect (the sign-in redirect) is part of the visit.
        if (event.redirectResponse) meter.bytes += event.redirectResponse.encodedDataLength;
      }
    });
    const done = (requestId: string, bytes: number) => {
      if (meter.loaders.get(requestId) !== meter.loaderId || !meter.inFlight.delete(requestId)) return;
      meter.bytes += bytes;
    };
    cdp.on('Network.loadingFinished', (event) => done(event.requestId, event.encodedDataLength));
    cdp.on('Network.loadingFailed', (event) => done(event.requestId, 0));
    return meter;
  }

  /** Opens `url` and returns the bytes the visit transferred, once the network is quiet. */
  async visit(url: string): Promise<number> {
    this.loaderId = undefined;
    this.bytes = 0;
    this.inFlight.clear();
    await this.page.goto(url, { waitUntil: 'load' });
    for (let waited = 0; this.inFlight.size > 0 && waited < 5000; waited += 25) await this.page.waitForTimeout(25);
    return this.bytes;
  }
}

/** Whether the page, laid out `width` px wide, has nothing wider than that (no sideways scrolling). */
export async function fitsWidth(page: Page, width = 360): Promise<{ fits: boolean; scrollWidth: number }> {
  const before = page.viewportSize();
  if (before && before.width !== width) await page.setViewportSize({ width, height: before.height });
  try {
    return await page.evaluate((expected) => ({ fits: document.documentElement.scrollWidth <= expected, scrollWidth: document.documentElement.scrollWidth }), width);
  } finally {
    if (before && before.width !== width) await page.setViewportSize(before);
  }
}
