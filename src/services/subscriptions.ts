import type { Queryable } from '../store/sql';

/** A citizen's subscription to announcements on a topic in a municipality. */
export interface Subscription {
  topicCode: string;
  municipalityCode: string;
}

/** Announcement subscriptions: who wants to hear about what, where. */
export class SubscriptionService {
  constructor(private readonly db: Queryable) {}

  /** Subscribes; subscribing twice is the same as once. True when it was new. */
  async subscribe(citizenId: number, topicCode: string, municipalityCode: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO subscriptions (citizen_id, topic_code, municipality_code) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING topic_code`,
      [citizenId, topicCode, municipalityCode],
    );
    return rows.length > 0;
  }

  /** Unsubscribes; true when there was a subscription to remove. */
  async unsubscribe(citizenId: number, topicCode: string, municipalityCode: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM subscriptions WHERE citizen_id = $1 AND topic_code = $2 AND municipality_code = $3 RETURNING topic_code',
      [citizenId, topicCode, municipalityCode],
    );
    return rows.length > 0;
  }

  async listFor(citizenId: number): Promise<Subscription[]> {
    const rows = await this.db.query<{ topic_code: string; municipality_code: string }>(
      'SELECT topic_code, municipality_code FROM subscriptions WHERE citizen_id = $1 ORDER BY created_at, topic_code',
      [citizenId],
    );
    return rows.map((row) => ({ topicCode: row.topic_code, municipalityCode: row.municipality_code }));
  }
}
