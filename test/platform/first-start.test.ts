import request from 'supertest';
import type { AppContext } from '../../src/context';
import { LINK_MINUTES } from '../../src/services/first-start';
import { CLI_ACTOR } from '../../src/services/access';
import { PgliteDatabase } from '../../src/store/pglite';
import type { Database } from '../../src/store/sql';
import { startLingkod, TODAY } from '../support/app';
import type { Express } from 'express';

/**
 * A first start's way into the console without the admin command: while no live key exists, a
 * one-time link (printed in the log by src/main.ts) makes the first super-admin key, once, within
 * its 15 minutes, and the audit log says so.
 */
const csrfIn = (text: string) => /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';
const cookiesOf = (setCookie: string[] | string | undefined) => ([] as string[]).concat(setCookie ?? []).map((cookie) => cookie.split(';')[0]).join('; ');

/** Opens the link's page, then posts its form with this holder: the answer. */
async function useLink(app: Express, token: string, holder = 'Ana Reyes, operator') {
  const form = await request(app).get(`/console/first-start/${token}`);
  if (form.status !== 200) return form;
  return request(app)
    .post(`/console/first-start/${token}`)
    .set('Cookie', cookiesOf(form.headers['set-cookie']))
    .type('form')
    .send({ _csrf: csrfIn(form.text), holder });
}

describe('the first-start sign-in link', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let clock = TODAY;

  beforeEach(async () => {
    db = await PgliteDatabase.open(undefined);
    clock = TODAY;
    ({ context, app } = await startLingkod(db, {}, { now: () => clock }));
  });
  afterEach(async () => {
    await context.close();
  });

  it('works once: makes a super-admin key, shows it, signs the browser in; then it is refused', async () => {
    const offer = await context.admin.firstStart.offer();
    expect(offer?.token).toMatch(/^[A-Za-z]{43}$/);
    expect(offer?.expiresAt.getTime()).toBe(TODAY.getTime() + LINK_MINUTES * 60_000);
    // Stored hashed only.
    const [stored] = await db.query<{ token_hash: string }>('SELECT token_hash FROM first_start_links');
    expect(stored.token_hash).not.toContain(offer!.token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const page = await request(app).get(`/console/first-start/${offer!.token}`).expect(200);
    expect(page.text).toContain('super-admin key');
    expect(page.headers['cache-control']).toBe('no-store');
    // Opening the page (a chat app's preview) uses nothing: it still works.
    const made = await useLink(app, offer!.token);
    expect(made.status).toBe(200);
    const key = /<code id="new-key">(lk_[A-Za-z0-9_-]{43})<\/code>/.exec(made.text)?.[1];
    expect(key).toBeDefined();
    const record = await context.admin.apiKeys.authenticate(key!);
    expect(record).toMatchObject({ ministryCode: null, role: 'admin', source: 'first-start', holder: 'Ana Reyes, operator' });
    // Signed in: the session cookie opens the console.
    await request(app).get('/console').set('Cookie', cookiesOf(made.headers['set-cookie'])).expect(200);

    // Once only: the page and the form are refused, and say when it was used.
    const again = await request(app).get(`/console/first-start/${offer!.token}`).expect(401);
    expect(again.text).toContain('already used');
    const form = await request(app).get('/console/login');
    const replay = await request(app)
      .post(`/console/first-start/${offer!.token}`)
      .set('Cookie', cookiesOf(form.headers['set-cookie']))
      .type('form')
      .send({ _csrf: csrfIn(form.text), holder: 'Someone else' });
    expect(replay.status).toBe(401);
    expect(await context.admin.apiKeys.list(CLI_ACTOR)).toHaveLength(1);

    // Audited: the offer and the key it made, by the link.
    const audit = await db.query<{ action: string; actor: string; details: Record<string, unknown> }>('SELECT action, actor, details FROM audit_log ORDER BY id');
    expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([
      ['first-start.link', 'first-start link'],
      ['key.create', 'first-start link'],
    ]);
    expect(audit[1].details).toMatchObject({ source: 'first-start', superAdmin: true });
    // And no new link once a key exists.
    expect(await context.admin.firstStart.offer()).toBeUndefined();
  });

  it('is refused once expired, and makes nothing', async () => {
    const offer = await context.admin.firstStart.offer();
    clock = new Date(TODAY.getTime() + LINK_MINUTES * 60_000 + 1000);
    const page = await request(app).get(`/console/first-start/${offer!.token}`).expect(401);
    expect(page.text).toContain('expired');
    // A form fetched in time and posted too late is refused too.
    clock = new Date(TODAY.getTime() + (LINK_MINUTES - 1) * 60_000);
    const form = await request(app).get(`/console/first-start/${offer!.token}`).expect(200);
    clock = new Date(TODAY.getTime() + LINK_MINUTES * 60_000);
    const late = await request(app).post(`/console/first-start/${offer!.token}`).set('Cookie', cookiesOf(form.headers['set-cookie'])).type('form').send({ _csrf: csrfIn(form.text), holder: 'Late Comer' });
    expect(late.status).toBe(401);
    expect(await context.admin.apiKeys.list(CLI_ACTOR)).toHaveLength(0);
  });

  it('is refused for an unknown token, without the CSRF token, and once another key exists', async () => {
    const offer = await context.admin.firstStart.offer();
    await request(app).get(`/console/first-start/${'x'.repeat(43)}`).expect(401);
    await request(app).get('/console/first-start/short').expect(401);
    await request(app).post(`/console/first-start/${offer!.token}`).type('form').send({ holder: 'No Form' }).expect(403);
    // A holder that is no name keeps the link usable.
    expect((await useLink(app, offer!.token, ' ')).status).toBe(400);
    await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: null, name: 'made by the CLI', holder: 'Operator' }, 'cli');
    const refused = await useLink(app, offer!.token);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('An API key exists already');
    expect(await context.admin.apiKeys.list(CLI_ACTOR)).toHaveLength(1);
  });

  it('is not offered while a key exists (ADMIN_API_KEY, say)', async () => {
    await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: null, name: 'k', holder: 'Operator' }, 'cli');
    expect(await context.admin.firstStart.offer()).toBeUndefined();
  });
});
