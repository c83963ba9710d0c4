import type { Database, Queryable } from '../store/sql';

/** Why a message is sent, which also decides its default priority. */
export type MessageKind = 'reply' | 'status' | 'broadcast' | 'notice';

/** Replies and status updates go ahead of broadcasts. */
export const PRIORITY: Record<MessageKind, number> = { reply: 1, status: 2, notice: 3, broadcast: 5 };

export interface NewMessage {
  address: string;
  channel: string;
  body: string;
  kind: MessageKind;
  priority?: number;
  citizenId?: number;
  requestId?: number;
  broadcastId?: number;
  notBefore?: Date;
}

/** A message claimed by a dispatcher, to be sent now. */
export interface ClaimedMessage {
  id: number;
  address: string;
  channel: string;
  body: string;
  kind: MessageKind;
  attempts: number;
}

/** Where a message stands; statuses only move forward (see `advance`). */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'cancelled';

/**
 * The outbox table's operations. `enqueue` takes the caller's transaction, so a message
 * exists exactly when the change that caused it was committed.
 */
export class Outbox {
  constructor(private readonly db: Database) {}

  /** Adds a message inside the caller's transaction (or on its own); returns its id. */
  async enqueue(message: NewMessage, tx: Queryable = this.db): Promise<number> {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO outbox (address, channel, body, kind, priority, citizen_id, request_id, broadcast_id, not_before)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, now())) RETURNING id`,
      [
        message.address,
        message.channel,
        message.body,
        message.kind,
        message.priority ?? PRIORITY[message.kind],
        message.citizenId ?? null,
        message.requestId ?? null,
        message.broadcastId ?? null,
        message.notBefore ?? null,
      ],
    );
    return Number(row.id);
  }

  /**
   * Claims up to `limit` due messages of the given channels for `leaseSeconds`: queued ones,
   * and ones whose earlier claim expired (their dispatcher died). Concurrent dispatchers
   * never claim the same row (FOR UPDATE SKIP LOCKED).
   */
  async claim(channels: string[], limit: number, leaseSeconds = 30): Promise<ClaimedMessage[]> {
    const rows = await this.db.query(
      `UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, lease_until = now() + make_interval(secs => $3)
        WHERE o.id IN (
          SELECT id FROM outbox
           WHERE status IN ('queued', 'sending') AND channel = ANY($1) AND not_before <= now()
             AND (status = 'queued' OR lease_until < now())
           ORDER BY priority, not_before, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.address, o.channel, o.body, o.kind, o.attempts`,
      [channels, limit, leaseSeconds],
    );
    return rows
      .map((row) => ({
        id: Number(row.id),
        address: row.address as string,
        channel: row.channel as string,
        body: row.body as string,
        kind: row.kind as MessageKind,
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /** Records a successful hand-over to the provider. */
  async markSent(id: number, providerId: string | undefined): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET status = 'sent', provider_id = $2, sent_at = now(), lease_until = NULL, last_error = NULL
        WHERE id = $1 AND status = 'sending'`,
      [id, providerId ?? null],
    );
  }

  /** Puts a message back in the queue after a retryable failure, not before `retryAt`. */
  async retryLater(id: number, error: string, retryAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET status = 'queued', not_before = $3, lease_until = NULL, last_error = $2 WHERE id = $1 AND status = 'sending'`,
      [id, error.slice(0, 500), retryAt],
    );
  }

  /** Gives up on a message. */
  async markFailed(id: number, error: string): Promise<void> {
    await this.db.query(`UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = $2 WHERE id = $1 AND status IN ('queued', 'sending')`, [
      id,
      error.slice(0, 500),
    ]);
  }

  /**
   * Applies a delivery report by provider id. Reports arrive late, twice or out of order, so
   * a status only ever moves forward. Returns false when no message has that provider id.
   */
  async advance(channel: string, providerId: string, status: 'sent' | 'delivered' | 'failed', error?: string): Promise<boolean> {
    // One statement: the rank comparison and the update cannot be split by another report.
    const rank = (column: string) =>
      `CASE ${column} WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'failed' THEN 3 ELSE 4 END`;
    const [row] = await this.db.query<{ moved: boolean }>(
      `WITH target AS (SELECT id, status FROM outbox WHERE channel = $1 AND provider_id = $2),
            moved AS (
              UPDATE outbox o SET status = $3, last_error = COALESCE($4, o.last_error),
                     delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE o.delivered_at END
                FROM target WHERE o.id = target.id AND ${rank('target.status')} < ${rank('$3::text')}
              RETURNING o.id)
       SELECT EXISTS (SELECT 1 FROM target) AS known`,
      [channel, providerId, status, error ?? null],
    );
    return Boolean((row as { known?: boolean } | undefined)?.known);
  }
}
