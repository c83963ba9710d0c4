import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR } from '../../src/services/access';
import { startLingkod } from '../support/app';
import { recordFigure } from '../support/figures';
import { serve, type Served } from '../support/served';
import { databaseBackends, ephemeralBackends } from '../support/stores';

/** One API call over real HTTP from a chosen loopback source address (127.0.0.0/8 is all ours on Linux). */
function call(base: string, from: string, headers: Record<string, string>): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}/api/v1/ministries/mssd`, { localAddress: from, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const guess = () => ({ Authorization: `Bearer lk_${randomBytes(32).toString('base64url')}` });

const ATTACKER = '127.0.0.1';
const OFFICER = '127.0.0.2';
const OTHERS = ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];

/**
 * Finding 5 of issue 12 (its throttling part): wrong API keys were never throttled (~55 guesses a
 * second from one client), and the console's own sign-in limit believed any X-Forwarded-For (a
 * way round it, and a way to lock a chosen officer out for 15 minutes). Refused keys are now
 * counted per client address and in total, in the ephemeral store that every instance shares,
 * with Express's `trust proxy` off as TRUST_PROXY's default leaves it.
 */
describe.each(ephemeralBackends())('refused API keys are throttled, counted in $name', (ephemeral) => {
  const running: { context: AppContext; served: Served }[] = [];

  afterAll(async () => {
    for (const { context, served } of running) {
      await served.close();
      await context.close();
    }
  });

  /** A Lingkod with these limits, listening on loopback, trusting no forwarded address. */
  async function start(perClient: number, total: number): Promise<{ base: string; key: string }> {
    const db = await databaseBackends()[0].open();
    const { context, app } = await startLingkod(db, { AUTH_FAILURES_PER_CLIENT: String(perClient), AUTH_FAILURES_TOTAL: String(total) }, { store: ephemeral.open() });
    app.set('trust proxy', false);
    const served = await serve(app);
    running.push({ context, served });
    const { key } = await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode: 'mssd', name: 'officer', holder: `Officer ${running.length}` }, 'cli');
    return { base: served.base, key };
  }

  it('answers 429 with Retry-After after 20 wrong keys from one client, whatever X-Forwarded-For it sends, and never locks out the officer it names', async () => {
    const { base, key } = await start(20, 1_000_000);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let attempt = 0; attempt < 55; attempt++) {
      // Each guess claims to come from somewhere else, half of them from the officer's address.
      const forwarded = attempt % 2 === 0 ? OFFICER : `198.51.100.${attempt}`;
      const answer = await call(base, ATTACKER, { ...guess(), 'X-Forwarded-For': forwarded });
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter ??= answer.retryAfter;
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(35).fill(429));
    expect(retryAfter).toBe('900');
    // The client past its limit is refused even with a valid key; the officer it named is not.
    expect((await call(base, ATTACKER, { Authorization: `Bearer ${key}` })).status).toBe(429);
    expect((await call(base, OFFICER, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call(base, OFFICER, guess())).status).toBe(401);
    recordFigure(5, `55 wrong API keys from one client with made-up X-Forwarded-For (${ephemeral.name})`, '20 answered 401, 35 answered 429 (Retry-After 900); the officer it named still got 200');
  });

  it('past the total, refuses unknown keys from every client with 429 while known keys still work', async () => {
    const { base, key } = await start(1000, 30);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) statuses.push((await call(base, OTHERS[attempt % OTHERS.length], guess())).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
    expect((await call(base, OFFICER, guess())).status).toBe(429);
    expect((await call(base, OFFICER, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await call(base, OTHERS[0], { Authorization: `Bearer ${key}` })).status).toBe(200);
  });

  it('does not count a request that sends no key at all', async () => {
    const { base, key } = await start(3, 1_000_000);
    for (let attempt = 0; attempt < 10; attempt++) expect((await call(base, ATTACKER, {})).status).toBe(401);
    expect((await call(base, ATTACKER, { Authorization: `Bearer ${key}` })).status).toBe(200);
  });
});
