import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { Outbox } from '../outbox/outbox';
import type { Database, Queryable } from '../store/sql';
import { assertNoLink, assertVisible, ConflictError, InvalidError, ministryScope, type Actor } from './access';
import { contentDigest, recordChange } from './audit';
import type { LocalizedText } from './catalog-schema';
import { pick } from './localized';
import { CLOCK_COLUMNS, toClock, type ClockState, type RequestClock } from './charter-clock';
import { preferredAddress } from './reachability';
import { formatReference, referenceOf } from './reference';

/** A request as a ministry officer lists it. */
export interface RequestListItem {
  reference: string;
  service: string;
  ministry: string;
  status: string;
  municipality: string | null;
  channel: string;
  createdAt: Date;
  updatedAt: Date;
  /** The Charter clock: received, due, extended, decided (services/charter-clock.ts). */
  clock: RequestClock;
}

/** One status a request has had. */
export interface RequestEvent {
  status: string;
  note: string | null;
  /** `citizen`, `key:12`, `cli`. */
  actor: string;
  at: Date;
}

/** Everything the owning ministry sees of a request, including the citizen's answers (never their address). */
export interface RequestDetail extends RequestListItem {
  serviceName: LocalizedText;
  workflow: string[];
  answers: Record<string, string>;
  locale: string | null;
  history: RequestEvent[];
}

export interface RequestFilter {
  ministry?: string;
  status?: string;
  service?: string;
  municipality?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit: number;
  /** The previous page's `nextCursor`. */
  cursor?: string;
  /** One request by its reference (11 digits), within the same scope as the rest of the list. */
  reference?: string;
  /** `newest` first (the default), or `due`: the soonest due first, requests with a clock only. */
  order?: 'newest' | 'due';
  /** Only requests whose clock stands so (`open`: any clock still running). */
  clock?: Exclude<ClockState, 'none'> | 'open';
}

export interface StatusChange {
  status: string;
  /** The officer's note, sent to the citizen with the new status. */
  note?: string;
  /** Moving to an earlier status of the workflow is refused unless this is true. */
  allowBackwards?: boolean;
}

/** Where the citizen's notification went: queued on a channel, or nowhere (no address on a channel that is on). */
export type Notification = { queued: true; channel: string; outboxId: number } | { queued: false; reason: string };

export interface RequestStatusDeps {
  db: Database;
  outbox: Outbox;
  i18n: i18n;
  defaultLocale: string;
  /** Channels that can push messages in this deployment. */
  /** The channels that can push messages now. */
  sendingChannels: () => readonly string[];
  /** Called after a notification is committed (wakes the dispatcher). */
  queued?: () => void;
  /** The clock the Charter clocks' states are read at. */
  now?: () => Date;
}

/** A page cursor: the position (created_at, id) of the last row shown. */
function encodeCursor(createdAt: Date, id: number): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !/^\d+$/.test(id ?? '')) throw new InvalidError('cursor is not one this API gave out');
  return { createdAt, id: Number(id) };
}

/**
 * Requests as the owning ministry sees and moves them. A status change is one transaction:
 * the request's new status, its history entry, the audit entry and the citizen's notification
 * in the outbox commit together or not at all, so the citizen hears of every change exactly
 * once and never of one that did not happen.
 */
export class RequestStatusService {
  constructor(private readonly deps: RequestStatusDeps) {}

