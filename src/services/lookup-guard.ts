import type { Logger } from '../log';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database } from '../store/sql';
import { recordChange } from './audit';

/** What a status lookup found: the request, nothing, or a refusal because of too many misses. */
export type LookupOutcome = 'found' | 'missing' | 'limited';

/** One status lookup, as a dialog asks for it. */
export interface LookupRequest {
  citizenId: number;
  /** The channel the lookup came from, kept in the audit entry. */
  channel: string;
  /** A reference whose check digit is right (the engine refuses the others before any lookup). */
  reference: string;
}

export interface LookupGuardDeps {
  db: Database;
  store: EphemeralStore;
  /** Misses allowed per citizen in one hour (STATUS_LOOKUP_MISSES_PER_HOUR). */
  missesPerHour: number;
  log: Logger;
}

const WINDOW_SECONDS = 3600;

/**
 * Status by reference, against guessing. References are eleven digits with a Verhoeff check
 * digit, so nine in ten guesses never reach a lookup; what passes the check digit comes here.
 * Each citizen (an address; linked addresses share one allowance) may miss
 * `missesPerHour` times an hour, counted in the ephemeral store; after that, lookups are
 * refused until the hour is over, without touching the records. Every lookup is written to
 * the audit log (`request.lookup`, with the outcome and channel), and so is the first refusal
 * of each hour (`request.lookup_limited`), so the log shows a guesser without growing with
 * every guess. The count is read before and raised after a miss: concurrent lookups by one
 * citizen may overshoot the allowance by the number in flight (one, on a phone).
 */
export class LookupGuard {
  private readonly log: Logger;

  constructor(private readonly deps: LookupGuardDeps) {
    this.log = deps.log.child({ name: 'lookup-guard' });
  }

  /** Looks a reference up for a citizen, or refuses to; audits what it did. */
  async lookup({ citizenId, channel, reference }: LookupRequest): Promise<LookupOutcome> {
    const { db, store, missesPerHour } = this.deps;
    const actor = { keyId: null, ministryCode: null, label: `citizen:${citizenId}` };
    const key = `lookup:misses:${citizenId}`;
    const misses = Number((await store.get(key)) ?? 0);
    if (misses >= missesPerHour) {
      if (await store.setIfAbsent(`lookup:limited:${citizenId}`, '1', WINDOW_SECONDS)) {
        await recordChange(db, actor, { ministryCode: null, action: 'request.lookup_limited', target: `citizen:${citizenId}`, details: { channel, misses } });
        this.log.info({ citizenId, channel }, 'status lookups refused for an hour after repeated misses');
      }
      return 'limited';
    }
    const [row] = await db.query<{ ministry_code: string }>(
      'SELECT s.ministry_code FROM requests r JOIN services s ON s.code = r.service_code WHERE r.reference = $1',
      [reference],
    );
    const outcome: LookupOutcome = row ? 'found' : 'missing';
    await recordChange(db, actor, { ministryCode: row?.ministry_code ?? null, action: 'request.lookup', target: `request:${reference}`, details: { channel, outcome } });
    if (!row) await store.increment(key, WINDOW_SECONDS);
    return outcome;
  }
}
