import type { Database, Queryable } from '../store/sql';

/**
 * A text recorded but never marked handled is taken up again when its provider resends it this
 * many seconds after it arrived: its first handling was cut short (a resend arriving sooner is
 * a replay of a text still being handled, and stays a duplicate). Kannel resends after
 * `http-queue-delay` (30 s in the README's configuration).
 */
const RETAKE_AFTER_SECONDS = 20;

/** Every this many Telegram updates, handled update ids older than two days are pruned. */
const PRUNE_EVERY = 500;

/**
 * Inbound de-duplication: each provider's message or update is handled once, whichever
 * instance it reaches and however often the provider resends it. Only a primary key or UNIQUE
 * constraint (not a cache) can promise that two instances never both handle it.
 */
export class InboundLog {
  constructor(private readonly db: Database) {}

  /**
   * Records a text's provider id (`inbound_messages`); false when it was recorded before (a retry
   * or a replay), unless its handling was cut short long enough ago to take it up again.
   */
  async firstText(provider: string, providerId: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO inbound_messages (channel, provider_id) VALUES ($1, $2)
       ON CONFLICT (channel, provider_id) DO UPDATE SET received_at = now()
         WHERE inbound_messages.handled_at IS NULL AND inbound_messages.received_at < now() - make_interval(secs => $3)
       RETURNING provider_id`,
      [provider, providerId, RETAKE_AFTER_SECONDS],
    );
    return rows.length > 0;
  }

  /** Marks a text handled, in the transaction that queued its reply. */
  async textHandled(tx: Queryable, provider: string, providerId: string): Promise<void> {
    await tx.query('UPDATE inbound_messages SET handled_at = now() WHERE channel = $1 AND provider_id = $2', [provider, providerId]);
  }

  /**
   * Records a Telegram update id (`telegram_updates`); true the first time. Telegram redelivers
   * an update when a webhook answer is slow or lost, and gives up after 24 hours, so older ids
   * are pruned now and then.
   */
  async firstUpdate(updateId: number): Promise<boolean> {
    const rows = await this.db.query('INSERT INTO telegram_updates (update_id) VALUES ($1) ON CONFLICT (update_id) DO NOTHING RETURNING update_id', [updateId]);
    if (rows.length > 0 && updateId % PRUNE_EVERY === 0) {
      await this.db.query(`DELETE FROM telegram_updates WHERE received_at < now() - interval '2 days'`);
    }
    return rows.length > 0;
  }
}
