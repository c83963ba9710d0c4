import type { Outbox } from '../../outbox/outbox';
import type { Database } from '../../store/sql';
import type { OutboundMessage } from '../channel';

/** A message a simulated phone received (a status update, an announcement). */
export interface InboxMessage {
  id: number;
  body: string;
  /** Why it was sent ('status', 'broadcast', …), from its outbox row. */
  kind: string | null;
  receivedAt: Date;
}

/** The simulator's provider id for an inbox row, as delivery reports name it. */
const providerIdOf = (inboxId: number) => `sim-${inboxId}`;

/**
 * The simulated phones' inboxes, in the `simulator_inbox` table so every instance sees the
 * same ones. Delivering is idempotent per outbox message (a dispatcher that retries after a
 * crash finds the earlier copy), and a phone fetching its inbox is the delivery report.
 */
export class SimulatorInbox {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
  ) {}

  /** Puts a message in its phone's inbox; returns the provider id for the outbox. */
  async deliver(message: OutboundMessage): Promise<string> {
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO simulator_inbox (address, body, outbox_id) VALUES ($1, $2, $3)
       ON CONFLICT (outbox_id) WHERE outbox_id IS NOT NULL DO UPDATE SET outbox_id = EXCLUDED.outbox_id
       RETURNING id`,
      [message.address, message.body, message.id],
    );
    return providerIdOf(Number(row.id));
  }

  /**
   * The phone's messages after `afterId`, oldest first, at most `limit`. Every message the
   * phone has now seen is reported delivered to the outbox, once: the outbox learns a message's
   * provider id just after the send returns, so one fetched in between is reported by the next
   * fetch.
   */
  async fetch(address: string, afterId: number, limit = 50): Promise<InboxMessage[]> {
    const rows = await this.db.query<{ id: string; body: string; kind: string | null; received_at: string | Date }>(
      `SELECT i.id, i.body, o.kind, i.received_at
         FROM simulator_inbox i LEFT JOIN outbox o ON o.id = i.outbox_id
        WHERE i.address = $1 AND i.id > $2 ORDER BY i.id LIMIT $3`,
      [address, afterId, limit],
    );
    const seen = Math.max(afterId, ...rows.map((row) => Number(row.id)));
    const undelivered = await this.db.query<{ id: string }>(
      'SELECT id FROM simulator_inbox WHERE address = $1 AND delivered_at IS NULL AND id <= $2 ORDER BY id',
      [address, seen],
    );
    for (const { id } of undelivered) {
      if (await this.outbox.advance('simulator', providerIdOf(Number(id)), 'delivered')) {
        await this.db.query('UPDATE simulator_inbox SET delivered_at = now() WHERE id = $1', [id]);
      }
    }
    return rows.map((row) => ({ id: Number(row.id), body: row.body, kind: row.kind, receivedAt: new Date(row.received_at) }));
  }
}
