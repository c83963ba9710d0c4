import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createMetricsApp } from '../../src/http/metrics';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { start, type RunningLingkod } from '../../src/main';
import type { EphemeralStore } from '../../src/store/ephemeral';
import type { Database } from '../../src/store/sql';
import { LogCapture } from '../support/app';
import { databaseBackends, ephemeralBackends, keepOpen } from '../support/stores';
import { baseOf, call, freePort, tryConnect } from './support';

/** A key production accepts: 32 characters drawn from letters and digits, no runs. */
const ADMIN_KEY = 'kX9f2QmV7bR4tL1wZ8cN5hJ3pD6sG0yE';
const METRICS_TOKEN = 'Vt7qL2mZ9xR4cN8bW1kJ6hF3sD5gP0aY';

/** Production with a strong setup: what an operator following the README runs. */
const PRODUCTION = {
  NODE_ENV: 'production',
  ADMIN_API_KEY: ADMIN_KEY,
  PORT: '0',
  LOAD_SAMPLE_DATA: 'false',
  LOG_LEVEL: 'info',
  AUTH_FAILURES_PER_CLIENT: '20',
};


const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const cookiesOf = (setCookie: string[] | undefined) => (setCookie ?? []).map((cookie) => cookie.split(';')[0]).join('; ');

/** Signs in to the console, as a browser on `from` behind whatever `forwardedFor` says; returns the status. */
async function signIn(base: string, key: string, { from, forwardedFor }: { from: string; forwardedFor?: string }): Promise<number> {
  const forwarded: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const form = await call(`${base}/console/login`, { from, headers: forwarded });
  const answer = await call(`${base}/console/login`, {
    method: 'POST',
    from,
    headers: { ...forwarded, cookie: cookiesOf(form.headers['set-cookie']) },
    form: { _csrf: csrfIn(form.text), key },
  });
  return answer.status;
}

