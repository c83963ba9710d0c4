import type { Database } from '../store/sql';
import type { ConsentEvidence, ConsentLedger } from './consents';

/**
 * Opting out of announcements and back in. An opted-out citizen still gets answers to what
 * they send and updates on their own requests, never a broadcast (broadcasts skip
 * `citizens.opted_out`). Each change reports whether anything changed, so a confirmation is
 * sent once, not for every repeated STOP; each change is appended to the consent history in the
 * same transaction, with the reply the citizen got (services/consents.ts).
 */
export class OptOutService {
  constructor(
    private readonly db: Database,
    private readonly consents: ConsentLedger,
  ) {}

  /** Opts a citizen out; true when they were opted in until now. */
  async optOut(citizenId: number, evidence: ConsentEvidence): Promise<boolean> {
    return this.change('UPDATE citizens SET opted_out = true, opted_out_at = now() WHERE id = $1 AND NOT opted_out RETURNING id', citizenId, 'withdrawn', evidence);
  }

  /** Opts a citizen back in; true when they were opted out until now. */
  async optIn(citizenId: number, evidence: ConsentEvidence): Promise<boolean> {
    return this.change('UPDATE citizens SET opted_out = false, opted_out_at = NULL WHERE id = $1 AND opted_out RETURNING id', citizenId, 'given', evidence);
  }

  /**
   * Opts out the citizen behind an address, when a provider says the number refuses our
   * messages (Twilio error 21610: the person texted STOP to the carrier).
   */
  async optOutAddress(address: string): Promise<boolean> {
    const [row] = await this.db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [address]);
    return row ? this.optOut(Number(row.citizen_id), { channel: 'carrier', noticeKey: 'privacy:consent.carrier_opt_out' }) : false;
  }

  private async change(sql: string, citizenId: number, action: 'given' | 'withdrawn', evidence: ConsentEvidence): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(sql, [citizenId]);
      if (rows.length === 0) return false;
      await this.consents.record(tx, { citizenId, purpose: 'announcements', action, ...evidence });
      return true;
    });
  }
}
