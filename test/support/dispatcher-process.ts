import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Database } from '../../src/store/sql';
import { adminServices, newKey, seedSubscribers, smsAndTelegram } from './ministries';

/**
 * Dispatchers in processes of their own (test/support/dispatcher-child.ts), for the tests that
 * kill them with SIGKILL in the middle of a broadcast. The child runs the TypeScript sources
 * through the caching loader, so starting it again and again pays for TypeScript once.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const CHILD = ['-r', './test/support/ts-register-cached.js', 'test/support/dispatcher-child.ts'];

/** Starts a dispatcher process; resolves once it says it is sending. */
export function startDispatcherProcess(env: Record<string, string>): Promise<ChildProcess> {
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

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Waits (polling, never asserting on time) until `done` holds; fails after `limitMs` so a broken run cannot hang. */
export async function until(done: () => boolean | Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A broadcast to `recipients` farming subscribers in `municipalities`, scheduled and fanned
 * out: its messages are queued in the outbox, waiting for a dispatcher.
 */
export async function queuedBroadcast(db: Database, recipients: number, municipalities: string[]): Promise<{ broadcastId: number; ids: number[] }> {
  const { sms, telegram } = smsAndTelegram();
  const { services } = await adminServices(db, [sms, telegram], { env: { BROADCAST_APPROVAL_THRESHOLD: '100000' }, now: () => new Date('2026-11-28T02:00:00Z') });
  await seedSubscribers(db, { count: recipients, topic: 'farming', municipalities });
  const officer = (await newKey(db, 'mafar')).actor;
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
  if ((await services.broadcasts.fanOutDue()) !== 1) throw new Error('the broadcast was not fanned out');
  const ids = (await db.query<{ id: string }>('SELECT id FROM outbox WHERE broadcast_id = $1', [created.id])).map((row) => Number(row.id));
  return { broadcastId: created.id, ids };
}