describe('production mode, on a listening server', () => {
  let db: Database;
  const running: RunningLingkod[] = [];

  async function lingkod(env: Record<string, string>, store?: EphemeralStore): Promise<{ lingkod: RunningLingkod; base: string; logs: LogCapture }> {
    const logs = new LogCapture();
    const started = await start(loadConfig(env), { db: keepOpen(db), log: createLogger('info', logs), ...(store ? { store } : {}) });
    running.push(started);
    return { lingkod: started, base: baseOf(started.server), logs };
  }

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
  });
  afterAll(async () => {
    for (const started of running) await started.stop();
    await db.close();
  });

  describe('with a strong setup and nothing else', () => {
    let lingkodUp: RunningLingkod;
    let base: string;
    let logs: LogCapture;
    beforeAll(async () => {
      ({ lingkod: lingkodUp, base, logs } = await lingkod({ ...PRODUCTION, HOST: '127.0.0.1' }));
    });

    it('listens on HOST only: 127.0.0.1 answers, another loopback address is refused', async () => {
      const { address, port } = lingkodUp.server.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      expect((await call(`${base}/healthz`)).status).toBe(200);
      expect(await tryConnect('127.0.0.2', port)).toBe('ECONNREFUSED');
    });

    it("marks the console's cookies Secure though the request came as plain HTTP (the TLS proxy's word is not believed)", async () => {
      const cookies = (await call(`${base}/console/login`)).headers['set-cookie'] ?? [];
      expect(cookies.length).toBeGreaterThan(0);
      expect(cookies.every((cookie) => /; Secure$|; Secure;/.test(cookie))).toBe(true);
    });

    it('serves no phone simulator and no /metrics (404)', async () => {
      expect((await call(`${base}/simulator`)).status).toBe(404);
      expect((await call(`${base}/metrics`)).status).toBe(404);
    });

    it('says once at start-up what is off and how to turn each on', () => {
      const messages = logs.lines.map((line) => JSON.parse(line).msg as string);
      expect(messages.filter((message) => /simulator is off.*SIMULATOR=on/.test(message))).toHaveLength(1);
      expect(messages.filter((message) => /\/metrics is off.*METRICS_TOKEN.*METRICS_PORT/.test(message))).toHaveLength(1);
    });
  });

  describe('with METRICS_TOKEN, and SIMULATOR=on for a training instance', () => {
    let base: string;
    let logs: LogCapture;
    beforeAll(async () => {
      ({ base, logs } = await lingkod({ ...PRODUCTION, METRICS_TOKEN, SIMULATOR: 'on' }));
    });

    it.each([
      ['no Authorization', {}],
      ['a wrong token', { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` }],
      ['the token as a Basic credential', { authorization: `Basic ${METRICS_TOKEN}` }],
    ])('refuses /metrics with %s (401)', async (_case, headers) => {
      const answer = await call(`${base}/metrics`, { headers });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(answer.text).not.toContain('lingkod_');
    });

    it('serves /metrics to the bearer of the token', async () => {
      const answer = await call(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('lingkod_hops_total');
    });

    it('serves the simulator, and says nothing is off', async () => {
      expect((await call(`${base}/simulator`)).status).toBe(200);
      expect(logs.lines.join('\n')).not.toMatch(/simulator is off|metrics is off/);
    });
  });

  describe('with METRICS_PORT', () => {
    let lingkodUp: RunningLingkod;
    let base: string;
    let metricsPort: number;
    beforeAll(async () => {
      metricsPort = await freePort();
      ({ lingkod: lingkodUp, base } = await lingkod({ ...PRODUCTION, METRICS_PORT: String(metricsPort) }));
    });

    it('serves /metrics on 127.0.0.1:METRICS_PORT only, and not on the main port', async () => {
      expect((await call(`${base}/metrics`)).status).toBe(404);
      expect(lingkodUp.metricsServer?.address()).toMatchObject({ address: '127.0.0.1', port: metricsPort });
      const scraped = await call(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('lingkod_hops_total');
      expect((await call(`http://127.0.0.1:${metricsPort}/console/login`)).status).toBe(404);
      expect(await tryConnect('127.0.0.2', metricsPort)).toBe('ECONNREFUSED');
    });

    it('closes the metrics listener when it stops', async () => {
      await lingkodUp.stop();
      running.splice(running.indexOf(lingkodUp), 1);
      expect(await tryConnect('127.0.0.1', metricsPort)).toBe('ECONNREFUSED');
    });
  });

  describe('outside production, with nothing set', () => {
    let lingkodUp: RunningLingkod;
    let base: string;
    beforeAll(async () => {
      ({ lingkod: lingkodUp, base } = await lingkod({ PORT: '0', LOAD_SAMPLE_DATA: 'false' }));
    });

    it('keeps the developer conveniences: the simulator and a public /metrics', async () => {
      expect((await call(`${base}/simulator`)).status).toBe(200);
      expect((await call(`${base}/metrics`)).status).toBe(200);
    });

    it('leaves the console cookies without Secure on plain HTTP (a developer on http://localhost)', async () => {
      const cookies = (await call(`${base}/console/login`)).headers['set-cookie'] ?? [];
      expect(cookies.length).toBeGreaterThan(0);
      expect(cookies.some((cookie) => cookie.includes('Secure'))).toBe(false);
    });

    it('listens on every interface when HOST is unset', async () => {
      expect(await tryConnect('127.0.0.2', (lingkodUp.server.address() as AddressInfo).port)).toBe('connected');
    });
  });

  describe.each(ephemeralBackends())('whose console sign-in limit counts per client, ephemeral state in $name', (backend) => {
    describe('with TRUST_PROXY off (the default): the socket is the client', () => {
      let base: string;
      beforeAll(async () => {
        ({ base } = await lingkod({ ...PRODUCTION, HOST: '127.0.0.1' }, backend.open()));
      });

      it('does not let a client lock an officer out by naming the officer\'s address in X-Forwarded-For', async () => {
        for (let refused = 0; refused < 20; refused++) expect(await signIn(base, `lk_guess-${refused}`, { from: '127.0.0.4', forwardedFor: '127.0.0.5' })).toBe(401);
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.5' })).toBe(303);
      });

      it('still limits a client that sends a new X-Forwarded-For with each of 20 refused sign-ins', async () => {
        for (let refused = 0; refused < 20; refused++) expect(await signIn(base, `lk_guess-${refused}`, { from: '127.0.0.6', forwardedFor: `198.51.100.${refused + 1}` })).toBe(401);
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.6', forwardedFor: '198.51.100.99' })).toBe(429);
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.7' })).toBe(303);
      });
    });

    describe('with TRUST_PROXY=1: one proxy in front, whose last forwarded address is the client', () => {
      let base: string;
      beforeAll(async () => {
        ({ base } = await lingkod({ ...PRODUCTION, HOST: '127.0.0.1', TRUST_PROXY: '1' }, backend.open()));
      });

      it('limits the forwarded client after 20 refused sign-ins, however it prefixes X-Forwarded-For, while another client of the same proxy signs in', async () => {
        for (let refused = 0; refused < 20; refused++) expect(await signIn(base, `lk_guess-${refused}`, { from: '127.0.0.8', forwardedFor: '203.0.113.7' })).toBe(401);
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.8', forwardedFor: '203.0.113.7' })).toBe(429);
        // Only the hop the proxy added is believed: what the client wrote before it changes nothing.
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.8', forwardedFor: '198.51.100.1, 203.0.113.7' })).toBe(429);
        expect(await signIn(base, ADMIN_KEY, { from: '127.0.0.8', forwardedFor: '203.0.113.8' })).toBe(303);
      });
    });
  });
});

describe('the METRICS_PORT listener with METRICS_TOKEN set too', () => {
  const app = createMetricsApp(createMetrics(false), METRICS_TOKEN);

  it('still wants the token (other users of the machine reach loopback), and serves nothing but /metrics', async () => {
    await request(app).get('/metrics').expect(401);
    await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    await request(app).get('/healthz').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404);
  });
});

describe('the lingkod program (src/main.ts)', () => {
  const ROOT = path.resolve(__dirname, '../..');

  /** Runs the program with exactly this environment until it exits. */
  function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', './test/support/ts-register-cached.js', 'src/main.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('exits with status 1 and a line naming the variable when production refuses a setting', async () => {
    const { code, stderr } = await run({ NODE_ENV: 'production', ADMIN_API_KEY: 'aaaaaaaaaaaaaaaa', KANNEL_SENDSMS_URL: 'http://kannel:13013/cgi-bin/sendsms' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration for NODE_ENV=production:$/m);
    expect(stderr).toMatch(/^ADMIN_API_KEY: in production it must be at least 32 random characters/m);
    expect(stderr).toMatch(/^PUBLIC_URL: in production it is required .*\(Kannel\)/m);
    expect(stderr).not.toContain('aaaaaaaaaaaaaaaa');
  });
});
