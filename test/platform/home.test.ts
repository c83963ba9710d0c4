import request from 'supertest';
import { PgliteDatabase } from '../../src/store/pglite';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { keepOpen } from '../support/stores';

/** `/` says what this is and where to go, with the web pages' security headers; it linked nowhere (a bare "Not found"). */
describe('the front page', () => {
  let db: Database;
  beforeAll(async () => {
    db = await PgliteDatabase.open(undefined);
  });
  afterAll(async () => {
    await db.close();
  });

  it('links to the simulator, the console, the API document and health, and says how to sign in', async () => {
    const { context, app } = await startLingkod(keepOpen(db), { SIMULATOR: 'on' });
    try {
      const page = await request(app).get('/').expect(200).expect('Content-Type', /text\/html/);
      expect(page.text).toContain('<h1>Lingkod</h1>');
      for (const href of ['/simulator', '/console', '/api/v1/openapi.json', '/healthz']) expect(page.text).toContain(`href="${href}"`);
      expect(page.text).toMatch(/How to sign in/);
      expect(page.text).toContain('one-time sign-in link');
      expect(page.text).toContain('npm run admin -- create-key');
      // The same headers as the console and the simulator: this origin only, no framing, no caching.
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.text).not.toMatch(/<script>|style=/);
      // Each link it gives answers.
      await request(app).get('/simulator').expect(200);
      await request(app).get('/api/v1/openapi.json').expect(200);
      await request(app).get('/healthz').expect(200);
      await request(app).get('/console/console.css').expect(200);
    } finally {
      await context.close();
    }
  });

  it('does not link to the simulator when it is off', async () => {
    const { context, app } = await startLingkod(keepOpen(db), { SIMULATOR: 'off' });
    try {
      const page = await request(app).get('/').expect(200);
      expect(page.text).not.toContain('href="/simulator"');
      expect(page.text).toContain('href="/console"');
      await request(app).get('/simulator').expect(404);
    } finally {
      await context.close();
    }
  });
});

describe('the console links to the simulator only when it is served', () => {
  let db: Database;
  beforeAll(async () => {
    db = await PgliteDatabase.open(undefined);
  });
  afterAll(async () => {
    await db.close();
  });

  it.each([
    ['on', true],
    ['off', false],
  ])('SIMULATOR=%s: the sign-in page links to the front page, and to the simulator: %s', async (setting, linked) => {
    const { context, app } = await startLingkod(keepOpen(db), { SIMULATOR: setting });
    try {
      const page = await request(app).get('/console/login').expect(200);
      expect(page.text).toContain('href="/"');
      expect(page.text.includes('href="/simulator"')).toBe(linked);
      if (linked) expect((await request(app).get('/simulator').expect(200)).text).toContain('href="/console"');
    } finally {
      await context.close();
    }
  });
});
