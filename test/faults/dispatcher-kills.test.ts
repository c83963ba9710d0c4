import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordFigure } from '../support/figures';
import { exited, queuedBroadcast, startDispatcherProcess, until } from '../support/dispatcher-process';
import { throwawayPostgres } from '../support/ministries';

/**
 * A 1,000-message broadcast sent by a dispatcher process that is killed with SIGKILL twenty
 * times and started again each time. Every message ends sent or failed (the provider refuses
 * some for good); a message reaches the provider more than once only if it was in flight at
 * a kill, and those repeats are counted against the messages in flight at each kill.
 */

const KILLS = Number(process.env.DISPATCHER_KILLS ?? 20);
const RECIPIENTS = 1000;
/** Every this-many-th message is refused by the provider for good (a bad number). */
const REFUSE_EVERY = 97;
const RATE_PREFIX = `lktest:rate:${randomBytes(4).toString('hex')}:`;

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
      const { broadcastId, ids } = await queuedBroadcast(database.db, RECIPIENTS, ['bas-lamitan']);
      expect(ids).toHaveLength(RECIPIENTS);

      const env = (life: number) => ({
        DATABASE_URL: database.url,
        PROVIDER_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/send/${life}`,
        RATE: '200',
        LEASE_SECONDS: '1',
        ...(process.env.LINGKOD_TEST_REDIS ? { REDIS_URL: process.env.LINGKOD_TEST_REDIS, RATE_PREFIX } : {}),
      });
      const left = async () =>
        Number((await database.db.query<{ left: string }>("SELECT count(*) AS left FROM outbox WHERE broadcast_id = $1 AND status IN ('queued', 'sending')", [broadcastId]))[0].left);
      /** The messages each killed life had claimed and not yet recorded: a dead process records nothing more. */
      const unrecordedAtKills: Set<number>[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        child = await startDispatcherProcess(env(kill));
        const before = accepted.length;
        // Killed after a few sends, mid-chunk: a few tens of messages per life.
        await until(() => accepted.length >= before + 5 || accepted.length >= RECIPIENTS - 40, 20_000, `the dispatcher (life ${kill + 1}) to send`);
        child.kill('SIGKILL');
        await exited(child);
        const unrecorded = await database.db.query<{ id: string }>("SELECT id FROM outbox WHERE broadcast_id = $1 AND status = 'sending'", [broadcastId]);
        unrecordedAtKills.push(new Set(unrecorded.map((row) => Number(row.id))));
      }
      expect(await left()).toBeGreaterThan(0);
      child = await startDispatcherProcess(env(KILLS));
      await until(async () => (await left()) === 0, 40_000, 'the last dispatcher to finish the broadcast');
      child.kill('SIGTERM');
      await exited(child);

      const rows = await database.db.query<{ id: string; status: string }>('SELECT id, status FROM outbox WHERE broadcast_id = $1', [broadcastId]);
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
