import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { Logger } from '../log';
import type { Outbox } from '../outbox/outbox';
import type { Database, Queryable } from '../store/sql';
import { readableTime } from '../text/dates';
import { assertNoLink, assertVisible, ConflictError, ministryScope, type Actor } from './access';
import { recordChange } from './audit';
import { workingCalendar, type ClockRestart } from './calendar';
import type { LocalizedText } from './catalog-schema';
import { pick } from './localized';
import { preferredAddress } from './reachability';
import { formatReference, referenceOf } from './reference';

/**
 * The processing-time clock of every request (RA 11032 §9–10): started when the request is
 * filed, from its service's working days (3 simple, 7 complex, 20 highly technical, or the
 * Charter's own number) over the working calendar of the request's municipality; stopped by
 * the office's decision; extended once, with a reason the citizen is told; and, run out with
 * no decision, the request is deemed approved by the hourly sweep.
 */

/** Who the audit log names for what the law does by itself (a deemed approval). */
export const CHARTER_ACTOR: Actor = { keyId: null, ministryCode: null, label: 'charter' };

/** Where a request's clock stands. */
export type ClockState = 'on_time' | 'at_risk' | 'overdue' | 'decided' | 'deemed_approved' | 'none';

/** A request's clock, as officers and the citizen's messages read it. */
export interface RequestClock {
  receivedAt: Date;
  dueAt: Date | null;
  /** Working days the clock runs (the service's, twice once extended). */
  workingDays: number | null;
  extendedAt: Date | null;
  extensionReason: string | null;
  actedAt: Date | null;
  deemedApprovedAt: Date | null;
  state: ClockState;
}

/** The clock's state from its columns, at `now`. */
export function clockState(row: Record<string, unknown>, now: Date): ClockState {
  if (row.deemed_approved_at) return 'deemed_approved';
  if (row.acted_at) return 'decided';
  if (!row.due_at) return 'none';
  if (now >= new Date(row.due_at as string)) return 'overdue';
  return now >= new Date(row.warn_at as string) ? 'at_risk' : 'on_time';
}

/** The clock's fields of a request row (the columns CLOCK_COLUMNS selects). */
export function toClock(row: Record<string, unknown>, now: Date): RequestClock {
  const at = (value: unknown) => (value ? new Date(value as string) : null);
  return {
    receivedAt: new Date(row.created_at as string),
    dueAt: at(row.due_at),
    workingDays: row.working_days === null || row.working_days === undefined ? null : Number(row.working_days),
    extendedAt: at(row.extended_at),
    extensionReason: (row.extension_reason as string | null) ?? null,
    actedAt: at(row.acted_at),
    deemedApprovedAt: at(row.deemed_approved_at),
    state: clockState(row, now),
  };
}

/** The columns of requests (as `r`) that `toClock` reads. */
export const CLOCK_COLUMNS = 'r.created_at, r.due_at, r.warn_at, r.working_days, r.extended_at, r.extension_reason, r.acted_at, r.deemed_approved_at';

/** Sets a request's due date (and its at-risk mark, one working day before) from its working days. */
async function setClock(tx: Queryable, timeZone: string, request: { id: number; createdAt: Date; municipality: string | null; workingDays: number }): Promise<Date> {
  const calendar = await workingCalendar(tx, timeZone, request.municipality, request.createdAt);
  const due = calendar.addWorkingDays(request.createdAt, request.workingDays);
  const warn = request.workingDays > 1 ? calendar.addWorkingDays(request.createdAt, request.workingDays - 1) : request.createdAt;
  await tx.query('UPDATE requests SET working_days = $2, due_at = $3, warn_at = $4 WHERE id = $1', [request.id, request.workingDays, due, warn]);
  return due;
}

