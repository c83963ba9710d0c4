import type { Database, Queryable } from '../store/sql';

/** What linking did: added the phone, merged two citizens into one, or found them already one. */
export type LinkOutcome = 'linked' | 'merged' | 'already';

/**
 * Links a chat address (`telegram:…`) and a phone (`tel:+63…`) as one citizen, after the
 * channel has verified that the phone is the chat user's own (Telegram: a shared contact whose
 * `user_id` is the sender's).
 *
 * - The phone is not known yet: it becomes an address of the chat's citizen, recorded as never
 *   used (seen at the epoch), so updates keep going to the chat until the citizen writes from
 *   the phone (see reachability.ts).
 * - The phone belongs to another citizen (they used USSD or SMS before): the chat's citizen is
 *   merged into the phone's. Addresses, requests, subscriptions and queued messages move over;
 *   the language chosen in the chat wins (it is the more recent choice); an opt-out on either
 *   side is kept. The emptied citizen row stays behind, holding nothing, so that no other
 *   table loses a row it refers to.
 *
 * All in one transaction: a crash leaves either two citizens or one, never half of each.
 */
export async function linkPhone(db: Database, chatAddress: string, phoneAddress: string): Promise<LinkOutcome> {
  return db.transaction(async (tx) => {
    const chatCitizen = await citizenOf(tx, chatAddress);
    if (chatCitizen === undefined) throw new Error('linkPhone: the chat address has no citizen yet');
    let phoneCitizen = await citizenOf(tx, phoneAddress);
    if (phoneCitizen === undefined) {
      const inserted = await tx.query(
        `INSERT INTO citizen_addresses (address, citizen_id, channel, last_seen_at) VALUES ($1, $2, 'sms', to_timestamp(0))
         ON CONFLICT (address) DO NOTHING RETURNING address`,
        [phoneAddress, chatCitizen],
      );
      if (inserted.length > 0) return 'linked';
      // A dial from that phone created it at this very moment: merge as below.
      phoneCitizen = await citizenOf(tx, phoneAddress);
      if (phoneCitizen === undefined) throw new Error('linkPhone: the phone address vanished while linking');
    }
    if (phoneCitizen === chatCitizen) return 'already';
    await merge(tx, chatCitizen, phoneCitizen);
    return 'merged';
  });
}

/** True when the citizen behind `address` has a phone among their addresses. */
export async function hasPhone(db: Queryable, address: string): Promise<boolean> {
  const [row] = await db.query<{ linked: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM citizen_addresses mine JOIN citizen_addresses other ON other.citizen_id = mine.citizen_id
        WHERE mine.address = $1 AND other.address LIKE 'tel:%') AS linked`,
    [address],
  );
  return row?.linked ?? false;
}

async function citizenOf(tx: Queryable, address: string): Promise<number | undefined> {
  const [row] = await tx.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1 FOR UPDATE', [address]);
  return row ? Number(row.citizen_id) : undefined;
}

/** Moves everything of citizen `from` to citizen `into`. */
async function merge(tx: Queryable, from: number, into: number): Promise<void> {
  await tx.query(
    `UPDATE citizens kept SET locale = COALESCE(merged.locale, kept.locale),
            opted_out = kept.opted_out OR merged.opted_out,
            opted_out_at = CASE WHEN kept.opted_out OR merged.opted_out THEN COALESCE(kept.opted_out_at, merged.opted_out_at, now()) END
       FROM citizens merged WHERE kept.id = $2 AND merged.id = $1`,
    [from, into],
  );
  await tx.query('UPDATE citizen_addresses SET citizen_id = $2 WHERE citizen_id = $1', [from, into]);
  await tx.query('UPDATE requests SET citizen_id = $2 WHERE citizen_id = $1', [from, into]);
  await tx.query(
    `INSERT INTO subscriptions (citizen_id, topic_code, municipality_code, created_at)
     SELECT $2, topic_code, municipality_code, created_at FROM subscriptions WHERE citizen_id = $1
     ON CONFLICT DO NOTHING`,
    [from, into],
  );
  await tx.query('DELETE FROM subscriptions WHERE citizen_id = $1', [from]);
  await tx.query('UPDATE outbox SET citizen_id = $2 WHERE citizen_id = $1', [from, into]);
}