  async list(actor: Actor, filter: RequestFilter): Promise<{ items: RequestListItem[]; nextCursor: string | null }> {
    const ministry = ministryScope(actor, filter.ministry);
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const byDue = filter.order === 'due';
    const now = this.deps.now?.() ?? new Date();
    const rows = await this.deps.db.query(
      `SELECT r.id, r.reference, r.service_code, s.ministry_code, r.status, r.municipality_code, r.channel, r.updated_at, ${CLOCK_COLUMNS}
         FROM requests r JOIN services s ON s.code = r.service_code
        WHERE ($1::text IS NULL OR s.ministry_code = $1)
          AND ($2::text IS NULL OR r.status = $2)
          AND ($3::text IS NULL OR r.service_code = $3)
          AND ($4::text IS NULL OR r.municipality_code = $4)
          AND ($5::timestamptz IS NULL OR r.created_at >= $5)
          AND ($6::timestamptz IS NULL OR r.created_at < $6)
          AND ($7::timestamptz IS NULL OR ${byDue ? '(r.due_at, r.id) > ($7, $8::bigint)' : '(r.created_at, r.id) < ($7, $8::bigint)'})
          AND ($10::text IS NULL OR r.reference = $10)
          ${byDue ? 'AND r.due_at IS NOT NULL' : ''}
          AND CASE $11::text WHEN 'open' THEN r.acted_at IS NULL AND r.due_at IS NOT NULL
                             WHEN 'on_time' THEN r.acted_at IS NULL AND $12 < r.warn_at
                             WHEN 'at_risk' THEN r.acted_at IS NULL AND $12 >= r.warn_at AND $12 < r.due_at
                             WHEN 'overdue' THEN r.acted_at IS NULL AND $12 >= r.due_at
                             WHEN 'decided' THEN r.acted_at IS NOT NULL AND r.deemed_approved_at IS NULL
                             WHEN 'deemed_approved' THEN r.deemed_approved_at IS NOT NULL
                             ELSE true END
        ORDER BY ${byDue ? 'r.due_at, r.id' : 'r.created_at DESC, r.id DESC'}
        LIMIT $9`,
      [
        ministry ?? null,
        filter.status ?? null,
        filter.service ?? null,
        filter.municipality ?? null,
        filter.from ?? null,
        filter.to ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        filter.limit + 1,
        filter.reference === undefined ? null : referenceOf(filter.reference),
        filter.clock ?? null,
        now,
      ],
    );
    const page = rows.slice(0, filter.limit);
    const items = page.map((row) => toListItem(row, now));
    const last = page[page.length - 1];
    const position = last && new Date((byDue ? last.due_at : last.created_at) as string);
    return { items, nextCursor: rows.length > filter.limit && position ? encodeCursor(position, Number(last.id)) : null };
  }

  async detail(actor: Actor, referenceInput: string, tx: Queryable = this.deps.db): Promise<RequestDetail> {
    const reference = referenceOf(referenceInput);
    const [row] = await tx.query(
      `SELECT r.id, r.reference, r.service_code, s.ministry_code, s.name AS service_name, s.workflow, r.status, r.municipality_code,
              r.channel, r.answers, r.updated_at, c.locale, ${CLOCK_COLUMNS}
         FROM requests r JOIN services s ON s.code = r.service_code JOIN citizens c ON c.id = r.citizen_id
        WHERE r.reference = $1`,
      [reference],
    );
    // Another ministry's request is not found, as one that does not exist: no key learns a reference is real.
    assertVisible(actor, row ? (row.ministry_code as string) : null, `no request ${reference}`);
    const events = await tx.query('SELECT status, note, actor, created_at FROM request_events WHERE request_id = $1 ORDER BY id', [row.id]);
    return {
      ...toListItem(row, this.deps.now?.() ?? new Date()),
      serviceName: row.service_name as LocalizedText,
      workflow: row.workflow as string[],
      answers: row.answers as Record<string, string>,
      locale: row.locale as string | null,
      history: events.map((event) => ({
        status: event.status as string,
        note: event.note as string | null,
        actor: event.actor as string,
        at: new Date(event.created_at as string),
      })),
    };
  }

