import type { Database, Queryable } from '../store/sql';

/** Why a message is sent, which also decides its default priority. */
export type MessageKind = 'reply' | 'status' | 'broadcast' | 'notice';

/** Lower goes first: replies and status updates go ahead of broadcasts. */
export const PRIORITY: Record<MessageKind, number> = { reply: 1, status: 2, notice: 3, broadcast: 5 };

/** An emergency broadcast goes ahead of every other broadcast (and is never held by quiet hours). */
export const EMERGENCY_BROADCAST_PRIORITY = 4;

export interface NewMessage {
  address: string;
  channel: string;
  body: string;
  kind: MessageKind;
  priority?: number;
  citizenId?: number;
  requestId?: number;
  broadcastId?: number;
  notBefore?: Date;
  /** The language of `body`, so its verification line is in the same language. */
  locale?: string;
}

/**
 * The line every pushed message ends with, so a citizen can check it came from Lingkod
 * (`VERIFY <code>`): one text per language with `{code}` where the message's own code goes.
 * Answers to the citizen's own text (kind `reply`) carry none: the citizen knows why they came,
 * and their SMS layout is already sized to SMS_MAX_SEGMENTS.
 */
export interface VerificationStamp {
  lines: Readonly<Record<string, string>>;
  defaultLocale: string;
}

/** Where the code goes in a stamp line. */
export const CODE_SLOT = '{code}';

/** A stand-in of a code's length, for sizing a message before it is sent (broadcast previews). */
const SAMPLE_CODE = 'KX7M2Q';

/** A message claimed by a dispatcher, to be sent now. */
export interface ClaimedMessage {
  id: number;
  address: string;
  channel: string;
  body: string;
  kind: MessageKind;
  priority: number;
  attempts: number;
  /** A broadcast to a citizen who has opted out since the fan-out: cancel it, never send it. */
  withdrawn: boolean;
  /** The SMS route of its last attempt, and whether that attempt failed (the next tries another route). */
  route?: string;
  failedBefore: boolean;
}

/** Where a message stands; statuses only move forward (see `advance`). */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'cancelled';

/** What became of one claimed message; a dispatcher settles a whole chunk of these at once. */
export type Outcome =
  | ({ id: number; result: 'sent'; providerId?: string } & RouteTaken)
  /** A retryable failure: queued again, not before `retryAt`. */
  | ({ id: number; result: 'retry'; error: string; retryAt: Date } & RouteTaken)
  | ({ id: number; result: 'failed'; error: string } & RouteTaken)
  | { id: number; result: 'cancelled'; error: string }
  /** Handed back untried (the lease ran short, the rate limiter was unreachable): the attempt does not count. */
  | { id: number; result: 'released'; retryAt: Date };

/** The SMS provider an attempt went through and the recipient's network (src/outbox/routing). */
interface RouteTaken {
  route?: string;
  network?: string;
}

/** How many of a broadcast's messages are in each state. */
export interface MessageCounts {
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  cancelled: number;
}

export interface ClaimOptions {
  /** How long the claim lasts; after it, another dispatcher may take the messages again. */
  leaseSeconds?: number;
  /** Only claim messages with a priority below this (quiet hours hold ordinary broadcasts). */
  priorityBelow?: number;
}

const ERROR_LENGTH = 500;

/**
 * The outbox table's operations. `enqueue` takes the caller's transaction, so a message
 * exists exactly when the change that caused it was committed.
 */
export class Outbox {
  /**
   * With a `stamp`, every message but a reply gets a verification code (SQL's
   * verification_code(), migrations/008) and the stamp's line; the broadcast fan-out uses
   * `stampLines` to do the same in its INSERT … SELECT.
   */
  private judge?: DeliveryJudge;

  constructor(
    private readonly db: Database,
    private readonly stamp?: VerificationStamp,
  ) {}

