import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { USSD_PATH, USSD_TEST_TOKEN, optionNumber } from '../support/app';
import { adminServices, FakeProvider, newKey, seedSubscribers, throwawayPostgres } from '../support/ministries';
import { freePort } from '../support/own-redis';

/**
 * Two Lingkod service processes (`src/main.ts`, each on its own port) sharing one PostgreSQL
 * database and one Redis, as two instances behind a load balancer without sticky sessions
 * would: USSD hops of the same sessions alternate between them and every journey completes,
 * and their two dispatchers send one broadcast between them with no message sent twice.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = ['-r', './test/support/ts-register.js', 'src/main.ts'];

/** A service process and where it answers. */
interface Instance {
  process: ChildProcess;
  url: string;
  output(): string;
}

/** Starts `src/main.ts` with `env`; resolves once its /readyz answers 200, rejects if it exits first. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, MAIN, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', USSD_TOKEN: USSD_TEST_TOKEN, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const instance = { process: child, url: `http://127.0.0.1:${port}`, output: () => output };
  for (const started = Date.now(); ; ) {
    if (child.exitCode !== null) throw new Error(`instance exited (${child.exitCode}): ${output}`);
    const ready = await fetch(`${instance.url}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return instance;
    if (Date.now() - started > 90_000) throw new Error(`instance not ready after 90 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(instance: Instance): Promise<void> {
  const child = instance.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Waits (polling, never asserting on time) until `done` holds; fails after `limitMs` so a broken run cannot hang. */
