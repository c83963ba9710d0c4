import type { Logger } from '../log';
import type { Database } from '../store/sql';
import { recordChange } from './audit';
import type { ConsentLedger } from './consents';

/** What Lingkod holds about one citizen, as counts a screen can show (the citizen sees their own). */
export interface DataHeld {
  /** Phone numbers (`tel:`). */
  phones: number;
  /** Telegram chats and simulated phones. */
  chats: number;
  /** Requests filed, with their answers. */
  requests: number;
  /** Announcement topics followed (per municipality). */
  topics: number;
  /** Messages sent to them whose text is still kept (at most RETENTION_DAYS). */
  messages: number;
  /** Their chosen language, or null. */
  locale: string | null;
  /** Their consent history, newest first (the consent records: services/consents.ts). */
  consents: { purpose: string; action: 'given' | 'withdrawn'; channel: string; at: Date }[];
}

/** What one erasure removed, for the audit log and the tests. */
export interface Erasure {
  addresses: number;
  requestsAnonymised: number;
  messagesPurged: number;
  subscriptions: number;
  /** People on the phone (family profiles): names cleared, hidden from every list. */
  profiles: number;
  /** Requests filed for them at a service centre: answers cleared; pending ones declined. */
  assistedCleared: number;
  /** Consent purposes a withdrawal was appended for (the history itself stays: it names no one). */
  consentsWithdrawn: number;
}

/** The answers a request keeps after erasure: its municipality (a place, which names nobody), if it had one. */
export const ANONYMISED_ANSWERS = `CASE WHEN answers ? 'municipality' THEN jsonb_build_object('municipality', answers -> 'municipality') ELSE '{}'::jsonb END`;

/**
 * A citizen's rights over their data (Philippine Data Privacy Act, sections 16 and 18): to see
 * what is held about them, and to have it erased. Erasure is one transaction: the citizen's
 * addresses (their phone number, their Telegram chat), language and subscriptions go; the
 * texts of messages sent to them are purged and unsent ones cancelled; their requests stay with
 * the ministry, anonymised (answers removed but the municipality; reference, service, status
 * and history kept). The names of the people sharing their phone (profiles) are cleared, and
 * requests filed for them at a centre lose their answers (a pending one is declined, so it can
 * never be confirmed into a request). The citizen row stays as a tombstone (`deleted_at`) that holds those
 * requests: with no address, nothing can reach it again except a dialog already open on it,
 * and whatever that adds before it ends is anonymised by the retention job
 * (src/services/retention.ts). Their next message starts afresh as a new citizen. The erasure
 * is audited (`citizen.erase`, with counts only).
 */
export class DataRightsService {
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    log: Logger,
    private readonly consents: ConsentLedger,
  ) {
    this.log = log.child({ name: 'data-rights' });
  }

  /** What is held about a citizen. */
  async held(citizenId: number): Promise<DataHeld> {
    const [row] = await this.db.query<Record<string, string | null>>(
      `SELECT (SELECT count(*) FROM citizen_addresses WHERE citizen_id = $1 AND address LIKE 'tel:%') AS phones,
              (SELECT count(*) FROM citizen_addresses WHERE citizen_id = $1 AND address NOT LIKE 'tel:%') AS chats,
              (SELECT count(*) FROM requests WHERE citizen_id = $1 AND anonymised_at IS NULL) AS requests,
              (SELECT count(*) FROM subscriptions WHERE citizen_id = $1) AS topics,
              (SELECT count(*) FROM outbox o WHERE o.purged_at IS NULL
                  AND (o.citizen_id = $1 OR o.address IN (SELECT address FROM citizen_addresses WHERE citizen_id = $1))) AS messages,
              (SELECT locale FROM citizens WHERE id = $1) AS locale`,
      [citizenId],
    );
    const consents = (await this.consents.historyFor(citizenId)).reverse().map(({ purpose, action, channel, at }) => ({ purpose, action, channel, at }));
    return {
      consents,
      phones: Number(row.phones),
      chats: Number(row.chats),
      requests: Number(row.requests),
      topics: Number(row.topics),
      messages: Number(row.messages),
      locale: row.locale,
    };
  }

  /** Erases a citizen, as described above; erasing one again erases only what was added since. */
  async erase(citizenId: number, channel: string): Promise<Erasure> {
    const erasure = await this.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM citizens WHERE id = $1 FOR UPDATE', [citizenId]);
      const addresses = (await tx.query<{ address: string }>('DELETE FROM citizen_addresses WHERE citizen_id = $1 RETURNING address', [citizenId])).map(
        (row) => row.address,
      );
      const requests = await tx.query(`UPDATE requests SET answers = ${ANONYMISED_ANSWERS}, anonymised_at = now() WHERE citizen_id = $1 AND anonymised_at IS NULL RETURNING id`, [
        citizenId,
      ]);
      const purged = await tx.query(
        `UPDATE outbox SET body = '', payload = NULL, address = 'erased:' || id, citizen_id = NULL, purged_at = now(),
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                last_error = CASE WHEN status = 'queued' THEN 'citizen erased their data' ELSE last_error END
          WHERE citizen_id = $1 OR address = ANY($2::text[]) RETURNING id`,
        [citizenId, addresses],
      );
      await tx.query('DELETE FROM simulator_inbox WHERE address = ANY($1::text[])', [addresses]);
      const subscriptions = await tx.query('DELETE FROM subscriptions WHERE citizen_id = $1 RETURNING citizen_id', [citizenId]);
      // Profiles stay as rows (requests may name them) but name nobody.
      const profiles = await tx.query("UPDATE profiles SET name = '', removed_at = COALESCE(removed_at, now()) WHERE citizen_id = $1 AND name <> '' RETURNING id", [citizenId]);
      const assisted = await tx.query(
        `UPDATE assisted_requests SET answers = '{}', person = NULL, address = 'erased:' || id,
                status = CASE WHEN status = 'pending' THEN 'declined' ELSE status END, decided_at = COALESCE(decided_at, now())
          WHERE citizen_id = $1 AND address NOT LIKE 'erased:%' RETURNING id`,
        [citizenId],
      );
      // Appended before the language goes, so the withdrawal is recorded in the words they read.
      const consentsWithdrawn = await this.consents.withdrawAll(tx, citizenId, { channel, noticeKey: 'dialogs:mydata.erased' });
      await tx.query('UPDATE citizens SET locale = NULL, opted_out = true, deleted_at = COALESCE(deleted_at, now()) WHERE id = $1', [citizenId]);
      const result = {
        addresses: addresses.length,
        requestsAnonymised: requests.length,
        messagesPurged: purged.length,
        subscriptions: subscriptions.length,
        profiles: profiles.length,
        assistedCleared: assisted.length,
        consentsWithdrawn,
      };
      await recordChange(tx, { keyId: null, ministryCode: null, label: `citizen:${citizenId}` }, {
        ministryCode: null,
        action: 'citizen.erase',
        target: `citizen:${citizenId}`,
        details: { channel, ...result },
      });
      return result;
    });
    this.log.info({ citizenId, ...erasure }, 'a citizen erased their data');
    return erasure;
  }
}