/** Starts a new request's clock inside its filing's transaction; returns when it was received and is due. */
export async function startClock(tx: Queryable, requestId: number, timeZone: string): Promise<{ receivedAt: Date; dueAt: Date }> {
  const [row] = await tx.query<{ created_at: string; municipality_code: string | null; working_days: number }>(
    'SELECT r.created_at, r.municipality_code, s.working_days FROM requests r JOIN services s ON s.code = r.service_code WHERE r.id = $1',
    [requestId],
  );
  const receivedAt = new Date(row.created_at);
  const dueAt = await setClock(tx, timeZone, { id: requestId, createdAt: receivedAt, municipality: row.municipality_code, workingDays: Number(row.working_days) });
  return { receivedAt, dueAt };
}

/**
 * Restarts the open clocks a calendar change touches: those running over `day` (with a day's
 * margin either side for the zone), in its municipality or everywhere. Returns how many.
 */
export function clockRestarter(timeZone: string): ClockRestart {
  return async (tx, change) => {
    const rows = await tx.query<{ id: string; created_at: string; municipality_code: string | null; working_days: number }>(
      `SELECT id, created_at, municipality_code, working_days FROM requests
        WHERE acted_at IS NULL AND due_at IS NOT NULL
          AND created_at < $1::date + 2 AND due_at >= $1::date - 1
          AND ($2::text IS NULL OR municipality_code = $2)
        FOR UPDATE`,
      [change.day, change.municipality],
    );
    for (const row of rows) {
      await setClock(tx, timeZone, { id: Number(row.id), createdAt: new Date(row.created_at), municipality: row.municipality_code, workingDays: Number(row.working_days) });
    }
    return rows.length;
  };
}

export interface CharterClockDeps {
  db: Database;
  outbox: Outbox;
  i18n: i18n;
  defaultLocale: string;
  timeZone: string;
  sendingChannels: () => readonly string[];
  queued?: () => void;
  now: () => Date;
}

/** One row of the clock dashboard: a service's requests by where their clocks stand. */
export interface ClockCounts {
  service: string;
  ministry: string;
  office: string;
  classification: string;
  workingDays: number;
  /** Requests filed (with a clock) in the period. */
  filed: number;
  onTime: number;
  atRisk: number;
  overdue: number;
  decidedOnTime: number;
  decidedLate: number;
  deemedApproved: number;
  extended: number;
}

/** The processing-times report's columns, in order (the API's CSV and the console's download). */
export const PROCESSING_TIME_COLUMNS = [
  'service', 'ministry', 'office', 'classification', 'workingDays', 'filed', 'onTime', 'atRisk', 'overdue',
  'decidedOnTime', 'decidedLate', 'deemedApproved', 'extended', 'complianceRate',
] as const;

/** Where the citizen was told, as request-status answers it. */
type Told = { queued: true; channel: string } | { queued: false; reason: string };

export class CharterClockService {
  constructor(private readonly deps: CharterClockDeps) {}