async function until(done: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One USSD hop, as Africa's Talking posts it. */
async function hop(instance: Instance, sessionId: string, phoneNumber: string, text: string): Promise<string> {
  const response = await fetch(`${instance.url}${USSD_PATH}`, {
    method: 'POST',
    body: new URLSearchParams({ sessionId, serviceCode: '*347#', phoneNumber, networkCode: '51502', text }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`hop answered ${response.status}: ${body}`);
  return body;
}

/**
 * A caller applying for crisis assistance, every hop sent to the other instance than the one
 * before, and each hop also retried at the other instance (a gateway that timed out): the retry
 * must get the same screen without moving the dialog on. Returns the last screen.
 */
async function applyAcross(instances: [Instance, Instance], caller: number): Promise<string> {
  const sessionId = `ATUid_two_${caller}_${randomInt(1e9)}`;
  const phone = `+63917${String(randomInt(1e7)).padStart(7, '0')}`;
  const steps: ((screen: string) => string)[] = [
    (screen) => optionNumber(screen, 'English'),
    (screen) => optionNumber(screen, 'Services'),
    (screen) => optionNumber(screen, 'Social welfare'),
    (screen) => optionNumber(screen, 'Crisis assistance'),
    (screen) => optionNumber(screen, 'Apply now'),
    () => 'Rashid Ali',
    () => '3',
    (screen) => optionNumber(screen, 'Medical'),
    () => '1',
  ];
  const history: string[] = [];
  let turn = caller % 2;
  let screen = await hop(instances[turn], sessionId, phone, '');
  for (const step of steps) {
    history.push(step(screen));
    turn = 1 - turn;
    screen = await hop(instances[turn], sessionId, phone, history.join('*'));
    expect(await hop(instances[1 - turn], sessionId, phone, history.join('*'))).toBe(screen);
  }
  return screen;
}

const adminUrl = process.env.LINGKOD_TEST_POSTGRES;
const redisUrl = process.env.LINGKOD_TEST_REDIS;

describe('two service processes', () => {
  it('an instance whose shared PostgreSQL is unreachable exits with a reason, never starting on a store of its own', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, MAIN, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', PORT: String(port), DATABASE_URL: `postgres://lingkod:secret-password@127.0.0.1:${await freePort()}/lingkod`, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/Lingkod could not start: PostgreSQL unavailable/);
    expect(output).not.toContain('secret-password');
  }, 60_000);

  // Two processes can only share a records store that is a server: the real PostgreSQL and Redis (CI requires both).
  if (adminUrl && redisUrl) {
    describe('sharing PostgreSQL and Redis', () => {
      let database: Awaited<ReturnType<typeof throwawayPostgres>>;
      let provider: Server;
      const sent: { instance: string; to: string; text: string }[] = [];
      let instances: [Instance, Instance];

      beforeAll(async () => {
        database = await throwawayPostgres(adminUrl);
        // A fake Kannel smsbox: each instance sends through its own path, so the test sees which one sent.
        provider = createServer((req, res) => {
          const url = new URL(req.url ?? '/', 'http://fake');
          sent.push({ instance: url.pathname.split('/')[1], to: url.searchParams.get('to') ?? '', text: url.searchParams.get('text') ?? '' });
          res.writeHead(202, { 'content-type': 'text/plain' }).end('0: Accepted for delivery');
        });
        await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
        const kannel = (name: string) => ({
          DATABASE_URL: database.url,
          REDIS_URL: redisUrl,
          BROADCAST_QUIET_HOURS: 'off',
          KANNEL_SENDSMS_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/${name}/cgi-bin/sendsms`,
          KANNEL_USERNAME: 'lingkod',
          KANNEL_PASSWORD: 'kannel-password',
          KANNEL_TOKEN: 'a-shared-kannel-token',
          // Shared through Redis, as an operator's SMPP limit is: at 300/s the broadcast takes ~5 s,
          // so both dispatchers are awake for it (at 1,000/s one could drain it within the other's
          // half-second nap, and "both took part" would be down to timing).
          KANNEL_RATE_PER_SECOND: '300',
        });
        // Started together on an empty database, as a deployment of two replicas starts.
        instances = await Promise.all([startInstance(kannel('a')), startInstance(kannel('b'))]);
      }, 200_000);

      afterAll(async () => {
        await Promise.all((instances ?? []).map(stop));
        await new Promise((resolve) => provider?.close(resolve));
        await database?.drop();
      });

      it('carries 20 concurrent USSD journeys hop by hop across both, each to its reference, retries answered alike', async () => {
        const screens = await Promise.all(Array.from({ length: 20 }, (_, caller) => applyAcross(instances, caller)));
        for (const screen of screens) expect(screen).toMatch(/^END Request for .+ received\. Your reference is \d{4}-\d{4}-\d{3}\./);
        const references = screens.map((screen) => /\d{4}-\d{4}-\d{3}/.exec(screen)?.[0]);
        expect(new Set(references).size).toBe(20);
        const [{ count }] = await database.db.query<{ count: string }>("SELECT count(*) AS count FROM requests WHERE channel = 'ussd'");
        expect(Number(count)).toBe(20);
      }, 120_000);

      it('sends one broadcast through both dispatchers, each subscriber once', async () => {
        const phones = new FakeProvider('sms');
        const { services } = await adminServices(database.db, [phones], { env: { BROADCAST_QUIET_HOURS: 'off', BROADCAST_APPROVAL_THRESHOLD: '100000' } });
        const seeded = await seedSubscribers(database.db, { count: 1500, topic: 'farming', municipalities: ['bas-lamitan', 'bas-akbar'] });
        const officer = (await newKey(database.db, 'mafar')).actor;
        const created = await services.broadcasts.create(officer, {
          ministryCode: 'mafar',
          topic: 'farming',
          municipalities: null,
          channels: null,
          languages: null,
          texts: { en: 'Free rice seeds at the municipal agriculture office this week.' },
          defaultLocale: 'en',
          emergency: false,
        });
        await services.broadcasts.schedule(officer, created.id);
        // Whichever instance's housekeeping comes first fans it out; the other finds nothing to do.
        const expected = seeded.filter((citizen) => citizen.channel === 'sms').map((citizen) => citizen.address.replace(/^tel:/, ''));
        await until(
          async () => {
            const [row] = await database.db.query<{ total: string; waiting: string }>(
              "SELECT count(*) AS total, count(*) FILTER (WHERE status IN ('queued', 'sending')) AS waiting FROM outbox WHERE broadcast_id = $1",
              [created.id],
            );
            return Number(row.total) === expected.length && Number(row.waiting) === 0;
          },
          90_000,
          'both dispatchers to send the broadcast',
        );
        // (Other texts, such as a long screen finished by SMS in the USSD test, are not the broadcast's.)
        const broadcast = sent.filter((message) => message.text.startsWith('Free rice seeds'));
        const received = broadcast.map((message) => message.to);
        expect(received).toHaveLength(expected.length);
        expect([...received].sort()).toEqual([...expected].sort());
        // Both took part: the outbox was shared, not drained by one while the other idled.
        expect(new Set(broadcast.map((message) => message.instance))).toEqual(new Set(['a', 'b']));
      }, 120_000);
    });
  }
});
