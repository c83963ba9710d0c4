import type { Config } from '../config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { EphemeralStore, Quota } from '../store/ephemeral';
import type { Database, Queryable } from '../store/sql';

/**
 * A phone that texted us within this many days is not held to the per-number allowance: what we
 * send it answers someone who writes to us (SMS_REPLIES_PER_MINUTE limits those replies). Its
 * messages still count against the gateway's and everyone's hourly allowances.
 */
export const TEXTED_WITHIN_DAYS = 30;

/** Why a message to a phone is about to be paid for. */
export interface UnsolicitedCause {
  /** What the message is, a short fixed name for logs and metrics: `ussd-finish`, `one-time-code`, … */
  kind: string;
  /**
   * Where the act that caused it came from, whose hourly budget it uses: the gateway and
   * network, e.g. `ussd:africastalking:51502`.
   */
  source: string;
}

/**
 * Whether a message may be sent. `texted`: the phone texted us lately, so its own daily
 * allowance was not used (the hourly ones were).
 * Refused because the number's day, the source's hour or everyone's hour is spent
 * (`number`, `gateway`, `total`), or because the budget could not be asked (`unavailable`:
 * the stores are down, and an SMS we cannot count is not sent).
 */
export type UnsolicitedDecision = { allowed: true; texted: boolean } | { allowed: false; reason: 'number' | 'gateway' | 'total' | 'unavailable' };

export interface UnsolicitedSmsLimits {
  /** UNSOLICITED_SMS_PER_NUMBER_PER_DAY */
  perNumberPerDay: number;
  /** UNSOLICITED_SMS_PER_GATEWAY_PER_HOUR */
  perGatewayPerHour: number;
  /** UNSOLICITED_SMS_PER_HOUR */
  perHour: number;
}

const DAY = 24 * 3600;
const HOUR = 3600;
const REFUSALS = ['number', 'gateway', 'total'] as const;

/**
 * The budget of SMS we pay for to phones that have not written to us: finishing a USSD screen
 * by SMS now, and any later sender of one-time codes, notices or nudges. Phone numbers cost an
 * attacker nothing (a forged USSD hop, a mistyped form), so each such message is taken from
 * three allowances at once: the number's for the day (so no phone is pestered), its source's
 * for the hour (so one gateway or network cannot spend everyone's), and everyone's for the hour
 * (the bill). The counters live in the ephemeral store, shared by every instance, and are taken
 * all or none in one atomic step (`EphemeralStore.incrementAll`): however many hops race, no
 * allowance is exceeded, and a refusal uses none. Each window starts at its first message (a
 * fixed window: at most twice an allowance may pass around its end).
 *
 * "Has written to us" means an SMS from that number within TEXTED_WITHIN_DAYS days: the mobile
 * network authenticates an SMS sender, which no USSD gateway field does. The SMS channels
 * record it with `recordTextFrom`. Such a phone skips its daily allowance but not the hourly ones.
 */
export class UnsolicitedSmsBudget {
  private readonly log: Logger;

  constructor(
    private readonly deps: { db: Database; store: EphemeralStore; limits: UnsolicitedSmsLimits; log: Logger; metrics: Metrics },
  ) {
    this.log = deps.log.child({ name: 'unsolicited-sms' });
  }

  /**
   * Takes one message to `address` from the budget, or says why not. Call it just before
   * queuing the message, and only once per message (a refused take uses nothing). A caller
   * inside a transaction passes it as `within`: the records are read through it (the embedded
   * database has one connection, which a query outside the transaction would wait for forever).
   */
  async take({ address, cause, within }: { address: string; cause: UnsolicitedCause; within?: Queryable }): Promise<UnsolicitedDecision> {
    const decision = await this.decide(address, cause, within ?? this.deps.db).catch((error: unknown): UnsolicitedDecision => {
      this.log.warn({ err: error, cause: cause.kind }, 'could not ask the unsolicited-SMS budget; the SMS is not sent');
      return { allowed: false, reason: 'unavailable' };
    });
    this.deps.metrics.unsolicitedSms.inc({ cause: cause.kind, outcome: decision.allowed ? (decision.texted ? 'texted' : 'allowed') : decision.reason });
    if (!decision.allowed && decision.reason !== 'unavailable') {
      // No number here, even masked: the source and the limit are what an operator acts on.
      this.log.info({ cause: cause.kind, source: cause.source, limit: decision.reason }, 'unsolicited SMS refused: over budget');
    }
    return decision;
  }

  private async decide(address: string, cause: UnsolicitedCause, records: Queryable): Promise<UnsolicitedDecision> {
    // A phone that texted us lately is spared its own daily allowance, not the gateway's or
    // everyone's: otherwise texting once from each SIM one controls would buy unlimited SMS.
    const texted = await this.texted(address, records);
    const { perNumberPerDay, perGatewayPerHour, perHour } = this.deps.limits;
    const allowances: { reason: (typeof REFUSALS)[number]; quota: Quota }[] = [
      ...(texted ? [] : [{ reason: 'number' as const, quota: { key: `unsolicited:number:${address}`, limit: perNumberPerDay, ttlSeconds: DAY } }]),
      { reason: 'gateway', quota: { key: `unsolicited:gateway:${cause.source}`, limit: perGatewayPerHour, ttlSeconds: HOUR } },
      { reason: 'total', quota: { key: 'unsolicited:total', limit: perHour, ttlSeconds: HOUR } },
    ];
    const full = await this.deps.store.incrementAll(allowances.map(({ quota }) => quota));
    return full < 0 ? { allowed: true, texted } : { allowed: false, reason: allowances[full].reason };
  }

  /** Whether `address` texted us within TEXTED_WITHIN_DAYS days. */
  private async texted(address: string, records: Queryable): Promise<boolean> {
    const rows = await records.query(
      'SELECT 1 FROM citizen_addresses WHERE address = $1 AND texted_at > now() - make_interval(days => $2)',
      [address, TEXTED_WITHIN_DAYS],
    );
    return rows.length > 0;
  }
}

/**
 * Records that `address` has just texted us (an SMS the network delivered and its provider
 * authenticated), in the transaction that marks the text handled. A number not yet a citizen's
 * address is left alone: it becomes one when its text is answered.
 */
export async function recordTextFrom(tx: Queryable, address: string): Promise<void> {
  await tx.query('UPDATE citizen_addresses SET texted_at = now() WHERE address = $1', [address]);
}

/** The budget with the limits the configuration sets (UNSOLICITED_SMS_*). */
export function unsolicitedSmsBudget(config: Config, deps: { db: Database; store: EphemeralStore; log: Logger; metrics: Metrics }): UnsolicitedSmsBudget {
  return new UnsolicitedSmsBudget({
    ...deps,
    limits: {
      perNumberPerDay: config.UNSOLICITED_SMS_PER_NUMBER_PER_DAY,
      perGatewayPerHour: config.UNSOLICITED_SMS_PER_GATEWAY_PER_HOUR,
      perHour: config.UNSOLICITED_SMS_PER_HOUR,
    },
  });
}
