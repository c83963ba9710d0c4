import type { Queryable } from '../../store/sql';

/** Every this many updates, handled update ids older than two days are pruned. */
const PRUNE_EVERY = 500;

/**
 * Records an update id; true the first time it is seen, false for a redelivery. Telegram
 * redelivers an update when a webhook answer is slow or lost, and only the primary key of
 * `telegram_updates` (not a cache) can promise that two instances never both handle it.
 * Telegram gives up on an update after 24 hours, so older ids are pruned now and then.
 */
export async function firstSight(db: Queryable, updateId: number): Promise<boolean> {
  const rows = await db.query('INSERT INTO telegram_updates (update_id) VALUES ($1) ON CONFLICT (update_id) DO NOTHING RETURNING update_id', [updateId]);
  if (rows.length > 0 && updateId % PRUNE_EVERY === 0) {
    await db.query(`DELETE FROM telegram_updates WHERE received_at < now() - interval '2 days'`);
  }
  return rows.length > 0;
}