  /**
   * Moves a request to `change.status` and tells the citizen, on the channel they used last
   * and in their language: the reference, the service, the new status and the note. The status
   * must be in the service's workflow and, unless `allowBackwards`, later than the current one.
   */
  async changeStatus(actor: Actor, referenceInput: string, change: StatusChange): Promise<{ request: RequestDetail; notification: Notification }> {
    const reference = referenceOf(referenceInput);
    // The note goes to the citizen's phone with the new status.
    assertNoLink('note', change.note);
    const { db } = this.deps;
    const result = await db.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT r.id, r.citizen_id, r.status, s.ministry_code, s.workflow, s.name AS service_name, c.locale, p.name AS person
           FROM requests r JOIN services s ON s.code = r.service_code JOIN citizens c ON c.id = r.citizen_id
           LEFT JOIN profiles p ON p.id = r.profile_id
          WHERE r.reference = $1 FOR UPDATE OF r`,
        [reference],
      );
      assertVisible(actor, row ? (row.ministry_code as string) : null, `no request ${reference}`);
      const workflow = row.workflow as string[];
      const from = row.status as string;
      assertMove(workflow, from, change);

      const requestId = Number(row.id);
      // A decision stops the Charter clock (the first one counts: a later step back does not restart it).
      await tx.query('UPDATE requests SET status = $2, updated_at = now(), acted_at = CASE WHEN $3 THEN COALESCE(acted_at, now()) ELSE acted_at END WHERE id = $1', [
        requestId,
        change.status,
        isDecision(workflow, change.status),
      ]);
      await tx.query('INSERT INTO request_events (request_id, status, note, actor) VALUES ($1, $2, $3, $4)', [requestId, change.status, change.note ?? null, actor.label]);
      const notification = await this.notify(tx, {
        citizenId: Number(row.citizen_id),
        requestId,
        reference,
        serviceName: row.service_name as LocalizedText,
        locale: (row.locale as string | null) ?? this.deps.defaultLocale,
        status: change.status,
        note: change.note,
        person: (row.person as string | null) ?? undefined,
      });
      await recordChange(tx, actor, {
        ministryCode: row.ministry_code as string,
        action: 'request.status',
        target: `request:${reference}`,
        details: { from, to: change.status, note: change.note ? contentDigest(change.note) : null, backwards: workflow.indexOf(change.status) < workflow.indexOf(from), notified: notification.queued },
      });
      return { request: await this.detail(actor, reference, tx), notification };
    });
    if (result.notification.queued) this.deps.queued?.();
    return result;
  }

  /** Queues the citizen's notification inside the status change's transaction. */
  private async notify(
    tx: Queryable,
    message: { citizenId: number; requestId: number; reference: string; serviceName: LocalizedText; locale: string; status: string; note?: string; person?: string },
  ): Promise<Notification> {
    const reach = await preferredAddress(tx, message.citizenId, this.deps.sendingChannels());
    if (!reach) return { queued: false, reason: 'the citizen has no address on a channel that can send' };
    const body = statusMessage(this.deps.i18n, message.locale, message);
    const outboxId = await this.deps.outbox.enqueue(
      { address: reach.address, channel: reach.channel, body, kind: 'status', citizenId: message.citizenId, requestId: message.requestId, locale: message.locale },
      tx,
    );
    return { queued: true, channel: reach.channel, outboxId };
  }
}

/**
 * The text of a status update in the citizen's language: reference, service, status, the
 * person on the phone it is for (a family profile) and the note, when there are.
 */
function statusMessage(
  i18n: i18n,
  locale: string,
  message: { reference: string; serviceName: LocalizedText; status: string; note?: string; person?: string },
): string {
  const status = { key: `dialogs:statuses.${message.status}`, params: { defaultValue: message.status.replace(/_/g, ' ') } };
  const params = { reference: formatReference(message.reference), service: pick(message.serviceName, locale), status };
  const lines = [
    message.person === undefined
      ? translate(i18n, locale, { key: 'notifications:status.changed', params })
      : translate(i18n, locale, { key: 'notifications:status.changed_for', params: { ...params, person: message.person } }),
  ];
  if (message.note) lines.push(translate(i18n, locale, { key: 'notifications:status.note', params: { note: message.note } }));
  return lines.join('\n');
}

/** Refuses a status outside the workflow, the current status again, or a step back without `allowBackwards`. */
function assertMove(workflow: string[], from: string, change: StatusChange): void {
  const target = workflow.indexOf(change.status);
  if (target < 0) {
    throw new InvalidError(`"${change.status}" is not a status of this service; its workflow is ${workflow.join(' → ')}`, { kind: 'status_unknown', status: change.status, workflow });
  }
  if (change.status === from) throw new ConflictError(`the request is already "${from}"`, { kind: 'status_same', status: from });
  const current = workflow.indexOf(from);
  if (target < current && !change.allowBackwards) {
    throw new ConflictError(`"${change.status}" comes before "${from}" in this service's workflow; send allowBackwards: true to move it back`, {
      kind: 'status_backwards',
      from,
      to: change.status,
    });
  }
}

/**
 * Whether `status` is the office's decision, which stops the Charter clock (services/charter-clock.ts):
 * approved or any status after it, or one that refuses or ends the request (rejected, closed, …).
 */
export function isDecision(workflow: readonly string[], status: string): boolean {
  const approved = workflow.indexOf('approved');
  return isTerminalOrNegative(workflow, status) || (approved >= 0 && workflow.indexOf(status) >= approved);
}

/** Statuses that refuse or end a request, whatever their place in a service's workflow. */
const NEGATIVE_STATUSES = new Set(['rejected', 'denied', 'refused', 'declined', 'cancelled', 'withdrawn', 'closed']);

/**
 * Whether moving a request to `status` is one to confirm before it is done: a negative status
 * (rejected, closed, …) or the last of the workflow, after which the citizen is told it is over.
 */
export function isTerminalOrNegative(workflow: readonly string[], status: string): boolean {
  return NEGATIVE_STATUSES.has(status) || (workflow.length > 0 && workflow[workflow.length - 1] === status);
}

function toListItem(row: Record<string, unknown>, now: Date): RequestListItem {
  return {
    reference: row.reference as string,
    service: row.service_code as string,
    ministry: row.ministry_code as string,
    status: row.status as string,
    municipality: (row.municipality_code as string | null) ?? null,
    channel: row.channel as string,
    createdAt: new Date(row.created_at as string),
    updatedAt: new Date(row.updated_at as string),
    clock: toClock(row, now),
  };
}
