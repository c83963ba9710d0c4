import type { i18n } from 'i18next';
import type { Queryable } from '../store/sql';
import { assertPrivacyOfficer, type Actor } from './access';
import { recordChange, sha256 } from './audit';
import type { PurposeRegistry } from './purposes';

/** Consent given or withdrawn. */
export type ConsentAction = 'given' | 'withdrawn';

/**
 * What a citizen saw when their consent changed: the channel, and the locale key of the text
 * (with its parameters), rendered here in their language exactly as the screen or reply showed it.
 */
export interface ConsentEvidence {
  channel: string;
  noticeKey: string;
  /** The text's parameters, in the citizen's language (`localeOf`). */
  params?: Record<string, string>;
}

/** One consent change, as it is recorded: what a hook (subscribe, STOP, START, a survey opt-in) passes. */
export interface ConsentChange extends ConsentEvidence {
  citizenId: number;
  /** A purpose code from the purposes file whose lawful basis is consent. */
  purpose: string;
  /** What within the purpose: `health-advisories/bas-lamitan` for one subscription; '' for all of it. */
  scope?: string;
  action: ConsentAction;
}

/** A recorded consent event. */
export interface ConsentRecord {
  id: number;
  citizenId: number;
  purpose: string;
  scope: string;
  action: ConsentAction;
  channel: string;
  noticeKey: string;
  noticeLocale: string;
  noticeText: string;
  noticeSha256: string;
  purposesVersion: number;
  at: Date;
}

export interface ConsentFilter {
  purpose?: string;
  citizenId?: number;
  from?: Date;
  to?: Date;
  limit: number;
  /** Records older than this id (the previous page's cursor). */
  before?: number;
}

const COLUMNS = 'id, citizen_id, purpose, scope, action, channel, notice_key, notice_locale, notice_text, notice_sha256, purposes_version, created_at';

function toRecord(row: Record<string, unknown>): ConsentRecord {
  return {
    id: Number(row.id),
    citizenId: Number(row.citizen_id),
    purpose: row.purpose as string,
    scope: row.scope as string,
    action: row.action as ConsentAction,
    channel: row.channel as string,
    noticeKey: row.notice_key as string,
    noticeLocale: row.notice_locale as string,
    noticeText: row.notice_text as string,
    noticeSha256: row.notice_sha256 as string,
    purposesVersion: Number(row.purposes_version),
    at: new Date(row.created_at as string),
  };
}

/**
 * The consent history (table `consent_events`, append-only in the database itself: migration
 * 018's trigger refuses UPDATE, DELETE and TRUNCATE). Every change of consent is one new row
 * with the exact text the citizen saw, its SHA-256 and the purposes version, so a revision can
 * be proved and never rewritten (GovStack Consent BB: revisions and their hashes).
 *
 * Erasure and append-only live together because a row names no one: it holds the citizen's
 * key, never a number, chat or name; erasure removes every address that key led to and appends
 * a withdrawal of each consent purpose, so what stays is evidence that consent was asked for
 * and withdrawn, about a person no one can find from it (services/data-rights.ts).
 */
export class ConsentLedger {
  constructor(
    private readonly db: Queryable,
    private readonly i18n: i18n,
    private readonly purposes: PurposeRegistry,
    private readonly defaultLocale: string,
  ) {}

  /** Appends one change inside `tx` (the transaction of the change itself). */
  async record(tx: Queryable, change: ConsentChange): Promise<void> {
    const purpose = this.purposes.get(change.purpose);
    if (purpose.lawfulBasis !== 'consent') throw new Error(`purpose "${change.purpose}" does not rest on consent`);
    const locale = await this.localeOf(change.citizenId, tx);
    const text = this.i18n.t(change.noticeKey, { lng: locale, ...change.params, interpolation: { escapeValue: false } });
    await tx.query(
      `INSERT INTO consent_events (citizen_id, purpose, scope, action, channel, notice_key, notice_locale, notice_text, notice_sha256, purposes_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [change.citizenId, change.purpose, change.scope ?? '', change.action, change.channel, change.noticeKey, locale, text, sha256(text), this.purposes.version],
    );
  }

  /** The language a citizen's consent texts are recorded in: theirs, or the default. */
  async localeOf(citizenId: number, db: Queryable = this.db): Promise<string> {
    const [citizen] = await db.query<{ locale: string | null }>('SELECT locale FROM citizens WHERE id = $1', [citizenId]);
    return citizen?.locale ?? this.defaultLocale;
  }

  /** Appends a withdrawal of every consent purpose the citizen ever gave (their erasure). */
  async withdrawAll(tx: Queryable, citizenId: number, evidence: ConsentEvidence): Promise<number> {
    const given = await tx.query<{ purpose: string }>("SELECT DISTINCT purpose FROM consent_events WHERE citizen_id = $1 AND action = 'given' ORDER BY purpose", [citizenId]);
    for (const { purpose } of given) await this.record(tx, { citizenId, purpose, action: 'withdrawn', ...evidence });
    return given.length;
  }

  /** A citizen's own history, oldest first (MYDATA). */
  async historyFor(citizenId: number): Promise<ConsentRecord[]> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM consent_events WHERE citizen_id = $1 ORDER BY id`, [citizenId]);
    return rows.map(toRecord);
  }

  /**
   * The privacy officer's read, newest first, one page at a time; read-only, and itself audited
   * (`consent.read`, with the filter and how many records were shown).
   */
  async list(actor: Actor, filter: ConsentFilter): Promise<{ items: ConsentRecord[]; nextCursor: string | null }> {
    assertPrivacyOfficer(actor, 'read consent records');
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM consent_events
        WHERE ($1::text IS NULL OR purpose = $1) AND ($2::bigint IS NULL OR citizen_id = $2)
          AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
          AND ($5::bigint IS NULL OR id < $5)
        ORDER BY id DESC LIMIT $6`,
      [filter.purpose ?? null, filter.citizenId ?? null, filter.from ?? null, filter.to ?? null, filter.before ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map(toRecord);
    await recordChange(this.db, actor, {
      ministryCode: null,
      action: 'consent.read',
      target: 'consents',
      details: { purpose: filter.purpose ?? null, citizen: filter.citizenId ?? null, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null, shown: items.length },
    });
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1].id) : null };
  }
}
