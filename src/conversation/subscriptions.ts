import { phoneAddress } from '../address';
import type { Database } from '../store/sql';

/**
 * Per-subscriber consent some SMS providers require before they carry a message (Globe Labs'
 * access_token per subscriber): one opaque credential per provider and phone, as the adapter
 * sealed it. The conversation layer keeps the rows; only the adapter can read what is in them.
 */
export class SmsSubscriptions {
  constructor(private readonly db: Database) {}

  /** Records (or replaces) the sealed credential for `rawNumber`; false when it is not a phone number. */
  async save(provider: string, rawNumber: string, sealed: string): Promise<boolean> {
    const address = phoneAddress(rawNumber);
    if (!address) return false;
    await this.db.query(
      `INSERT INTO sms_subscriptions (provider, address, token_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (provider, address) DO UPDATE SET token_sealed = EXCLUDED.token_sealed, subscribed_at = now()`,
      [provider, address, sealed],
    );
    return true;
  }

  /** The sealed credential for `address` (`tel:+…`), or undefined while they have not subscribed. */
  async sealedFor(provider: string, address: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ token_sealed: string }>('SELECT token_sealed FROM sms_subscriptions WHERE provider = $1 AND address = $2', [provider, address]);
    return row?.token_sealed;
  }

  /** Forgets the credential for `rawNumber` (unsubscribed, or revoked at the provider); true when there was one. */
  async remove(provider: string, rawNumber: string): Promise<boolean> {
    const address = phoneAddress(rawNumber);
    if (!address) return false;
    const rows = await this.db.query('DELETE FROM sms_subscriptions WHERE provider = $1 AND address = $2 RETURNING address', [provider, address]);
    return rows.length > 0;
  }
}
