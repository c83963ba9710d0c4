import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exited, queuedBroadcast, startDispatcherProcess, until } from '../support/dispatcher-process';
import { throwawayPostgres } from '../support/ministries';

/**
 * A dispatcher is a separate process here, killed with SIGKILL in the middle of a broadcast
 * and started again: the broadcast finishes with nothing lost. Messages the killed process
 * had claimed come back when their lease runs out; only those in flight at the moment of the
 * kill may reach the provider twice (the outbox promises at-least-once; a provider that
 * accepts a client reference, our outbox id, can drop the repeat).
 */

describe('a dispatcher process', () => {
  it('refuses to start without the database it should send from', async () => {
    await expect(startDispatcherProcess({ DATABASE_URL: '', PROVIDER_URL: 'http://127.0.0.1:9' })).rejects.toThrow(/DATABASE_URL is required/);
  });

  const adminUrl = process.env.LINGKOD_TEST_POSTGRES;
  // A dispatcher in another process needs a database server both can reach: the real PostgreSQL (CI requires it).
  if (adminUrl) {
    it('killed with SIGKILL in the middle of a broadcast and started again, finishes it with nothing lost', async () => {
      const database = await throwawayPostgres(adminUrl);
      const received: number[] = [];
      let counter = 0;
      const provider: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
        req.on('end', () => {
          const message = JSON.parse(body) as { id: number };
          received.push(message.id);
          // A little latency, like a real provider, so some sends are in flight when the process dies.
          setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ providerId: `p-${message.id}-${++counter}` })), 3);
        });
      });
      await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
      const children: ChildProcess[] = [];
      try {
        const { broadcastId, ids } = await queuedBroadcast(database.db, 3000, ['bas-lamitan', 'bas-akbar']);
        expect(ids).toHaveLength(3000);

        const env = {
          DATABASE_URL: database.url,
          PROVIDER_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/send`,
          RATE: '400',
          LEASE_SECONDS: '2',
          ...(process.env.LINGKOD_TEST_REDIS ? { REDIS_URL: process.env.LINGKOD_TEST_REDIS, RATE_PREFIX: `lktest:rate:${randomBytes(4).toString('hex')}:` } : {}),
          LOG_LEVEL: 'silent',
        };
        const first = await startDispatcherProcess(env);
        children.push(first);
        await until(() => received.length >= 800, 20_000, 'the first dispatcher to send 800 messages');
        first.kill('SIGKILL');
        await exited(first);
        const [atKill] = await database.db.query<{ sent: string; in_flight: string; waiting: string }>(
          `SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'sending') AS in_flight,
                  count(*) FILTER (WHERE status = 'queued') AS waiting
             FROM outbox WHERE broadcast_id = $1`,
          [broadcastId],
        );
        // Killed in the middle: some sent, some not.
        expect(Number(atKill.sent)).toBeGreaterThan(0);
        expect(Number(atKill.waiting) + Number(atKill.in_flight)).toBeGreaterThan(0);

        const second = await startDispatcherProcess(env);
        children.push(second);
        const left = async () =>
          Number((await database.db.query<{ left: string }>("SELECT count(*) AS left FROM outbox WHERE broadcast_id = $1 AND status IN ('queued', 'sending')", [broadcastId]))[0].left);
        await until(async () => (await left()) === 0, 25_000, 'the restarted dispatcher to finish the broadcast');
        second.kill('SIGTERM');
        await exited(second);

        const rows = await database.db.query<{ status: string; provider_id: string | null }>('SELECT status, provider_id FROM outbox WHERE broadcast_id = $1', [broadcastId]);
        expect(rows.filter((row) => row.status !== 'sent' || !row.provider_id)).toEqual([]);
        expect(new Set(received)).toEqual(new Set(ids));
        const repeats = received.length - new Set(received).size;
        expect(repeats).toBeLessThanOrEqual(Number(atKill.in_flight));
      } finally {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await new Promise((resolve) => provider.close(resolve));
        await database.drop();
      }
    }, 60_000);
  }
});
