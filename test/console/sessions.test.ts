import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR } from '../../src/services/access';
import type { Database } from '../../src/store/sql';
import { LogCapture, TODAY, startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';

/** The _csrf value of the first form on a page. */
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** The session id a response set, or undefined. */
const sessionIn = (response: request.Response) =>
  ((response.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((line) => /^lingkod_session=([^;]*)/.exec(line)?.[1]).find((value) => value !== undefined);

/**
 * Finding 3 of issue 12: the console's cookie was the API key itself, re-sent on every
 * response, and signing out ended nothing (the cookie kept working on the console and as
 * `Authorization: Bearer`). Now the cookie holds a session id that is not a key, stored hashed,
 * ended by sign-out, by the key's revocation, by idleness and by age, all measured on a clock
 * the test moves (no test sleeps).
 */
describe.each(databaseBackends())('console sessions, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  /** Every key and session id handed out, which no log line may show. */
  const secrets: string[] = [];
  const clock = { now: TODAY.getTime() };
  const IDLE_MINUTES = 30;
  const MAX_HOURS = 8;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(
      db,
      { CONSOLE_SESSION_IDLE_MINUTES: String(IDLE_MINUTES), CONSOLE_SESSION_MAX_HOURS: String(MAX_HOURS) },
      { now: () => new Date(clock.now) },
    ));
  });
  afterAll(async () => {
    await context.close();
  });
  afterEach(() => {
    clock.now = TODAY.getTime();
  });

  const newKey = async (holder: string) => {
    const made = await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: `${holder}'s key`, holder }, 'cli');
    secrets.push(made.key);
    return made;
  };

  /** Signs in with `key`; the agent keeps the cookie as a browser does. */
  async function signIn(key: string): Promise<{ agent: TestAgent; session: string; responses: request.Response[] }> {
    const agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    const signedIn = await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
    const session = sessionIn(signedIn);
    if (!session) throw new Error('no session cookie');
    secrets.push(session);
    return { agent, session, responses: [signedIn] };
  }

  const consoleWith = (session: string) => request(app).get('/console').set('Accept', 'text/html').set('Cookie', `lingkod_session=${session}`);

  it('gives the browser a random session id, never the key, and no response after sign-in carries the key', async () => {
    const { key } = await newKey('Amina Lidasan');
    const { agent, session, responses } = await signIn(key);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).not.toContain(key);
    const signInCookie = (responses[0].headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('lingkod_session='));
    expect(signInCookie).toMatch(/HttpOnly/);
    expect(signInCookie).toMatch(/SameSite=Strict/);
    expect(signInCookie).toContain(`Max-Age=${MAX_HOURS * 3600}`);
    // An officer's ordinary work: every page and the JSON the script reads.
    for (const path of ['/console', '/console/requests', '/console/broadcasts', '/console/broadcasts/new', '/console/audit', '/console/assisted']) responses.push(await agent.get(path).expect(200));
    const page = await agent.get('/console/broadcasts/new');
    responses.push(await agent.post('/console/broadcasts/preview').type('form').send({ _csrf: csrfIn(page.text), topic: 'scholarships', text_en: 'Forms are ready.' }));
    for (const response of responses) {
      expect(JSON.stringify(response.headers)).not.toContain(key);
      expect(response.text ?? '').not.toContain(key);
    }
    // The cookie is set once, at sign-in, not re-sent with every answer.
    expect(responses.slice(1).filter((response) => sessionIn(response) !== undefined)).toEqual([]);
    // Only the id's hash is stored.
    const rows = await db.query<{ id_hash: string }>('SELECT id_hash FROM console_sessions');
    expect(rows.map((row) => row.id_hash).join()).not.toContain(session);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.id_hash))).toBe(true);
  });

  it('refuses a signed-out cookie on the console and as Authorization: Bearer on the API', async () => {
    const { key } = await newKey('Bai Salma');
    const { agent, session } = await signIn(key);
    // The session id was never a key: the API refuses it even while the session is live.
    expect((await request(app).get('/api/v1/ministries/mssd').set('Authorization', `Bearer ${session}`)).status).toBe(401);
    const dashboard = await agent.get('/console').expect(200);
    await agent.post('/console/logout').type('form').send({ _csrf: csrfIn(dashboard.text) }).expect(303).expect('Location', '/console/login');
    // A copy of the cookie taken before sign-out (another tab, a stolen backup) is refused at once.
    await consoleWith(session).expect(303).expect('Location', '/console/login');
    expect((await request(app).get('/console/broadcasts/1/progress').set('Accept', 'application/json').set('Cookie', `lingkod_session=${session}`)).status).toBe(401);
    expect((await request(app).get('/api/v1/ministries/mssd').set('Authorization', `Bearer ${session}`)).status).toBe(401);
    // The key itself still works: signing out ended the session, not the key.
    expect((await request(app).get('/api/v1/ministries/mssd').set('Authorization', `Bearer ${key}`)).status).toBe(200);
  });

  it('ends an open session when its key is revoked, at the next request', async () => {
    const { key, record } = await newKey('Norhaya Mamalo');
    const { session } = await signIn(key);
    await consoleWith(session).expect(200);
    await context.admin.apiKeys.revoke(CLI_ACTOR, record.id);
    await consoleWith(session).expect(303).expect('Location', '/console/login');
  });

  it(`ends a session after ${IDLE_MINUTES} minutes without a request, and keeps an active one`, async () => {
    const { key } = await newKey('Jamal Ampatuan');
    const { session } = await signIn(key);
    clock.now += (IDLE_MINUTES - 1) * 60_000;
    await consoleWith(session).expect(200);
    clock.now += (IDLE_MINUTES - 1) * 60_000;
    await consoleWith(session).expect(200);
    clock.now += IDLE_MINUTES * 60_000;
    await consoleWith(session).expect(303).expect('Location', '/console/login');
  });

  it(`ends a session ${MAX_HOURS} hours after sign-in however active`, async () => {
    const { key } = await newKey('Farida Usman');
    const { session } = await signIn(key);
    const signedInAt = clock.now;
    while (clock.now + 20 * 60_000 < signedInAt + MAX_HOURS * 3_600_000) {
      clock.now += 20 * 60_000;
      await consoleWith(session).expect(200);
    }
    clock.now = signedInAt + MAX_HOURS * 3_600_000;
    await consoleWith(session).expect(303).expect('Location', '/console/login');
    // Signing in again starts a new session.
    const again = await signIn(key);
    expect(again.session).not.toBe(session);
    await consoleWith(again.session).expect(200);
  });

  it('refuses a made-up or malformed session id', async () => {
    for (const cookie of ['lingkod_session=', 'lingkod_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'lingkod_session=%E0%A4%A', `lingkod_session=${'x'.repeat(5000)}`]) {
      await request(app).get('/console').set('Accept', 'text/html').set('Cookie', cookie).expect(303).expect('Location', '/console/login');
    }
  });

  it('never logs a key or a session id', () => {
    expect(secrets.length).toBeGreaterThan(8);
    const all = logs.lines.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
