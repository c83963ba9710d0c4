import type { i18n } from 'i18next';
import type { Outbox } from '../outbox/outbox';
import type { Database, Queryable } from '../store/sql';
import { smsSize, type SmsSize } from '../text/segments';
import { assertNoLink, assertVisible, ConflictError, InvalidError, isSuperAdmin, ministryScope, type Actor } from './access';
import { recordChange } from './audit';
import { addOfficeHours, type OfficeHours } from './office-hours';
import { preferredAddress } from './reachability';
import { formatReference, newReference, parseReference } from './reference';

/**
 * The grievance desk: a citizen's complaint or question (a thread), routed to the office that
 * owns it (a ministry in a municipality), answered by its officers. A thread's messages are the
 * citizen's, the officers' replies (sent to the citizen on the channel they used last, through
 * the outbox, in the transaction that records them) and internal notes (never sent).
 *
 * Status: `drafting` (opened from a menu, the words still to come), `open` (waiting for the
 * office), `answered` (an officer replied), `closed` (with a resolution).
 *
 * Anonymity: an anonymous thread keeps its citizen only so replies reach them; no officer's view
 * carries the citizen's phone (masked or not), their requests or their other threads, and an
 * anonymous thread cannot be tied to one of their requests. Officers never see any phone in full.
 *
 * This module knows no channel nor dialog: the conversation layer says which channel a message
 * came on, and decides (conversation/desk.ts) which text is a thread's.
 */

export type ThreadStatus = 'drafting' | 'open' | 'answered' | 'closed';
export type MessageAuthor = 'citizen' | 'officer' | 'note';

/** How a citizen files: where it is about, whether officers may know who wrote, and (unless drafting) the words. */
export interface NewThread {
  citizenId: number;
  channel: string;
  categoryCode?: string;
  municipalityCode?: string;
  serviceCode?: string;
  /** One of the citizen's own requests (refused for an anonymous thread: it would name them). */
  requestReference?: string;
  anonymous?: boolean;
  /** The complaint itself; absent when the words follow in the next message (a USSD filing). */
  text?: string;
}

/** Why a citizen's filing or message was not kept: too many today. */
export class ThreadLimitError extends Error {
  override readonly name = 'ThreadLimitError';
}

/** A thread in an officer's queue. */
export interface ThreadListItem {
  reference: string;
  status: ThreadStatus;
  category: string | null;
  ministry: string | null;
  municipality: string | null;
  service: string | null;
  anonymous: boolean;
  flagged: boolean;
  assignedKeyId: number | null;
  channel: string;
  createdAt: Date;
  updatedAt: Date;
  firstResponseAt: Date | null;
  closedAt: Date | null;
  /** When the first response, and the resolution, are due (DESK_TARGETS). */
  firstResponseDue: Date;
  resolutionDue: Date;
}

export interface ThreadMessage {
  id: number;
  author: MessageAuthor;
  actor: string;
  /** '' once purged by the retention rule. */
  body: string;
  channel: string | null;
  at: Date;
}

/** Everything an officer of the owning ministry sees of a thread. */
export interface ThreadDetail extends ThreadListItem {
  /** The citizen's phone, masked (`+63917•••4567`); null for an anonymous thread or a chat-only citizen. */
  contact: string | null;
  /** The request it is about (never for an anonymous thread). */
  request: string | null;
  locale: string | null;
  resolution: string | null;
  messages: ThreadMessage[];
}

export interface ThreadFilter {
  ministry?: string;
  municipality?: string;
  status?: ThreadStatus;
  /** Only those assigned to this key. */
  assignedKeyId?: number;
  limit: number;
}

/** Where a reply or a closing went: queued on a channel, or nowhere. */
export type Delivery = { queued: true; channel: string; outboxId: number; parts: number } | { queued: false; reason: string };

/** A thread a citizen's next text is taken by (conversation/desk.ts). */
export interface AwaitingThread {
  id: number;
  reference: string;
  status: ThreadStatus;
}