  /**
   * The one extension the law allows (RA 11032 §10): the service's working days again, with a
   * reason the citizen is told with the new due date, in their language. Refused once extended,
   * decided, or run out (a request past due is deemed approved, not extended).
   */
  async extend(actor: Actor, referenceInput: string, reason: string): Promise<{ clock: RequestClock; notification: Told }> {
    const reference = referenceOf(referenceInput);
    assertNoLink('reason', reason);
    const { db, now } = this.deps;
    const result = await db.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT r.id, r.citizen_id, r.municipality_code, s.ministry_code, s.working_days AS service_days, s.name AS service_name, c.locale, ${CLOCK_COLUMNS}
           FROM requests r JOIN services s ON s.code = r.service_code JOIN citizens c ON c.id = r.citizen_id
          WHERE r.reference = $1 FOR UPDATE OF r`,
        [reference],
      );
      assertVisible(actor, row ? (row.ministry_code as string) : null, `no request ${reference}`);
      const clock = toClock(row, now());
      if (clock.state === 'none') throw new ConflictError('this request was filed before the Charter clock and has no due date to extend');
      if (clock.extendedAt) throw new ConflictError(`this request was already extended once (${clock.extendedAt.toISOString()}); the law allows one extension`);
      if (clock.state === 'decided' || clock.state === 'deemed_approved') throw new ConflictError('this request is already decided; its clock has stopped');
      if (clock.state === 'overdue') throw new ConflictError('the processing time has run out: the request is deemed approved, it can no longer be extended');
      const workingDays = (clock.workingDays ?? 0) + Number(row.service_days);
      const requestId = Number(row.id);
      const dueAt = await setClock(tx, this.deps.timeZone, { id: requestId, createdAt: clock.receivedAt, municipality: row.municipality_code as string | null, workingDays });
      await tx.query('UPDATE requests SET extended_at = $2, extension_reason = $3, updated_at = now() WHERE id = $1', [requestId, now(), reason]);
      const locale = (row.locale as string | null) ?? this.deps.defaultLocale;
      const notification = await this.notify(tx, {
        citizenId: Number(row.citizen_id),
        requestId,
        locale,
        key: 'charter:notify.extended',
        params: { reference: formatReference(reference), service: pick(row.service_name as LocalizedText, locale), reason, due: readableTime(dueAt, locale, this.deps.timeZone) },
      });
      await recordChange(tx, actor, {
        ministryCode: row.ministry_code as string,
        action: 'request.extend',
        target: `request:${reference}`,
        details: { reason, from: clock.dueAt?.toISOString() ?? null, to: dueAt.toISOString(), workingDays, notified: notification.queued },
      });
      return { clock: { ...clock, dueAt, workingDays, extendedAt: now(), extensionReason: reason }, notification };
    });
    if (result.notification.queued) this.deps.queued?.();
    return result;
  }

  /**
   * Marks every request whose clock ran out with no decision deemed approved (RA 11032 §10):
   * moved to `approved` when its workflow has it, its history and the audit log saying why,
   * and the citizen told. Each request in its own transaction, re-checked under its lock, so
   * a decision made meanwhile wins and two instances never approve one twice. Returns how many.
   */
  async deemApprovedOverdue(): Promise<string[]> {
    const { db } = this.deps;
    const at = this.deps.now();
    const due = await db.query<{ reference: string }>(
      'SELECT reference FROM requests WHERE acted_at IS NULL AND due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT 500',
      [at],
    );
    const approved: string[] = [];
    for (const { reference } of due) {
      const done = await db.transaction(async (tx) => {
        const [row] = await tx.query(
          `SELECT r.id, r.citizen_id, r.status, s.ministry_code, s.workflow, s.name AS service_name, s.office, c.locale, r.due_at
             FROM requests r JOIN services s ON s.code = r.service_code JOIN citizens c ON c.id = r.citizen_id
            WHERE r.reference = $1 AND r.acted_at IS NULL AND r.due_at <= $2 FOR UPDATE OF r`,
          [reference, at],
        );
        if (!row) return false;
        const requestId = Number(row.id);
        const workflow = row.workflow as string[];
        const status = workflow.includes('approved') ? 'approved' : (row.status as string);
        await tx.query('UPDATE requests SET status = $2, acted_at = $3, deemed_approved_at = $3, updated_at = now() WHERE id = $1', [requestId, status, at]);
        await tx.query('INSERT INTO request_events (request_id, status, note, actor) VALUES ($1, $2, $3, $4)', [
          requestId,
          status,
          'deemed approved: not acted on within the processing time (RA 11032 §10)',
          CHARTER_ACTOR.label,
        ]);
        const locale = (row.locale as string | null) ?? this.deps.defaultLocale;
        const notification = await this.notify(tx, {
          citizenId: Number(row.citizen_id),
          requestId,
          locale,
          key: 'charter:notify.deemed',
          params: { reference: formatReference(reference), service: pick(row.service_name as LocalizedText, locale), office: pick(row.office as LocalizedText, locale) },
        });
        await recordChange(tx, CHARTER_ACTOR, {
          ministryCode: row.ministry_code as string,
          action: 'request.deemed',
          target: `request:${reference}`,
          details: { from: row.status, to: status, dueAt: new Date(row.due_at as string).toISOString(), notified: notification.queued },
        });
        return true;
      });
      if (done) approved.push(reference);
    }
    if (approved.length > 0) this.deps.queued?.();
    return approved;
  }

  /** Requests by where their clocks stand, per service (and its office), in the actor's reach. */
  async counts(actor: Actor, filter: { ministry?: string; from?: Date; to?: Date } = {}): Promise<ClockCounts[]> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.deps.db.query(
      `SELECT s.code, s.ministry_code, s.office->>'en' AS office, s.classification, s.working_days, count(*) AS filed,
              count(*) FILTER (WHERE r.acted_at IS NULL AND $2 < r.warn_at) AS on_time,
              count(*) FILTER (WHERE r.acted_at IS NULL AND $2 >= r.warn_at AND $2 < r.due_at) AS at_risk,
              count(*) FILTER (WHERE r.acted_at IS NULL AND $2 >= r.due_at) AS overdue,
              count(*) FILTER (WHERE r.deemed_approved_at IS NULL AND r.acted_at <= r.due_at) AS decided_on_time,
              count(*) FILTER (WHERE r.deemed_approved_at IS NULL AND r.acted_at > r.due_at) AS decided_late,
              count(*) FILTER (WHERE r.deemed_approved_at IS NOT NULL) AS deemed,
              count(*) FILTER (WHERE r.extended_at IS NOT NULL) AS extended
         FROM requests r JOIN services s ON s.code = r.service_code
        WHERE r.due_at IS NOT NULL AND ($1::text IS NULL OR s.ministry_code = $1)
          AND ($3::timestamptz IS NULL OR r.created_at >= $3) AND ($4::timestamptz IS NULL OR r.created_at < $4)
        GROUP BY s.code, s.ministry_code, s.office->>'en', s.classification, s.working_days ORDER BY s.ministry_code, s.code`,
      [ministry ?? null, this.deps.now(), filter.from ?? null, filter.to ?? null],
    );
    return rows.map((row) => ({
      service: row.code as string,
      ministry: row.ministry_code as string,
      office: row.office as string,
      classification: row.classification as string,
      workingDays: Number(row.working_days),
      filed: Number(row.filed),
      onTime: Number(row.on_time),
      atRisk: Number(row.at_risk),
      overdue: Number(row.overdue),
      decidedOnTime: Number(row.decided_on_time),
      decidedLate: Number(row.decided_late),
      deemedApproved: Number(row.deemed),
      extended: Number(row.extended),
    }));
  }

  /**
   * The processing-times report: `counts` with each service's compliance rate, the share of
   * decided requests decided within their processing time (a deemed approval is not on time);
   * null while none is decided.
   */
  async processingTimes(actor: Actor, filter: { ministry?: string; from?: Date; to?: Date } = {}): Promise<(ClockCounts & { complianceRate: number | null })[]> {
    return (await this.counts(actor, filter)).map((row) => {
      const decided = row.decidedOnTime + row.decidedLate + row.deemedApproved;
      return { ...row, complianceRate: decided === 0 ? null : Math.round((row.decidedOnTime / decided) * 1000) / 1000 };
    });
  }

  /** Queues a message to the citizen inside the caller's transaction, as status updates are. */
  private async notify(tx: Queryable, message: { citizenId: number; requestId: number; locale: string; key: string; params: Record<string, string> }): Promise<Told> {
    const reach = await preferredAddress(tx, message.citizenId, this.deps.sendingChannels());
    if (!reach) return { queued: false, reason: 'the citizen has no address on a channel that can send' };
    const body = translate(this.deps.i18n, message.locale, { key: message.key, params: message.params });
    await this.deps.outbox.enqueue({ address: reach.address, channel: reach.channel, body, kind: 'status', citizenId: message.citizenId, requestId: message.requestId, locale: message.locale }, tx);
    return { queued: true, channel: reach.channel };
  }
}

/** The Logger is only for the job that runs the sweep; kept here so the job stays a one-liner. */
export async function sweepDeemedApproved(clocks: CharterClockService, log: Logger): Promise<void> {
  const approved = await clocks.deemApprovedOverdue();
  if (approved.length > 0) log.warn({ count: approved.length }, 'requests not acted on in time were deemed approved (RA 11032)');
}
