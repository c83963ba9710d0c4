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
  /** The gateway and mobile network it came through (`africastalking:51502`), when the channel knows it. */
  network?: string;
  /** A reference whose check digit is right (the engine refuses the others before any lookup). */
  reference: string;
}

/** Misses allowed per hour, by whom they come from. */
export interface LookupLimits {
  /** Per citizen (STATUS_LOOKUP_MISSES_PER_HOUR). */
  perCitizen: number;
  /** Per gateway and network together (STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR). */
  perNetwork: number;
  /** From everyone together (STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR). */
  total: number;
}

export interface LookupGuardDeps {
  db: Database;
  store: EphemeralStore;
  limits: LookupLimits;
  log: Logger;
}

const WINDOW_SECONDS = 3600;

/** One allowance a miss counts against: its counter key, and what the audit and logs call it. */
interface Scope {
  name: 'citizen' | 'network' | 'total';
  key: string;
  allowed: number;
}

/**
 * Status by reference, against guessing. References are eleven digits with a Verhoeff check
 * digit, so nine in ten guesses never reach a lookup; what passes the check digit comes here.
 * A miss counts against three allowances an hour, in the ephemeral store (shared by every
 * instance): the citizen's (an address; linked addresses share one), the gateway and network's
 * it came through (the channel's, when the channel names no network: the simulator's numbers,
 * say, are free to invent), and everyone's together. Numbers are free to a guesser; networks and
 * the total are not. Once any allowance is spent, lookups it covers are refused until its hour
 * is over, without touching the records. Every lookup is written to the audit log
 * (`request.lookup`, with the outcome, the channel and any network), and so is the first refusal of
 * each hour per allowance (`request.lookup_limited`, naming it), so the log shows a guesser
 * without growing with every guess. The counts are read before and raised after a miss:
 * concurrent lookups may overshoot an allowance by the number in flight.
 */
export class LookupGuard {
  private readonly log: Logger;

  constructor(private readonly deps: LookupGuardDeps) {
    this.log = deps.log.child({ name: 'lookup-guard' });
  }

  /** Looks a reference up for a citizen, or refuses to; audits what it did. */
  async lookup({ citizenId, channel, network, reference }: LookupRequest): Promise<LookupOutcome> {
    const { db, store, limits } = this.deps;
    const actor = { keyId: null, ministryCode: null, label: `citizen:${citizenId}` };
    const via = network ?? channel;
    const scopes: Scope[] = [
      { name: 'citizen', key: `citizen:${citizenId}`, allowed: limits.perCitizen },
      { name: 'network', key: `network:${via}`, allowed: limits.perNetwork },
      { name: 'total', key: 'total', allowed: limits.total },
    ];
    const misses = await Promise.all(scopes.map(async (scope) => Number((await store.get(`lookup:misses:${scope.key}`)) ?? 0)));
    const spent = scopes.findIndex((scope, index) => misses[index] >= scope.allowed);
    if (spent >= 0) {
      const scope = scopes[spent];
      if (await store.setIfAbsent(`lookup:limited:${scope.key}`, '1', WINDOW_SECONDS)) {
        const target = scope.name === 'citizen' ? `citizen:${citizenId}` : `lookups:${scope.key}`;
        await recordChange(db, actor, { ministryCode: null, action: 'request.lookup_limited', target, details: { channel, ...(network && { network }), limit: scope.name, misses: misses[spent] } });
        this.log[scope.name === 'citizen' ? 'info' : 'warn']({ citizenId, channel, network: via, limit: scope.name }, 'status lookups refused for an hour after repeated misses');
      }
      return 'limited';
    }
    const [row] = await db.query<{ ministry_code: string }>(
      'SELECT s.ministry_code FROM requests r JOIN services s ON s.code = r.service_code WHERE r.reference = $1',
      [reference],
    );
    const outcome: LookupOutcome = row ? 'found' : 'missing';
    await recordChange(db, actor, { ministryCode: row?.ministry_code ?? null, action: 'request.lookup', target: `request:${reference}`, details: { channel, ...(network && { network }), outcome } });
    if (!row) await Promise.all(scopes.map((scope) => store.increment(`lookup:misses:${scope.key}`, WINDOW_SECONDS)));
    return outcome;
  }
}