/** Targets in hours per category, `*` for the rest. */
export type Targets = Record<string, { first: number; resolution: number }>;

/** Parses DESK_TARGETS (`health=2/48,*=8/120`); `*` defaults to 8/120 when not named. */
export function parseTargets(text: string): Targets {
  const targets: Targets = { '*': { first: 8, resolution: 120 } };
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [category, hours] = entry.split('=');
    const [first, resolution] = hours.split('/').map(Number);
    targets[category] = { first, resolution };
  }
  return targets;
}

/** Time to first response and to resolution, and open counts, for one office (ministry + municipality). */
export interface OfficeMeasures {
  ministry: string | null;
  municipality: string | null;
  open: number;
  awaitingFirstResponse: number;
  flagged: number;
  closed: number;
  /** Medians over the threads that have one, in minutes; null when none has. */
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  /** Threads whose first response or resolution came (or is still missing) after its target. */
  pastTarget: number;
}

export interface ThreadServiceDeps {
  db: Database;
  outbox: Outbox;
  i18n: i18n;
  defaultLocale: string;
  /** The channels that can push messages now. */
  sendingChannels: () => readonly string[];
  /** DESK_THREADS_PER_DAY, DESK_MESSAGES_PER_DAY, DESK_REPLY_HOURS, DESK_FOLLOW_UP_MINUTES. */
  limits: { threadsPerDay: number; messagesPerDay: number; replyHours: number; followUpMinutes: number };
  targets: Targets;
  /** DESK_OFFICE_HOURS (null: around the clock), in `timeZone`: the hours the targets count. */
  officeHours: OfficeHours | null;
  timeZone: string;
  /** DESK_FLAG_WORDS, split. */
  flagWords: readonly string[];
  now?: () => Date;
  /** Wakes the dispatchers after a reply is queued. */
  queued?: () => void;
  makeReference?: () => string;
}

/** Draws of a fresh reference before giving up. */
const REFERENCE_DRAWS = 6;

/** Longest message kept; an SMS of ten parts is shorter. */
export const MAX_MESSAGE = 2000;

const LIST_COLUMNS = `t.id, t.reference, t.status, t.category_code, t.ministry_code, t.municipality_code, t.service_code, t.anonymous, t.flagged,
  t.assigned_key_id, t.channel, t.created_at, t.updated_at, t.first_response_at, t.closed_at`;

/** A phone as an officer may see it: country code and network prefix, the last four digits. */
export function maskPhone(address: string): string | null {
  const match = /^tel:(\+\d{5})\d+(\d{4})$/.exec(address);
  return match ? `${match[1]}•••${match[2]}` : null;
}

/** Lower case, Latin accents dropped, spaces collapsed: how flag words are matched. */
function folded(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC').replace(/\s+/g, ' ');
}