  /** Adds a message inside the caller's transaction (or on its own); returns its id. */
  async enqueue(message: NewMessage, tx: Queryable = this.db): Promise<number> {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO outbox (address, channel, body, kind, priority, citizen_id, request_id, broadcast_id, not_before, verification_code)
       SELECT $1::text, $2::text, CASE WHEN c.code IS NULL THEN $3::text ELSE $3::text || chr(10) || replace($10::text, '${CODE_SLOT}', c.code) END,
              $4::text, $5::smallint, $6::bigint, $7::bigint, $8::bigint, COALESCE($9::timestamptz, now()), c.code
         FROM (SELECT CASE WHEN $10::text IS NULL THEN NULL ELSE verification_code() END AS code) c
       RETURNING id`,
      [
        message.address,
        message.channel,
        message.body,
        message.kind,
        message.priority ?? PRIORITY[message.kind],
        message.citizenId ?? null,
        message.requestId ?? null,
        message.broadcastId ?? null,
        message.notBefore ?? null,
        message.kind === 'reply' ? null : (this.stampLine(message.locale) ?? null),
      ],
    );
    return Number(row.id);
  }

  /** The stamp line in `locale` (the default locale's when it has none); undefined without a stamp. */
  private stampLine(locale: string | undefined): string | undefined {
    if (!this.stamp) return undefined;
    return (locale === undefined ? undefined : this.stamp.lines[locale]) ?? this.stamp.lines[this.stamp.defaultLocale];
  }

  /** The stamp's lines as JSON for an INSERT … SELECT that stamps rows itself (null without a stamp). */
  stampLines(): { json: string | null; defaultLocale: string | null } {
    return this.stamp ? { json: JSON.stringify(this.stamp.lines), defaultLocale: this.stamp.defaultLocale } : { json: null, defaultLocale: null };
  }

  /** `body` as it will be sent, with a stand-in code: for sizing an SMS before it is queued. */
  asSent(body: string, kind: MessageKind, locale?: string): string {
    const line = kind === 'reply' ? undefined : this.stampLine(locale);
    return line === undefined ? body : `${body}\n${line.replace(CODE_SLOT, SAMPLE_CODE)}`;
  }

  /**
   * Claims up to `limit` due messages of one channel, in priority order: queued ones, and ones
   * whose earlier claim expired (their dispatcher died). Concurrent dispatchers never claim
   * the same row (FOR UPDATE SKIP LOCKED). Each claim counts as an attempt.
   */
  async claim(channel: string, limit: number, { leaseSeconds = 30, priorityBelow = 32767 }: ClaimOptions = {}): Promise<ClaimedMessage[]> {
    const rows = await this.db.query(
      `UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, lease_until = now() + make_interval(secs => $3)
        WHERE o.id IN (
          SELECT id FROM outbox
           WHERE status IN ('queued', 'sending') AND channel = $1 AND priority < $4 AND not_before <= now()
             AND (status = 'queued' OR lease_until < now())
           ORDER BY priority, not_before, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.address, o.channel, o.body, o.kind, o.attempts, o.priority, o.route, o.last_error IS NOT NULL AS failed_before,
                 (o.kind = 'broadcast' AND EXISTS (SELECT 1 FROM citizens c WHERE c.id = o.citizen_id AND c.opted_out)) AS withdrawn`,
      [channel, limit, leaseSeconds, priorityBelow],
    );
    return rows
      .map((row) => ({
        id: Number(row.id),
        address: row.address as string,
        channel: row.channel as string,
        body: row.body as string,
        kind: row.kind as MessageKind,
        attempts: Number(row.attempts),
        withdrawn: Boolean(row.withdrawn),
        priority: Number(row.priority),
        ...(row.route ? { route: row.route as string } : {}),
        failedBefore: Boolean(row.failed_before),
      }))
      .sort((a, b) => a.priority - b.priority || a.id - b.id);
  }

  /**
   * Records what became of claimed messages, in one statement. Only rows still claimed
   * ('sending') change, so a message cancelled meanwhile (a stopped broadcast) stays cancelled.
   */
  async settle(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const column = <T>(pick: (outcome: Outcome) => T) => outcomes.map(pick);
    await this.db.query(
      `UPDATE outbox o SET
          status = v.status,
          provider_id = COALESCE(v.provider_id, o.provider_id),
          sent_at = CASE WHEN v.status = 'sent' THEN now() ELSE o.sent_at END,
          not_before = COALESCE(v.retry_at, o.not_before),
          attempts = o.attempts - v.refund,
          last_error = v.error,
          lease_until = NULL,
          route = COALESCE(v.route, o.route),
          network = COALESCE(v.network, o.network)
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::text[])
              AS v(id, status, provider_id, error, retry_at, refund, route, network)
        WHERE o.id = v.id AND o.status = 'sending'`,
      [
        column((o) => o.id),
        column((o) => (o.result === 'sent' ? 'sent' : o.result === 'retry' || o.result === 'released' ? 'queued' : o.result)),
        column((o) => (o.result === 'sent' ? (o.providerId ?? null) : null)),
        column((o) => ('error' in o ? o.error.slice(0, ERROR_LENGTH) : null)),
        column((o) => ('retryAt' in o ? o.retryAt.toISOString() : null)),
        column((o) => (o.result === 'released' ? 1 : 0)),
        column((o) => ('route' in o ? (o.route ?? null) : null)),
        column((o) => ('network' in o ? (o.network ?? null) : null)),
      ],
    );
  }

  /**
   * Gives up on messages not sent within `hours` of being queued (GovStack's messaging guidance:
   * a notification undelivered after 24 hours is failed, not retried for ever): queued ones, and
   * claimed ones whose dispatcher died. They are failed with the reason in plain words; the count
   * is returned.
   */
  async giveUp(hours: number, tx: Queryable = this.db): Promise<number> {
    const [row] = await tx.query<{ failed: string }>(
      `WITH failed AS (
         UPDATE outbox SET status = 'failed', lease_until = NULL,
                last_error = 'not sent within ' || $1::int || ' hours of being queued: given up' || COALESCE(' (last error: ' || last_error || ')', '')
          WHERE (status = 'queued' OR (status = 'sending' AND lease_until < now())) AND created_at < now() - make_interval(hours => $1::int)
         RETURNING 1)
       SELECT count(*) AS failed FROM failed`,
      [hours],
    );
    return Number(row.failed);
  }

  /**
   * Cancels what has not gone out of a broadcast: queued messages, and claimed ones whose
   * dispatcher died (lease expired). Messages being sent right now are let through.
   */
  async cancelBroadcast(broadcastId: number, tx: Queryable = this.db): Promise<number> {
    const [row] = await tx.query<{ cancelled: string }>(
      `WITH cancelled AS (
         UPDATE outbox SET status = 'cancelled', last_error = 'broadcast stopped', lease_until = NULL
          WHERE broadcast_id = $1 AND (status = 'queued' OR (status = 'sending' AND lease_until < now()))
         RETURNING 1)
       SELECT count(*) AS cancelled FROM cancelled`,
      [broadcastId],
    );
    return Number(row.cancelled);
  }

  /** How many of a broadcast's messages are waiting (queued or being sent), sent, delivered, failed and cancelled. */
  async countsFor(broadcastId: number, tx: Queryable = this.db): Promise<MessageCounts> {
    const rows = await tx.query<{ status: MessageStatus; count: string }>(
      'SELECT status, count(*) AS count FROM outbox WHERE broadcast_id = $1 GROUP BY status',
      [broadcastId],
    );
    const count = (...statuses: MessageStatus[]) => rows.filter((row) => statuses.includes(row.status)).reduce((sum, row) => sum + Number(row.count), 0);
    return { queued: count('queued', 'sending'), sent: count('sent'), delivered: count('delivered'), failed: count('failed'), cancelled: count('cancelled') };
  }

  /**
   * Applies a delivery report by provider id. Reports arrive late, twice or out of order, so
   * a status only ever moves forward. `channels` are the names the message may have been
   * queued under (a provider's own, or the logical `sms`). A report for a message sent on an
   * SMS route is first judged (see `judgeReports`): a doubted "delivered" leaves the message
   * sent, with the doubt kept. Returns false when no message has that provider id.
   */
  async advance(channels: string | string[], providerId: string, status: 'sent' | 'delivered' | 'failed', error?: string): Promise<boolean> {
    const names = typeof channels === 'string' ? [channels] : channels;
    const rank = (column: string) =>
      `CASE ${column} WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'failed' THEN 3 ELSE 4 END`;
    let doubt: string | undefined;
    if (this.judge) {
      const [target] = await this.db.query<{ route: string; address: string; sent_at: Date | string | null; forward: boolean }>(
        `SELECT route, address, sent_at, ${rank('status')} < ${rank('$3::text')} AS forward FROM outbox
          WHERE channel = ANY($1) AND provider_id = $2 AND route IS NOT NULL`,
        [names, providerId, status],
      );
      if (target?.forward) doubt = await this.judge({ route: target.route, address: target.address, status, sentAt: target.sent_at === null ? null : new Date(target.sent_at) });
    }
    // One statement: the rank comparison and the update cannot be split by another report.
    const [row] = await this.db.query<{ moved: boolean }>(
      `WITH target AS (SELECT id, status FROM outbox WHERE channel = ANY($1) AND provider_id = $2),
            moved AS (
              UPDATE outbox o SET status = CASE WHEN ${rank('target.status')} < ${rank('$3::text')} THEN $3 ELSE o.status END,
                     last_error = COALESCE($4, o.last_error),
                     delivery_doubt = COALESCE($5, o.delivery_doubt),
                     delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE o.delivered_at END
                FROM target WHERE o.id = target.id AND (${rank('target.status')} < ${rank('$3::text')} OR $5::text IS NOT NULL)
              RETURNING o.id)
       SELECT EXISTS (SELECT 1 FROM target) AS known`,
      [names, providerId, doubt ? 'sent' : status, error ?? null, doubt ?? null],
    );
    return Boolean((row as { known?: boolean } | undefined)?.known);
  }

  /**
   * Who judges delivery reports of routed SMS (the router: its circuit breakers count them,
   * and it says when a "delivered" is not to be believed). Set once by the composition root.
   */
  judgeReports(judge: DeliveryJudge): void {
    this.judge = judge;
  }
}

/** Judges one delivery report of a routed SMS: undefined to believe it, or why a "delivered" is doubted. */
export type DeliveryJudge = (report: { route: string; address: string; status: 'sent' | 'delivered' | 'failed'; sentAt: Date | null }) => Promise<string | undefined>;
