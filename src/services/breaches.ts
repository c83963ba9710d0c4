import type { Outbox } from '../outbox/outbox';
import type { Database } from '../store/sql';
import { assertNoLink, assertPrivacyOfficer, InvalidError, NotFoundError, type Actor } from './access';
import { contentDigest, recordChange } from './audit';
import { preferredAddress } from './reachability';

/** What the NPC's breach notification asks (Circular 16-03, section 17). */
export interface BreachReport {
  nature: string;
  dataInvolved: string;
  measures: string;
  dpoContact: string;
  helpOffered: string;
}

/** Who is affected: citizens with a request in the window, of the ministry or service, or with one of the references. */
export interface BreachSelection {
  from?: Date;
  to?: Date;
  ministry?: string;
  service?: string;
  references?: string[];
}

export interface BreachInput {
  report: BreachReport;
  selection: BreachSelection;
  /** The notice per locale; a citizen whose language has none gets `defaultLocale`'s. */
  texts: Record<string, string>;
}

export interface BreachRecord {
  id: number;
  report: BreachReport;
  selection: Record<string, unknown>;
  affected: number;
  notified: number;
  createdAt: Date;
}

/**
 * Breach notices: the privacy officer selects who is affected and writes the notice per
 * language; each affected citizen gets it at once as a `notice` (ahead of broadcasts, and not
 * held by quiet hours: the dispatcher holds only broadcasts then), in their language, at the
 * address status updates use; the report's fields and counts are kept for the NPC. Every step is
 * audited (`breach.notify`, `breach.report`), with the texts by digest only.
 */
export class BreachService {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly settings: { defaultLocale: string; sendingChannels: () => string[]; queued: () => void },
  ) {}

  async notify(actor: Actor, input: BreachInput): Promise<BreachRecord> {
    assertPrivacyOfficer(actor, 'send breach notices');
    const { selection, texts } = input;
    if (texts[this.settings.defaultLocale] === undefined) throw new InvalidError(`texts has no "${this.settings.defaultLocale}" text, the default locale`);
    for (const [locale, text] of Object.entries(texts)) assertNoLink(`texts.${locale}`, text);
    if (!selection.from && !selection.to && !selection.ministry && !selection.service && !selection.references?.length) {
      throw new InvalidError('select who is affected: a time window, a ministry, a service or references');
    }
    const record = await this.db.transaction(async (tx) => {
      const affected = await tx.query<{ citizen_id: string; locale: string | null }>(
        `SELECT DISTINCT c.id AS citizen_id, c.locale FROM requests r JOIN citizens c ON c.id = r.citizen_id JOIN services s ON s.code = r.service_code
          WHERE c.deleted_at IS NULL
            AND ($1::timestamptz IS NULL OR r.created_at >= $1) AND ($2::timestamptz IS NULL OR r.created_at < $2)
            AND ($3::text IS NULL OR s.ministry_code = $3) AND ($4::text IS NULL OR r.service_code = $4)
            AND ($5::text[] IS NULL OR r.reference = ANY($5::text[]))
          ORDER BY c.id`,
        [selection.from ?? null, selection.to ?? null, selection.ministry ?? null, selection.service ?? null, selection.references?.length ? selection.references : null],
      );
      let notified = 0;
      for (const citizen of affected) {
        const reach = await preferredAddress(tx, Number(citizen.citizen_id), this.settings.sendingChannels());
        if (!reach) continue;
        const locale = citizen.locale !== null && texts[citizen.locale] !== undefined ? citizen.locale : this.settings.defaultLocale;
        await this.outbox.enqueue({ address: reach.address, channel: reach.channel, body: texts[locale], kind: 'notice', citizenId: Number(citizen.citizen_id), locale }, tx);
        notified++;
      }
      const stored = { ...selection, from: selection.from?.toISOString(), to: selection.to?.toISOString() };
      const [row] = await tx.query<{ id: string; created_at: string }>(
        'INSERT INTO breaches (report, selection, texts, affected, notified, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at',
        [JSON.stringify(input.report), JSON.stringify(stored), JSON.stringify(texts), affected.length, notified, actor.keyId],
      );
      await recordChange(tx, actor, {
        ministryCode: selection.ministry ?? null,
        action: 'breach.notify',
        target: `breach:${row.id}`,
        details: { selection: { ...stored, references: selection.references?.length ?? 0 }, texts: Object.fromEntries(Object.entries(texts).map(([locale, text]) => [locale, contentDigest(text)])), affected: affected.length, notified },
      });
      return { id: Number(row.id), report: input.report, selection: stored, affected: affected.length, notified, createdAt: new Date(row.created_at) };
    });
    this.settings.queued();
    return record;
  }

  /** The NPC report of a breach: its fields and counts (export); the read is audited. */
  async report(actor: Actor, id: number): Promise<BreachRecord> {
    assertPrivacyOfficer(actor, 'read breach reports');
    const [row] = await this.db.query<{ id: string; report: BreachReport; selection: Record<string, unknown>; affected: number; notified: number; created_at: string }>(
      'SELECT id, report, selection, affected, notified, created_at FROM breaches WHERE id = $1',
      [id],
    );
    if (!row) throw new NotFoundError(`no breach ${id}`);
    await recordChange(this.db, actor, { ministryCode: null, action: 'breach.report', target: `breach:${id}`, details: {} });
    return { id: Number(row.id), report: row.report, selection: row.selection, affected: Number(row.affected), notified: Number(row.notified), createdAt: new Date(row.created_at) };
  }
}