function referenceOf(input: string): string {
  const parsed = parseReference(input);
  if (!parsed.ok) throw new InvalidError(parsed.reason === 'length' ? 'a reference has 11 digits' : 'that reference has a mistake (its check digit does not match)');
  return parsed.reference;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

export class ThreadService {
  private readonly now: () => Date;
  private readonly flagWords: string[];

  constructor(private readonly deps: ThreadServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.flagWords = deps.flagWords.map((word) => folded(word.trim())).filter(Boolean);
  }

  /** The service's clock (the queue's "due in" is counted from it). */
  clock(): Date {
    return this.now();
  }

  /**
   * Canned answers for a ministry's officers in the citizen's language: `desk:canned.<ministry>`
   * (numbered entries) in the locale files (one folder per language, as every text), else `desk:canned.default`.
   */
  canned(ministry: string | null, locale: string): string[] {
    const listed = (key: string): string[] | undefined => {
      // Numbered entries ({"1": …, "2": …}), so each is checked like every other text of a locale.
      const value: unknown = this.deps.i18n.getResource(locale, 'desk', key) ?? this.deps.i18n.getResource('en', 'desk', key);
      return value !== null && typeof value === 'object' ? Object.values(value).filter((item): item is string => typeof item === 'string') : undefined;
    };
    return (ministry !== null ? listed(`canned.${ministry}`) : undefined) ?? listed('canned.default') ?? [];
  }

  /** True when a text carries one of the flag words (threats, self-harm). */
  isFlagged(text: string): boolean {
    const haystack = folded(text);
    return this.flagWords.some((word) => haystack.includes(word));
  }

  // --- the citizen's side ---

  /**
   * Opens a thread and, when the words are given, records them; returns the reference only once
   * committed. Routed to the ministry of the service (or the request's service), else to the
   * ministry that owns most services of the category, else to no one (a super-admin routes it).
   * Refuses (ThreadLimitError) past DESK_THREADS_PER_DAY for the citizen.
   */
  async file(thread: NewThread): Promise<{ id: number; reference: string; status: ThreadStatus }> {
    if (thread.anonymous && thread.requestReference !== undefined) throw new InvalidError('an anonymous complaint cannot name one of your requests: it would tell who you are');
    return this.deps.db.transaction(async (tx) => {
      // Serialises a citizen's filings, so two at once cannot both pass the limit.
      await tx.query('SELECT id FROM citizens WHERE id = $1 FOR UPDATE', [thread.citizenId]);
      const now = this.now();
      const [{ count }] = await tx.query<{ count: string }>(
        `SELECT count(*) AS count FROM threads WHERE citizen_id = $1 AND created_at > $2::timestamptz - interval '1 day'`,
        [thread.citizenId, now],
      );
      if (Number(count) >= this.deps.limits.threadsPerDay) throw new ThreadLimitError('too many complaints today');
      const request = thread.requestReference === undefined ? undefined : await this.ownRequest(tx, thread.citizenId, thread.requestReference);
      const serviceCode = thread.serviceCode ?? request?.service;
      const ministry = await this.route(tx, serviceCode, thread.categoryCode);
      const words = thread.text?.trim().slice(0, MAX_MESSAGE);
      const status: ThreadStatus = words ? 'open' : 'drafting';
      const awaiting = words ? this.followUpUntil(now) : this.replyUntil(now);
      for (let draw = 0; draw < REFERENCE_DRAWS; draw++) {
        const reference = (this.deps.makeReference ?? newReference)();
        const [row] = await tx.query<{ id: string }>(
          `INSERT INTO threads (reference, citizen_id, category_code, municipality_code, ministry_code, service_code, request_id, anonymous, status,
                                channel, flagged, awaiting_until, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
           ON CONFLICT (reference) DO NOTHING RETURNING id`,
          [
            reference,
            thread.citizenId,
            thread.categoryCode ?? null,
            thread.municipalityCode ?? null,
            ministry,
            serviceCode ?? null,
            request?.id ?? null,
            thread.anonymous ?? false,
            status,
            thread.channel,
            words ? this.isFlagged(words) : false,
            awaiting,
            now,
          ],
        );
        if (!row) continue;
        if (words) await this.insertMessage(tx, Number(row.id), 'citizen', 'citizen', words, thread.channel, now);
        return { id: Number(row.id), reference, status };
      }
      throw new Error('could not draw a free thread reference');
    });
  }

  /**
   * The thread a citizen's next text belongs to, by the desk's rule: one of theirs whose wait
   * has not run out (a filing whose words are to come, an officer's reply within
   * DESK_REPLY_HOURS, their own message within DESK_FOLLOW_UP_MINUTES), newest first.
   */
  async awaiting(citizenId: number): Promise<AwaitingThread | undefined> {
    const [row] = await this.deps.db.query(
      `SELECT id, reference, status FROM threads WHERE citizen_id = $1 AND status <> 'closed' AND awaiting_until > $2 ORDER BY updated_at DESC, id DESC LIMIT 1`,
      [citizenId, this.now()],
    );
    return row ? { id: Number(row.id), reference: row.reference as string, status: row.status as ThreadStatus } : undefined;
  }

  /** One of the citizen's threads that is not closed, by reference (a text that starts with it). */
  async own(citizenId: number, reference: string): Promise<AwaitingThread | undefined> {
    const [row] = await this.deps.db.query(`SELECT id, reference, status FROM threads WHERE citizen_id = $1 AND reference = $2 AND status <> 'closed'`, [citizenId, reference]);
    return row ? { id: Number(row.id), reference: row.reference as string, status: row.status as ThreadStatus } : undefined;
  }

  /** The citizen turned to something else (a keyword, a command): no thread waits for their next text. */
  async release(citizenId: number): Promise<void> {
    await this.deps.db.query(`UPDATE threads SET awaiting_until = NULL WHERE citizen_id = $1 AND awaiting_until IS NOT NULL`, [citizenId]);
  }

  /**
   * Adds the citizen's text to their thread: it is open again for the office, flagged when a flag
   * word is in it, and waits DESK_FOLLOW_UP_MINUTES for a follow-up. Refuses (ThreadLimitError)
   * past DESK_MESSAGES_PER_DAY for the citizen; returns whether this was the thread's first words.
   */
  async citizenWrites(citizenId: number, threadId: number, text: string, channel: string): Promise<{ first: boolean }> {
    const words = text.trim().slice(0, MAX_MESSAGE);
    return this.deps.db.transaction(async (tx) => {
      const [thread] = await tx.query('SELECT status FROM threads WHERE id = $1 AND citizen_id = $2 FOR UPDATE', [threadId, citizenId]);
      if (!thread || thread.status === 'closed') throw new ConflictError('that thread is closed');
      const now = this.now();
      const [{ count }] = await tx.query<{ count: string }>(
        `SELECT count(*) AS count FROM thread_messages m JOIN threads t ON t.id = m.thread_id
          WHERE t.citizen_id = $1 AND m.author = 'citizen' AND m.created_at > $2::timestamptz - interval '1 day'`,
        [citizenId, now],
      );
      if (Number(count) >= this.deps.limits.messagesPerDay) throw new ThreadLimitError('too many messages today');
      await this.insertMessage(tx, threadId, 'citizen', 'citizen', words, channel, now);
      await tx.query(`UPDATE threads SET status = 'open', flagged = flagged OR $2, awaiting_until = $3, updated_at = $4 WHERE id = $1`, [
        threadId,
        this.isFlagged(words),
        this.followUpUntil(now),
        now,
      ]);
      return { first: thread.status === 'drafting' };
    });
  }

  // --- the officers' side ---

  /** The queue: flagged threads first, then the oldest waiting; a ministry's key sees its own ministry's. */
  async list(actor: Actor, filter: ThreadFilter): Promise<ThreadListItem[]> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.deps.db.query(
      `SELECT ${LIST_COLUMNS} FROM threads t
        WHERE t.status <> 'drafting'
          AND ($1::text IS NULL OR t.ministry_code = $1)
          AND ($2::text IS NULL OR t.municipality_code = $2)
          AND ($3::text IS NULL OR t.status = $3)
          AND ($4::bigint IS NULL OR t.assigned_key_id = $4)
          AND ($6::boolean OR t.ministry_code IS NOT NULL)
        ORDER BY (t.status = 'closed'), t.flagged DESC, t.created_at, t.id
        LIMIT $5`,
      [ministry ?? null, filter.municipality ?? null, filter.status ?? null, filter.assignedKeyId ?? null, filter.limit, isSuperAdmin(actor)],
    );
    return rows.map((row) => this.toItem(row));
  }

  /** A thread with its messages. Another ministry's (or an unrouted one, for a ministry's key) is not found. */
  async detail(actor: Actor, referenceInput: string, tx: Queryable = this.deps.db): Promise<ThreadDetail> {
    const reference = referenceOf(referenceInput);
    const [row] = await tx.query(
      `SELECT ${LIST_COLUMNS}, t.resolution, t.citizen_id, r.reference AS request_reference, c.locale,
              (SELECT address FROM citizen_addresses a WHERE a.citizen_id = t.citizen_id AND a.address LIKE 'tel:%' ORDER BY last_seen_at DESC LIMIT 1) AS phone
         FROM threads t JOIN citizens c ON c.id = t.citizen_id LEFT JOIN requests r ON r.id = t.request_id
        WHERE t.reference = $1 AND t.status <> 'drafting'`,
      [reference],
    );
    assertVisible(actor, row ? (row.ministry_code as string | null) : null, `no thread ${reference}`);
    const messages = await tx.query('SELECT id, author, actor, body, channel, created_at FROM thread_messages WHERE thread_id = $1 ORDER BY id', [row.id]);
    const anonymous = row.anonymous as boolean;
    return {
      ...this.toItem(row),
      contact: anonymous || row.phone === null ? null : maskPhone(row.phone as string),
      request: anonymous ? null : ((row.request_reference as string | null) ?? null),
      locale: (row.locale as string | null) ?? null,
      resolution: (row.resolution as string | null) ?? null,
      messages: messages.map((message) => ({
        id: Number(message.id),
        author: message.author as MessageAuthor,
        actor: message.actor as string,
        body: message.body as string,
        channel: (message.channel as string | null) ?? null,
        at: new Date(message.created_at as string),
      })),
    };
  }

  /**
   * An officer's reply: recorded, and queued for the citizen on the channel they used last in the
   * same transaction; the thread then waits DESK_REPLY_HOURS for the citizen's answer.
   */
  async reply(actor: Actor, referenceInput: string, body: string): Promise<{ thread: ThreadDetail; delivery: Delivery }> {
    assertNoLink('body', body);
    const result = await this.deps.db.transaction(async (tx) => {
      const thread = await this.lockVisible(tx, actor, referenceInput);
      if (thread.status === 'closed') throw new ConflictError('the thread is closed; a closed thread takes no replies');
      const now = this.now();
      await this.insertMessage(tx, thread.id, 'officer', actor.label, body, null, now);
      await tx.query(
        `UPDATE threads SET status = 'answered', first_response_at = COALESCE(first_response_at, $2), awaiting_until = $3, updated_at = $2 WHERE id = $1`,
        [thread.id, now, this.replyUntil(now)],
      );
      const delivery = await this.send(tx, thread, 'desk:sms.reply', body);
      await recordChange(tx, actor, { ministryCode: thread.ministry, action: 'thread.reply', target: `thread:${thread.reference}`, details: { queued: delivery.queued } });
      return { thread: await this.detail(actor, thread.reference, tx), delivery };
    });
    if (result.delivery.queued) this.deps.queued?.();
    return result;
  }

  /** An internal note: seen by the office, never sent. */
  async note(actor: Actor, referenceInput: string, body: string): Promise<ThreadDetail> {
    return this.deps.db.transaction(async (tx) => {
      const thread = await this.lockVisible(tx, actor, referenceInput);
      await this.insertMessage(tx, thread.id, 'note', actor.label, body, null, this.now());
      await tx.query('UPDATE threads SET updated_at = $2 WHERE id = $1', [thread.id, this.now()]);
      return this.detail(actor, thread.reference, tx);
    });
  }

  /**
   * Assigns a thread to an officer (a key of its ministry), and/or moves it to another office
   * (municipality) or ministry; every change is audited with where it came from. Moving it to
   * another ministry takes it out of this one's sight (and clears the assignment).
   */
  async assign(actor: Actor, referenceInput: string, change: { keyId?: number | null; ministry?: string; municipality?: string | null }): Promise<ThreadListItem> {
    return this.deps.db.transaction(async (tx) => {
      const thread = await this.lockVisible(tx, actor, referenceInput);
      const ministry = change.ministry ?? thread.ministry;
      if (change.ministry !== undefined) {
        const [known] = await tx.query('SELECT 1 FROM ministries WHERE code = $1', [change.ministry]);
        if (!known) throw new InvalidError(`no ministry "${change.ministry}"`);
      }
      if (change.municipality) {
        const [known] = await tx.query('SELECT 1 FROM municipalities WHERE code = $1', [change.municipality]);
        if (!known) throw new InvalidError(`no municipality "${change.municipality}"`);
      }
      const moved = ministry !== thread.ministry;
      let keyId = change.keyId === undefined ? (moved ? null : thread.assignedKeyId) : change.keyId;
      if (keyId !== null) {
        const [key] = await tx.query('SELECT ministry_code FROM api_keys WHERE id = $1 AND revoked_at IS NULL AND centre_code IS NULL', [keyId]);
        if (!key || key.ministry_code !== ministry) throw new InvalidError(`key ${keyId} is not an officer of ministry "${ministry ?? 'none'}"`);
      }
      const municipality = change.municipality === undefined ? thread.municipality : change.municipality;
      await tx.query('UPDATE threads SET ministry_code = $2, municipality_code = $3, assigned_key_id = $4, updated_at = $5 WHERE id = $1', [thread.id, ministry, municipality, keyId, this.now()]);
      const details = {
        from: { ministry: thread.ministry, municipality: thread.municipality, keyId: thread.assignedKeyId },
        to: { ministry, municipality, keyId },
      };
      // Written under both ministries when it moves between them: each sees it leave or arrive.
      await recordChange(tx, actor, { ministryCode: thread.ministry, action: moved ? 'thread.reassign' : 'thread.assign', target: `thread:${thread.reference}`, details });
      if (moved) await recordChange(tx, actor, { ministryCode: ministry, action: 'thread.reassign', target: `thread:${thread.reference}`, details });
      // The thread as it now stands (a key that moved it to another ministry no longer sees it after this).
      const [row] = await tx.query(`SELECT ${LIST_COLUMNS} FROM threads t WHERE t.id = $1`, [thread.id]);
      return this.toItem(row);
    });
  }

  /** Closes a thread with a resolution, which the citizen is sent. */
  async close(actor: Actor, referenceInput: string, resolution: string): Promise<{ thread: ThreadDetail; delivery: Delivery }> {
    assertNoLink('resolution', resolution);
    const result = await this.deps.db.transaction(async (tx) => {
      const thread = await this.lockVisible(tx, actor, referenceInput);
      if (thread.status === 'closed') throw new ConflictError('the thread is already closed');
      const now = this.now();
      await tx.query(`UPDATE threads SET status = 'closed', resolution = $2, closed_at = $3, awaiting_until = NULL, updated_at = $3 WHERE id = $1`, [thread.id, resolution, now]);
      const delivery = await this.send(tx, thread, 'desk:sms.closed', resolution);
      await recordChange(tx, actor, { ministryCode: thread.ministry, action: 'thread.close', target: `thread:${thread.reference}`, details: { queued: delivery.queued } });
      return { thread: await this.detail(actor, thread.reference, tx), delivery };
    });
    if (result.delivery.queued) this.deps.queued?.();
    return result;
  }

  /** What the citizen would receive for a reply (or closing) `body`, and its size: the console's counter. */
  preview(locale: string, body: string, reference = '00000000000', kind: 'reply' | 'closed' = 'reply'): { text: string; size: SmsSize } {
    const text = this.deps.outbox.asSent(this.messageText(locale, `desk:sms.${kind}`, reference, body), 'status', locale);
    return { text, size: smsSize(text) };
  }

  /** Per office: open counts, flagged, medians of time to first response and to resolution, and threads past target. */
  async measures(actor: Actor, ministryFilter?: string): Promise<OfficeMeasures[]> {
    const ministry = ministryScope(actor, ministryFilter);
    const rows = await this.deps.db.query(
      `SELECT ministry_code, municipality_code, status, flagged, category_code, created_at, first_response_at, closed_at FROM threads
        WHERE status <> 'drafting' AND ($1::text IS NULL OR ministry_code = $1) AND ($2::boolean OR ministry_code IS NOT NULL)`,
      [ministry ?? null, isSuperAdmin(actor)],
    );
    const now = this.now().getTime();
    const offices = new Map<string, { measures: OfficeMeasures; first: number[]; resolution: number[] }>();
    for (const row of rows) {
      const key = `${row.ministry_code ?? ''}|${row.municipality_code ?? ''}`;
      let office = offices.get(key);
      if (!office) {
        office = {
          measures: { ministry: row.ministry_code as string | null, municipality: row.municipality_code as string | null, open: 0, awaitingFirstResponse: 0, flagged: 0, closed: 0, medianFirstResponseMinutes: null, medianResolutionMinutes: null, pastTarget: 0 },
          first: [],
          resolution: [],
        };
        offices.set(key, office);
      }
      const created = new Date(row.created_at as string).getTime();
      const first = row.first_response_at ? new Date(row.first_response_at as string).getTime() : null;
      const closed = row.closed_at ? new Date(row.closed_at as string).getTime() : null;
      const target = this.targetOf(row.category_code as string | null);
      const m = office.measures;
      if (row.status === 'closed') m.closed++;
      else m.open++;
      if (first === null && row.status !== 'closed') m.awaitingFirstResponse++;
      if (row.flagged && row.status !== 'closed') m.flagged++;
      if (first !== null) office.first.push((first - created) / 60000);
      if (closed !== null) office.resolution.push((closed - created) / 60000);
      const late = (at: number | null, hours: number) => (at ?? now) > this.due(new Date(created), hours).getTime();
      if ((first !== null || row.status !== 'closed') && (late(first, target.first) || late(closed, target.resolution))) m.pastTarget++;
    }
    return [...offices.values()].map(({ measures, first, resolution }) => ({
      ...measures,
      medianFirstResponseMinutes: median(first.map(Math.round)),
      medianResolutionMinutes: median(resolution.map(Math.round)),
    }));
  }

  // --- internals ---

  private followUpUntil(now: Date): Date {
    return new Date(now.getTime() + this.deps.limits.followUpMinutes * 60_000);
  }

  private replyUntil(now: Date): Date {
    return new Date(now.getTime() + this.deps.limits.replyHours * 3_600_000);
  }

  /** When a target of `hours` falls for a thread filed at `created`, in office hours. */
  private due(created: Date, hours: number): Date {
    return addOfficeHours(created, hours, this.deps.officeHours, this.deps.timeZone);
  }

  private targetOf(category: string | null): { first: number; resolution: number } {
    return (category !== null ? this.deps.targets[category] : undefined) ?? this.deps.targets['*'];
  }

  private async ownRequest(tx: Queryable, citizenId: number, referenceInput: string): Promise<{ id: number; service: string }> {
    const [row] = await tx.query('SELECT id, service_code FROM requests WHERE reference = $1 AND citizen_id = $2', [referenceOf(referenceInput), citizenId]);
    if (!row) throw new InvalidError('that is not one of your requests');
    return { id: Number(row.id), service: row.service_code as string };
  }

  /** The ministry a thread goes to: the service's, else the one with most services in the category, else none. */
  private async route(tx: Queryable, serviceCode: string | undefined, categoryCode: string | undefined): Promise<string | null> {
    if (serviceCode !== undefined) {
      const [service] = await tx.query('SELECT ministry_code FROM services WHERE code = $1', [serviceCode]);
      if (!service) throw new InvalidError(`no service "${serviceCode}"`);
      return service.ministry_code as string;
    }
    if (categoryCode === undefined) return null;
    const [owner] = await tx.query(
      'SELECT ministry_code FROM services WHERE category_code = $1 GROUP BY ministry_code ORDER BY count(*) DESC, ministry_code LIMIT 1',
      [categoryCode],
    );
    return (owner?.ministry_code as string | undefined) ?? null;
  }

  private async insertMessage(tx: Queryable, threadId: number, author: MessageAuthor, actor: string, body: string, channel: string | null, at: Date): Promise<void> {
    await tx.query('INSERT INTO thread_messages (thread_id, author, actor, body, channel, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [threadId, author, actor, body, channel, at]);
  }

  private async lockVisible(
    tx: Queryable,
    actor: Actor,
    referenceInput: string,
  ): Promise<{ id: number; reference: string; citizenId: number; status: ThreadStatus; ministry: string | null; municipality: string | null; assignedKeyId: number | null; locale: string }> {
    const reference = referenceOf(referenceInput);
    const [row] = await tx.query(
      `SELECT t.id, t.citizen_id, t.status, t.ministry_code, t.municipality_code, t.assigned_key_id, c.locale
         FROM threads t JOIN citizens c ON c.id = t.citizen_id WHERE t.reference = $1 AND t.status <> 'drafting' FOR UPDATE OF t`,
      [reference],
    );
    assertVisible(actor, row ? (row.ministry_code as string | null) : null, `no thread ${reference}`);
    return {
      id: Number(row.id),
      reference,
      citizenId: Number(row.citizen_id),
      status: row.status as ThreadStatus,
      ministry: (row.ministry_code as string | null) ?? null,
      municipality: (row.municipality_code as string | null) ?? null,
      assignedKeyId: row.assigned_key_id === null ? null : Number(row.assigned_key_id),
      locale: (row.locale as string | null) ?? this.deps.defaultLocale,
    };
  }

  /** i18next directly, not the memoised `translate`: an officer's words are not kept in a process-wide cache. */
  private messageText(locale: string, key: string, reference: string, body: string): string {
    return this.deps.i18n.t(key, { lng: locale, reference: formatReference(reference), text: body });
  }

  /** Queues `body` for the thread's citizen on the channel they used last, inside `tx`. */
  private async send(tx: Queryable, thread: { reference: string; citizenId: number; locale: string }, key: string, body: string): Promise<Delivery> {
    const reach = await preferredAddress(tx, thread.citizenId, this.deps.sendingChannels());
    if (!reach) return { queued: false, reason: 'the citizen has no address on a channel that can send' };
    const text = this.messageText(thread.locale, key, thread.reference, body);
    const outboxId = await this.deps.outbox.enqueue({ address: reach.address, channel: reach.channel, body: text, kind: 'status', citizenId: thread.citizenId, locale: thread.locale }, tx);
    return { queued: true, channel: reach.channel, outboxId, parts: smsSize(this.deps.outbox.asSent(text, 'status', thread.locale)).segments };
  }

  private toItem(row: Record<string, unknown>): ThreadListItem {
    const created = new Date(row.created_at as string);
    const target = this.targetOf((row.category_code as string | null) ?? null);
    return {
      reference: row.reference as string,
      status: row.status as ThreadStatus,
      category: (row.category_code as string | null) ?? null,
      ministry: (row.ministry_code as string | null) ?? null,
      municipality: (row.municipality_code as string | null) ?? null,
      service: (row.service_code as string | null) ?? null,
      anonymous: row.anonymous as boolean,
      flagged: row.flagged as boolean,
      assignedKeyId: row.assigned_key_id === null ? null : Number(row.assigned_key_id),
      channel: row.channel as string,
      createdAt: created,
      updatedAt: new Date(row.updated_at as string),
      firstResponseAt: row.first_response_at ? new Date(row.first_response_at as string) : null,
      closedAt: row.closed_at ? new Date(row.closed_at as string) : null,
      firstResponseDue: this.due(created, target.first),
      resolutionDue: this.due(created, target.resolution),
    };
  }
}
