import type { Logger } from '../log';
import type { MessageKind } from '../outbox/outbox';
import type { Database } from '../store/sql';
import { ANONYMISED_ANSWERS } from './data-rights';
import type { PurposeRegistry } from './purposes';

/** How long each copy is kept, in days: from the purposes file, never past RETENTION_DAYS. */
export interface Retention {
  /** Per outbox message kind (the purpose that sends it): its text and its recipient's number. */
  messages: Record<MessageKind, number>;
  /** The security purpose's traces: the USSD hop trail, providers' message ids, simulated texts. */
  traces: number;
  /** The complaints purpose's: the desk's texts, counted from the thread's closing. */
  threads: number;
}

/** The retention the purposes set, each capped by RETENTION_DAYS (the deployment's longest). */
export function retentionFrom(purposes: PurposeRegistry, ceilingDays: number): Retention {
  const messages = purposes.messageRetention();
  for (const kind of Object.keys(messages) as MessageKind[]) messages[kind] = Math.min(messages[kind], ceilingDays);
  const days = (code: string) => Math.min((purposes.has(code) ? purposes.get(code).retentionDays : null) ?? ceilingDays, ceilingDays);
  return { messages, traces: days('security'), threads: days('complaints') };
}

/** What one purge changed. */
export interface PurgeResult {
  /** Outbox messages whose text (and Telegram payload) and recipient's number were removed. */
  messages: number;
  /** Simulator inbox texts removed. */
  simulated: number;
  /** Provider message ids forgotten (kept only to drop provider retries). */
  inboundIds: number;
  /** Requests of erased citizens anonymised (added by a dialog still open when they erased). */
  requests: number;
  /** Rows of the USSD hop trail removed. */
  hops: number;
  /** Desk messages (services/threads.ts) whose text was removed. */
  threadMessages: number;
}

/** Rows changed per statement, so a purge never holds a long lock on a big outbox. */
const BATCH = 5000;

/**
 * The retention rule (Philippine Data Privacy Act: kept no longer than necessary), per purpose
 * (data/purposes.yaml): an outbox message's text and its recipient's number (the address
 * becomes `purged:<id>`) go the days its purpose keeps them after it was queued, once it is
 * final (sent, delivered, failed or cancelled); the row stays, so broadcast progress and
 * delivery counts remain right. Inbound texts are never stored (only provider ids, to drop
 * retries, which go after the security purpose's days, as do simulated texts). Requests are the
 * ministries' records and are kept, except that those of erased citizens are anonymised: erasure
 * does that at once, and this job catches what a dialog open at that moment added after it. The
 * USSD hop trail (services/hop-trail.ts) is deleted after the security purpose's days, erased
 * citizens' rows with the rest: until then it is what tells their own erasure from a forged one.
 * The desk's message texts go the complaints purpose's days after their thread closed (an erased
 * citizen's at the next purge). Times are the database's own `now()`, so every instance agrees.
 */
export async function purgeExpired(db: Database, retention: Retention): Promise<PurgeResult> {
  const batched = async (sql: string, days: unknown = retention.traces): Promise<number> => {
    let total = 0;
    for (;;) {
      const rows = await db.query(sql, [days, BATCH]);
      total += rows.length;
      if (rows.length < BATCH) return total;
    }
  };
  const cutoff = `now() - make_interval(days => $1::int)`;
  // $1 is the days per kind, as JSON: {"reply":7,"broadcast":7,…}.
  const messages = await batched(
    `UPDATE outbox SET body = '', payload = NULL, address = 'purged:' || id, purged_at = now()
      WHERE id IN (SELECT id FROM outbox WHERE purged_at IS NULL
                      AND created_at < now() - make_interval(days => ($1::jsonb ->> kind)::int)
                      AND status IN ('sent', 'delivered', 'failed', 'cancelled') LIMIT $2)
      RETURNING id`,
    JSON.stringify(retention.messages),
  );
  const simulated = await batched(
    `UPDATE simulator_inbox SET body = '' WHERE id IN (SELECT id FROM simulator_inbox WHERE body <> '' AND received_at < ${cutoff} LIMIT $2) RETURNING id`,
  );
  const inboundIds = await batched(
    `DELETE FROM inbound_messages WHERE ctid IN (SELECT ctid FROM inbound_messages WHERE received_at < ${cutoff} LIMIT $2) RETURNING provider_id`,
  );
  const hops = await batched(
    `DELETE FROM ussd_hops WHERE id IN (SELECT id FROM ussd_hops WHERE received_at < ${cutoff} LIMIT $2) RETURNING id`,
  );
  const requests = await db.query(
    `UPDATE requests r SET answers = ${ANONYMISED_ANSWERS}, anonymised_at = now()
       FROM citizens c WHERE c.id = r.citizen_id AND c.deleted_at IS NOT NULL AND r.anonymised_at IS NULL RETURNING r.id`,
  );
  await db.query('DELETE FROM subscriptions s USING citizens c WHERE c.id = s.citizen_id AND c.deleted_at IS NOT NULL');
  // The desk: a thread's texts (the citizen's, the officers' and the notes) are kept while it is
  // open and the complaints purpose's days after it closed, and an erased citizen's at once; the
  // thread row, its dates and its resolution stay for the measures.
  const threadMessages = await batched(
    `UPDATE thread_messages SET body = '', purged_at = now()
      WHERE id IN (SELECT m.id FROM thread_messages m JOIN threads t ON t.id = m.thread_id JOIN citizens c ON c.id = t.citizen_id
                    WHERE m.purged_at IS NULL AND ((t.status = 'closed' AND t.closed_at < ${cutoff}) OR c.deleted_at IS NOT NULL) LIMIT $2)
      RETURNING id`,
    retention.threads,
  );
  return { messages, simulated, inboundIds, requests: requests.length, hops, threadMessages };
}

export interface RetentionJobOptions {
  db: Database;
  log: Logger;
  /** Days per copy (retentionFrom). */
  retention: Retention;
  /** How often the purge runs; hourly by default. */
  intervalMs?: number;
  /** Other hourly work, run after each purge (the Charter's deemed approvals); each failure is its own. */
  chores?: (() => Promise<void>)[];
}

/**
 * Runs `purgeExpired` now and then every `intervalMs` on an unref'd timer (it never keeps the
 * process alive), from `main`. Two instances purging at once is harmless: each statement
 * changes only what is still unpurged. A failed purge (the database away) is logged and tried
 * again at the next tick.
 */
export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly log: Logger;

  constructor(private readonly options: RetentionJobOptions) {
    this.log = options.log.child({ name: 'retention' });
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running ??= this.runOnce().finally(() => {
        this.running = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  /** One purge; its outcome is logged (counts only). */
  async runOnce(): Promise<void> {
    try {
      const result = await purgeExpired(this.options.db, this.options.retention);
      if (Object.values(result).some((count) => count > 0)) this.log.info({ ...result, retention: this.options.retention }, 'retention purge done');
    } catch (error) {
      this.log.warn({ err: error }, 'retention purge failed; will try again');
    }
    for (const chore of this.options.chores ?? []) {
      await chore().catch((error: unknown) => this.log.warn({ err: error }, 'an hourly chore failed; will try again'));
    }
  }

  /** Stops the timer and waits for a purge in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
