import type { Queryable } from '../store/sql';

/**
 * Opting out of announcements and back in. An opted-out citizen still gets answers to what
 * they send and updates on their own requests, never a broadcast (broadcasts skip
 * `citizens.opted_out`). Each change reports whether anything changed, so a confirmation is
 * sent once, not for every repeated STOP.
 */
export class OptOutService {
  constructor(private readonly db: Queryable) {}

  /** Opts a citizen out; true when they were opted in until now. */
  async optOut(citizenId: number): Promise<boolean> {
    const rows = await this.db.query(
      'UPDATE citizens SET opted_out = true, opted_out_at = now() WHERE id = $1 AND NOT opted_out RETURNING id',
      [citizenId],
    );
    return rows.length > 0;
  }

  /** Opts a citizen back in; true when they were opted out until now. */
  async optIn(citizenId: number): Promise<boolean> {
    const rows = await this.db.query('UPDATE citizens SET opted_out = false, opted_out_at = NULL WHERE id = $1 AND opted_out RETURNING id', [
      citizenId,
    ]);
    return rows.length > 0;
  }

  /**
   * Opts out the citizen behind an address, when a provider says the number refuses our
   * messages (Twilio error 21610: the person texted STOP to the carrier).
   */
  async optOutAddress(address: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE citizens c SET opted_out = true, opted_out_at = now()
         FROM citizen_addresses a WHERE a.address = $1 AND c.id = a.citizen_id AND NOT c.opted_out RETURNING c.id`,
      [address],
    );
    return rows.length > 0;
  }
}
