import type { Database } from '../../../src/store/sql';
import { newKey } from '../../support/ministries';

/** A broadcast of `ministry`, already sending, whose messages a test queues itself; its id and the officer's key. */
export async function sendingBroadcast(db: Database, ministry: string): Promise<{ broadcastId: number; officer: Awaited<ReturnType<typeof newKey>> }> {
  const officer = await newKey(db, ministry);
  const [{ id }] = await db.query<{ id: string }>(
    `INSERT INTO broadcasts (ministry_code, topic_code, texts, default_locale, created_by, status, started_at)
     VALUES ($1, (SELECT code FROM topics LIMIT 1), '{"en":"Flood warning"}', 'en', $2, 'sending', now()) RETURNING id`,
    [ministry, officer.id],
  );
  return { broadcastId: Number(id), officer };
}
