import type { i18n } from 'i18next';
import { translate } from '../i18n';
import { CODE_SLOT, type VerificationStamp } from '../outbox/outbox';
import type { EphemeralStore } from '../store/ephemeral';
import type { Queryable } from '../store/sql';
import type { LocalizedText } from './catalog-schema';

/**
 * "Is this message really from Lingkod?" Every message Lingkod pushes ends with a short code
 * (made by SQL's verification_code(), migrations/008, when the outbox queues it). A citizen who
 * texts `VERIFY <code>`, or dials and chooses "Check a message", learns whether Lingkod sent a
 * message with that code to them, when, and from which ministry (or centre). A code is looked
 * up only among the asker's own messages, so it reveals nothing about anyone else's, and each
 * citizen gets VERIFY_LOOKUPS_PER_HOUR lookups, so codes cannot be tried by the thousand.
 */

/** A code has six characters; see migrations/008 for how they are drawn. */
const CODE_LENGTH = 6;

/** What a lookup found. `when` is local time (TIME_ZONE), `YYYY-MM-DD HH:MM`. */
export type VerifyOutcome =
  | { kind: 'genuine'; when: string; ministry: LocalizedText | null; centre: string | null }
  | { kind: 'unknown' }
  | { kind: 'limited' };

export interface VerificationSettings {
  store: EphemeralStore;
  /** Lookups per citizen per hour. */
  perHour: number;
  timeZone: string;
}

/** A code as typed, in capitals without spaces or dashes; undefined when it cannot be a code. */
export function normaliseCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s.-]/g, '');
  return new RegExp(`^[A-Z2-9]{${CODE_LENGTH}}$`).test(code) ? code : undefined;
}

/** The outbox's stamp: `notifications:verify.line` in every language, with the code's slot. */
export function verificationStamp(i18n: i18n, locales: readonly string[], defaultLocale: string): VerificationStamp {
  const lines = Object.fromEntries(locales.map((locale) => [locale, translate(i18n, locale, { key: 'notifications:verify.line', params: { code: CODE_SLOT } })]));
  return { lines, defaultLocale };
}

/** Local date and time of a moment, `YYYY-MM-DD HH:MM`, whatever the citizen's language. */
function localTime(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Looks codes up for the citizen who asks, within their hourly allowance. */
export class VerificationService {
  constructor(
    private readonly db: Queryable,
    private readonly settings: VerificationSettings,
  ) {}

  /**
   * Whether Lingkod sent the citizen (at any of their addresses) a message with this code.
   * Every call counts against the allowance, found or not, well-formed or not.
   */
  async check(citizenId: number, typed: string): Promise<VerifyOutcome> {
    const count = await this.settings.store.increment(`verify:${citizenId}`, 3600);
    if (count > this.settings.perHour) return { kind: 'limited' };
    const code = normaliseCode(typed);
    if (!code) return { kind: 'unknown' };
    const [row] = await this.db.query<{ at: Date | string; ministry: LocalizedText | null; centre: string | null }>(
      `SELECT COALESCE(o.sent_at, o.created_at) AS at, COALESCE(bm.name, sm.name) AS ministry, ce.name AS centre
         FROM outbox o
         LEFT JOIN broadcasts b ON b.id = o.broadcast_id
         LEFT JOIN ministries bm ON bm.code = b.ministry_code
         LEFT JOIN requests r ON r.id = o.request_id
         LEFT JOIN services s ON s.code = r.service_code
         LEFT JOIN ministries sm ON sm.code = s.ministry_code
         LEFT JOIN assisted_requests ar ON ar.outbox_id = o.id
         LEFT JOIN centres ce ON ce.code = ar.centre_code
        WHERE o.verification_code = $1 AND o.status <> 'cancelled'
          AND (o.citizen_id = $2 OR o.address IN (SELECT address FROM citizen_addresses WHERE citizen_id = $2))
        ORDER BY o.id DESC
        LIMIT 1`,
      [code, citizenId],
    );
    if (!row) return { kind: 'unknown' };
    return { kind: 'genuine', when: localTime(new Date(row.at), this.settings.timeZone), ministry: row.ministry ?? null, centre: row.centre ?? null };
  }
}
