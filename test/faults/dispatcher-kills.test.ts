import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { recordFigure } from '../support/figures';
import { adminServices, newKey, seedSubscribers, smsAndTelegram, throwawayPostgres } from '../support/ministries';

/**
 * A 1,000-message broadcast sent by a dispatcher process that is killed with SIGKILL twenty
 * times and started again each time. Every message ends sent or failed (the provider refuses
 * some for good); a message reaches the provider more than once only if it was in flight at
 * a kill, and those repeats are counted against the messages in flight at each kill.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = ['-r', './test/support/ts-register-cached.js', 'test/support/dispatcher-child.ts'];
const KILLS = Number(process.env.DISPATCHER_KILLS ?? 20);
const RECIPIENTS = 1000;
/** Every this-many-th message is refused by the provider for good (a bad number). */
const REFUSE_EVERY = 97;
const RATE_PREFIX = `lktest:rate:${randomBytes(4).toString('hex')}:`;

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, CHILD, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`dispatcher process exited (${code}) before starting: ${errors}`)));
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

async function until(done: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const adminUrl = process.env.LINGKOD_TEST_POSTGRES;
// Processes share the outbox through a database server: the real PostgreSQL (CI requires it).
const runs = adminUrl ? [{ name: 'PostgreSQL', adminUrl }] : [];

describe.each(runs)('a dispatcher killed again and again during a broadcast ($name)', ({ adminUrl: url }) => {
  it(`finishes a ${RECIPIENTS}-message broadcast through ${KILLS} kill -9s with every message sent or failed, repeats only of messages in flight`, async () => {
    const database = await throwawayPostgres(url);
    /** Every message the provider took (a repeat appears twice), and which life of the dispatcher sent it. */
    const accepted: number[] = [];
    const sentBy: number[] = [];
    let counter = 0;
    const provider: Server = createServer((req, res) => {
      const life = Number(/\/send\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
      let body = '';
      req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
      req.on('end', () => {
        const message = JSON.parse(body) as { id: number };
        setTimeout(() => {
          if (message.id % REFUSE_EVERY === 0) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid number"}');
            return;
          }
          accepted.push(message.id);
          sentBy.push(life);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ providerId: `p-${message.id}-${++counter}` }));
        }, 5);
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    let child: ChildProcess | undefined;
    try {
      const { sms, telegram } = smsAndTelegram({ sms: 200, telegram: 200 });
      const { services } = await adminServices(database.db, [sms, telegram], { env: { BROADCAST_APPROVAL_THRESHOLD: '100000' }, now: () => new Date('2026-11-28T02:00:00Z') });
      await seedSubscribers(database.db, { count: RECIPIENTS, topic: 'farming', municipalities: ['bas-lamitan'] });
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
      expect(await services.broadcasts.fanOutDue()).toBe(1);
      const ids = (await database.db.query<{ id: string }>('SELECT id FROM outbox WHERE broadcast_id = $1', [created.id])).map((row) => Number(row.id));
      expect(ids).toHaveLength(RECIPIENTS);

      const env = (life: number) => ({
        DATABASE_URL: database.url,
        PROVIDER_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/send/${life}`,
        RATE: '200',
        LEASE_SECONDS: '1',
        ...(process.env.LINGKOD_TEST_REDIS ? { REDIS_URL: process.env.LINGKOD_TEST_REDIS, RATE_PREFIX } : {}),
      });
      const left = async () =>
        Number((await database.db.query<{ left: string }>("SELECT count(*) AS left FROM outbox WHERE broadcast_id = $1 AND status IN ('queued', 'sending')", [created.id]))[0].left);
      /** The messages each killed life had claimed and not yet recorded: a dead process records nothing more. */
      const unrecordedAtKills: Set<number>[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        child = await startChild(env(kill));
        const before = accepted.length;
        // Killed after a few sends, mid-chunk: a few tens of messages per life.
        await until(() => accepted.length >= before + 5 || accepted.length >= RECIPIENTS - 40, 20_000, `the dispatcher (life ${kill + 1}) to send`);
        child.kill('SIGKILL');
        await exited(child);
        const unrecorded = await database.db.query<{ id: string }>("SELECT id FROM outbox WHERE broadcast_id = $1 AND status = 'sending'", [created.id]);
        unrecordedAtKills.push(new Set(unrecorded.map((row) => Number(row.id))));
      }
      expect(await left()).toBeGreaterThan(0);
      child = await startChild(env(KILLS));
      await until(async () => (await left()) === 0, 40_000, 'the last dispatcher to finish the broadcast');
      child.kill('SIGTERM');
      await exited(child);

      const rows = await database.db.query<{ id: string; status: string }>('SELECT id, status FROM outbox WHERE broadcast_id = $1', [created.id]);
      const byStatus = (status: string) => rows.filter((row) => row.status === status).length;
      expect(rows.filter((row) => !['sent', 'delivered', 'failed'].includes(row.status))).toEqual([]);
      const refused = ids.filter((id) => id % REFUSE_EVERY === 0);
      expect(byStatus('failed')).toBe(refused.length);
      expect(new Set(accepted)).toEqual(new Set(ids.filter((id) => id % REFUSE_EVERY !== 0)));
      const repeats = accepted.length - new Set(accepted).size;
      // In flight at a kill: claimed by that life, taken by the provider from it (even after
      // the kill, from its last requests on the wire), and never recorded as sent by it.
      const inFlightAtKills = unrecordedAtKills.map((unrecorded, life) => new Set(accepted.filter((id, index) => sentBy[index] === life && unrecorded.has(id))).size);
      const inFlight = inFlightAtKills.reduce((sum, count) => sum + count, 0);
      expect(repeats).toBeLessThanOrEqual(inFlight);
      recordFigure(4, `kill -9 of a dispatcher ${KILLS} times during a ${RECIPIENTS}-message broadcast`, `${byStatus('sent')} sent, ${byStatus('failed')} failed (refused by the provider), 0 lost`);
      recordFigure(4, 'messages sent twice / sent but unrecorded at the kills', `${repeats} / ${inFlight} (at most ${Math.max(...inFlightAtKills)} at one kill)`);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await new Promise((resolve) => provider.close(resolve));
      await database.drop();
    }
  }, 180_000);
});
