import { smsSize, type SmsSize } from '../text/segments';
import { CODE_SLOT, EMERGENCY_BROADCAST_PRIORITY, PRIORITY, type MessageCounts, type Outbox } from '../outbox/outbox';
import type { Database, Queryable } from '../store/sql';
import { assertMinistry, assertNoLink, assertVisible, ConflictError, ForbiddenError, InvalidError, ministryScope, type Actor } from './access';
import { audienceQuery, type AudienceFilter } from './audience';
import { contentDigest, recordChange } from './audit';
import type { QuietHours } from '../config';
import { isQuiet, quietUntil } from './quiet-hours';

/** Where a broadcast stands: draft → (pending_approval →) scheduled → sending → completed; or stopped. */
export type BroadcastStatus = 'draft' | 'pending_approval' | 'scheduled' | 'sending' | 'completed' | 'stopped';

/** A broadcast as a ministry writes it. */
export interface BroadcastInput extends AudienceFilter {
  ministryCode: string;
  /** Text per locale; citizens whose language has none get `defaultLocale`'s. */
  texts: Record<string, string>;
  defaultLocale: string;
  /** Skips quiet hours and goes ahead of every other broadcast. */
  emergency: boolean;
}

export interface Broadcast extends BroadcastInput {
  id: number;
  status: BroadcastStatus;
  scheduledAt: Date | null;
  /** Counted when scheduled, fixed at fan-out. */
  recipients: number | null;
  createdBy: number;
  scheduledBy: number | null;
  approvedBy: number | null;
  stoppedBy: number | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  stoppedAt: Date | null;
}

/** What a broadcast will do before it is sent: who, how many SMS parts, what it costs and how long it takes. */
export interface BroadcastPreview {
  recipients: number;
  /** Subscribers the audience matches who have no address on the allowed channels that are on. */
  notReached: number;
  channels: { channel: string; recipients: number; ratePerSecond: number; costPhp: number; seconds: number }[];
  locales: { locale: string; recipients: number; textLocale: string; sms: SmsSize }[];
  byChannelAndLocale: { channel: string; locale: string; recipients: number }[];
  costPhp: number;
  /** Seconds from the first message to the last at the channels' rates (channels send side by side). */
  estimatedSeconds: number;
  /** When sending would start: the schedule, or the end of quiet hours for an ordinary broadcast. */
  startsAt: Date;
  heldByQuietHours: boolean;
  needsApproval: boolean;
  approvalThreshold: number;
}

export interface BroadcastProgress extends MessageCounts {
  id: number;
  status: BroadcastStatus;
  recipients: number | null;
  startedAt: Date | null;
  completedAt: Date | null;
  stoppedAt: Date | null;
  /**
   * When quiet hours let it go: set while nothing of it may go out before then (a scheduled
   * ordinary broadcast in quiet hours, or one fanned out whose waiting messages all wait).
   */
  heldUntil: Date | null;
  /**
   * Nothing more will change: finished, and no message sent without a delivery receipt yet
   * (or RECEIPT_WAIT_MINUTES have passed since it finished, as some receipts never come).
   */
  settled: boolean;
}

/** How long after a broadcast finished its delivery receipts are still followed. */
export const RECEIPT_WAIT_MINUTES = 60;

export interface BroadcastSettings {
  defaultLocale: string;
  /** A broadcast to more recipients than this needs a second person's approval. */
  approvalThreshold: number;
  quietHours: QuietHours | null;
  /** Channels that can send in this deployment, with their rates in messages per second. */
  channels: readonly { name: string; ratePerSecond: number }[];
  /** PHP per SMS segment, or per message on other channels; a channel not listed is free. */
  pricesPhp: Readonly<Record<string, number>>;
  now: () => Date;
  /** Called after a fan-out is committed (wakes the dispatcher). */
  queued?: () => void;
}

const COLUMNS = `id, ministry_code, topic_code, municipalities, channels, languages, texts, default_locale, emergency, status, scheduled_at,
  recipients, created_by, scheduled_by, approved_by, stopped_by, created_at, started_at, completed_at, stopped_at`;

const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
const id = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toBroadcast(row: Record<string, unknown>): Broadcast {
  return {
    id: Number(row.id),
    ministryCode: row.ministry_code as string,
    topic: row.topic_code as string,
    municipalities: (row.municipalities as string[] | null) ?? null,
    channels: (row.channels as string[] | null) ?? null,
    languages: (row.languages as string[] | null) ?? null,
    texts: row.texts as Record<string, string>,
    defaultLocale: row.default_locale as string,
    emergency: Boolean(row.emergency),
    status: row.status as BroadcastStatus,
    scheduledAt: date(row.scheduled_at),
    recipients: id(row.recipients),
    createdBy: Number(row.created_by),
    scheduledBy: id(row.scheduled_by),
    approvedBy: id(row.approved_by),
    stoppedBy: id(row.stopped_by),
    createdAt: new Date(row.created_at as string),
    startedAt: date(row.started_at),
    completedAt: date(row.completed_at),
    stoppedAt: date(row.stopped_at),
  };
}

/**
 * Broadcasts: announcements to the subscribers of a topic. A ministry drafts one, previews it,
 * schedules it (now or later), and, above the approval threshold, a second person approves it.
 * When it is due, housekeeping fans it out with one INSERT … SELECT into the outbox, and the
 * dispatchers send it within each channel's rate, after replies and status updates. Stopping
 * cancels whatever has not gone out.
 */
export class BroadcastService {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly settings: BroadcastSettings,
  ) {}

  private get sendingChannels(): string[] {
    return this.settings.channels.map((channel) => channel.name);
  }

  async create(actor: Actor, input: BroadcastInput): Promise<Broadcast> {
    assertMinistry(actor, input.ministryCode);
    assertTexts(input);
    return this.db.transaction(async (tx) => {
      const [topic] = await tx.query('SELECT 1 FROM topics WHERE code = $1', [input.topic]);
      if (!topic) throw new InvalidError(`unknown topic "${input.topic}"`);
      if (input.municipalities) {
        const known = await tx.query<{ code: string }>('SELECT code FROM municipalities WHERE code = ANY($1::text[])', [input.municipalities]);
        const unknown = input.municipalities.filter((code) => !known.some((row) => row.code === code));
        if (unknown.length > 0) throw new InvalidError(`unknown municipalities: ${unknown.join(', ')}`);
      }
      const [row] = await tx.query(
        `INSERT INTO broadcasts (ministry_code, topic_code, municipalities, channels, languages, texts, default_locale, emergency, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [input.ministryCode, input.topic, input.municipalities, input.channels, input.languages, JSON.stringify(input.texts), input.defaultLocale, input.emergency, actor.keyId],
      );
      const broadcast = toBroadcast(row);
      await recordChange(tx, actor, {
        ministryCode: broadcast.ministryCode,
        action: 'broadcast.create',
        target: `broadcast:${broadcast.id}`,
        details: { topic: broadcast.topic, municipalities: broadcast.municipalities, channels: broadcast.channels, languages: broadcast.languages, emergency: broadcast.emergency, texts: Object.fromEntries(Object.entries(broadcast.texts).map(([locale, text]) => [locale, contentDigest(text)])) },
      });
      return broadcast;
    });
  }

  async get(actor: Actor, broadcastId: number, tx: Queryable = this.db, lock = false): Promise<Broadcast> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM broadcasts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [broadcastId]);
    // Another ministry's broadcast is not found, as one that does not exist.
    assertVisible(actor, row ? (row.ministry_code as string) : null, `no broadcast ${broadcastId}`);
    return toBroadcast(row);
  }

  async list(actor: Actor, filter: { ministry?: string; status?: BroadcastStatus; limit: number; before?: number }): Promise<{ items: Broadcast[]; nextCursor: string | null }> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM broadcasts
        WHERE ($1::text IS NULL OR ministry_code = $1) AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [ministry ?? null, filter.status ?? null, filter.before ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map(toBroadcast);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1].id) : null };
  }

  /** Recipients per channel and locale, SMS size per locale, cost and duration, before anything is sent. */
  async preview(actor: Actor, broadcastId: number): Promise<BroadcastPreview> {
    return this.previewOf(await this.get(actor, broadcastId));
  }

  /**
   * The preview of a broadcast not yet saved (the console's live preview while an officer
   * writes one): the same numbers `preview` gives once it is drafted, and nothing is written.
   */
  async previewDraft(actor: Actor, input: BroadcastInput): Promise<BroadcastPreview> {
    assertMinistry(actor, input.ministryCode);
    assertTexts(input);
    return this.previewOf({ ...input, scheduledAt: null });
  }

  private async previewOf(broadcast: BroadcastInput & { scheduledAt: Date | null }): Promise<BroadcastPreview> {
    const audience = audienceQuery(broadcast, this.settings.defaultLocale, this.sendingChannels);
    const rows = await this.db.query<{ channel: string | null; locale: string; recipients: string }>(
      `SELECT channel, locale, count(*) AS recipients FROM (${audience.sql}) a GROUP BY channel, locale ORDER BY channel, locale`,
      audience.params,
    );
    const reached = rows.filter((row): row is typeof row & { channel: string } => row.channel !== null).map((row) => ({ channel: row.channel, locale: row.locale, recipients: Number(row.recipients) }));
    const notReached = rows.filter((row) => row.channel === null).reduce((sum, row) => sum + Number(row.recipients), 0);
    const textFor = (locale: string) => (broadcast.texts[locale] === undefined ? broadcast.defaultLocale : locale);
    const localeNames = [...new Set([...Object.keys(broadcast.texts), ...reached.map((row) => row.locale)])].sort();
    // Sized as sent: with the verification line the outbox adds, in the text's language.
    const sent = (locale: string) => this.outbox.asSent(broadcast.texts[textFor(locale)], 'broadcast', textFor(locale));
    const locales = localeNames.map((locale) => ({
      locale,
      recipients: reached.filter((row) => row.locale === locale).reduce((sum, row) => sum + row.recipients, 0),
      textLocale: textFor(locale),
      sms: smsSize(sent(locale)),
    }));
    const segmentsOf = (locale: string) => smsSize(sent(locale)).segments;
    const channels = this.settings.channels
      .map(({ name, ratePerSecond }) => {
        const groups = reached.filter((row) => row.channel === name);
        const recipients = groups.reduce((sum, row) => sum + row.recipients, 0);
        const units = groups.reduce((sum, row) => sum + row.recipients * (name === 'sms' ? segmentsOf(row.locale) : 1), 0);
        const price = this.settings.pricesPhp[name] ?? 0;
        return { channel: name, recipients, ratePerSecond, costPhp: roundPesos(units * price), seconds: ratePerSecond > 0 ? Math.ceil(recipients / ratePerSecond) : 0 };
      })
      .filter((channel) => channel.recipients > 0);
    const recipients = reached.reduce((sum, row) => sum + row.recipients, 0);
    const start = broadcast.scheduledAt && broadcast.scheduledAt > this.settings.now() ? broadcast.scheduledAt : this.settings.now();
    const held = !broadcast.emergency && isQuiet(this.settings.quietHours, start);
    return {
      recipients,
      notReached,
      channels,
      locales,
      byChannelAndLocale: reached,
      costPhp: roundPesos(channels.reduce((sum, channel) => sum + channel.costPhp, 0)),
      estimatedSeconds: Math.max(0, ...channels.map((channel) => channel.seconds)),
      startsAt: (held ? quietUntil(this.settings.quietHours, start) : undefined) ?? start,
      heldByQuietHours: held,
      needsApproval: recipients > this.settings.approvalThreshold,
      approvalThreshold: this.settings.approvalThreshold,
    };
  }

  /**
   * Schedules a draft for `at` (now when absent). Above the approval threshold it waits for a
   * second person's approval first.
   */
  async schedule(actor: Actor, broadcastId: number, at?: Date): Promise<Broadcast> {
    return this.db.transaction(async (tx) => {
      const broadcast = await this.get(actor, broadcastId, tx, true);
      if (broadcast.status !== 'draft') {
        throw new ConflictError(`broadcast ${broadcastId} is ${broadcast.status}; only a draft can be scheduled`, { kind: 'broadcast_not_draft', id: broadcastId, status: broadcast.status });
      }
      const recipients = await this.countRecipients(tx, broadcast);
      const status: BroadcastStatus = recipients > this.settings.approvalThreshold ? 'pending_approval' : 'scheduled';
      const [row] = await tx.query(
        `UPDATE broadcasts SET status = $2, scheduled_at = GREATEST(COALESCE($3::timestamptz, now()), now()), scheduled_by = $4, recipients = $5
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [broadcastId, status, at ?? null, actor.keyId, recipients],
      );
      const scheduled = toBroadcast(row);
      await recordChange(tx, actor, {
        ministryCode: scheduled.ministryCode,
        action: 'broadcast.schedule',
        target: `broadcast:${broadcastId}`,
        details: { at: scheduled.scheduledAt?.toISOString(), recipients, needsApproval: status === 'pending_approval' },
      });
      return scheduled;
    });
  }

  /**
   * A second person lets a large broadcast go: the approving key's holder must be neither the
   * holder of the key that drafted it nor of the one that scheduled it, and the approving key
   * must not have been made by either of them (whoever makes a key sees it once, so could hold
   * it). Compared by holder, not by key: one person's second key is still one person. The audit
   * entry names both holders.
   */
  async approve(actor: Actor, broadcastId: number): Promise<Broadcast> {
    return this.db.transaction(async (tx) => {
      const broadcast = await this.get(actor, broadcastId, tx, true);
      if (broadcast.status !== 'pending_approval') {
        throw new ConflictError(`broadcast ${broadcastId} is ${broadcast.status}, not waiting for approval`, { kind: 'broadcast_not_pending', id: broadcastId, status: broadcast.status });
      }
      if (actor.keyId === null) throw new ForbiddenError('a broadcast is approved with a key whose holder is a person');
      const holders = await approvalHolders(tx, broadcast, actor.keyId);
      const person = (holder: string | null) => holder?.toLowerCase() ?? null;
      const sameHolder = (holder: string | null) => holder !== null && (person(holder) === person(holders.approver) || person(holder) === person(holders.approverMadeBy));
      if (sameHolder(holders.drafter) || sameHolder(holders.scheduler)) {
        throw new ConflictError(
          `a second person must approve: this key is held by ${holders.approver}${holders.approverMadeBy ? ` (made by ${holders.approverMadeBy})` : ''}, and ${holders.drafter} drafted this broadcast${holders.scheduler && holders.scheduler !== holders.drafter ? ` and ${holders.scheduler} scheduled it` : ''}`,
          { kind: 'broadcast_same_person', approver: holders.approver, drafter: holders.drafter, scheduler: holders.scheduler },
        );
      }
      const [row] = await tx.query(`UPDATE broadcasts SET status = 'scheduled', approved_by = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [broadcastId, actor.keyId]);
      await recordChange(tx, actor, {
        ministryCode: broadcast.ministryCode,
        action: 'broadcast.approve',
        target: `broadcast:${broadcastId}`,
        details: {
          recipients: broadcast.recipients,
          draftedBy: { key: broadcast.createdBy, holder: holders.drafter },
          approvedBy: { key: actor.keyId, holder: holders.approver },
        },
      });
      return toBroadcast(row);
    });
  }

  /** Stops a broadcast: one not yet started never starts; of a running one, what has not gone out is cancelled. */
  async stop(actor: Actor, broadcastId: number): Promise<{ broadcast: Broadcast; cancelled: number }> {
    return this.db.transaction(async (tx) => {
      const broadcast = await this.get(actor, broadcastId, tx, true);
      if (broadcast.status === 'completed' || broadcast.status === 'stopped') {
        throw new ConflictError(`broadcast ${broadcastId} is already ${broadcast.status}`, { kind: 'broadcast_finished', id: broadcastId, status: broadcast.status });
      }
      const cancelled = broadcast.status === 'sending' ? await this.outbox.cancelBroadcast(broadcastId, tx) : 0;
      const [row] = await tx.query(`UPDATE broadcasts SET status = 'stopped', stopped_by = $2, stopped_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [broadcastId, actor.keyId]);
      await recordChange(tx, actor, { ministryCode: broadcast.ministryCode, action: 'broadcast.stop', target: `broadcast:${broadcastId}`, details: { was: broadcast.status, cancelled } });
      return { broadcast: toBroadcast(row), cancelled };
    });
  }

  async progress(actor: Actor, broadcastId: number): Promise<BroadcastProgress> {
    const broadcast = await this.get(actor, broadcastId);
    const counts = await this.outbox.countsFor(broadcastId);
    const now = this.settings.now();
    const finishedAt = broadcast.status === 'completed' ? broadcast.completedAt : broadcast.status === 'stopped' ? broadcast.stoppedAt : null;
    const settled = finishedAt !== null && (counts.sent === 0 || now.getTime() - finishedAt.getTime() >= RECEIPT_WAIT_MINUTES * 60_000);
    return {
      id: broadcast.id,
      status: broadcast.status,
      recipients: broadcast.recipients,
      startedAt: broadcast.startedAt,
      completedAt: broadcast.completedAt,
      stoppedAt: broadcast.stoppedAt,
      ...counts,
      heldUntil: await this.heldUntil(broadcast, counts.queued, now),
      settled,
    };
  }

  /** When quiet hours release a broadcast that nothing of may go out before then; null when it is not held. */
  private async heldUntil(broadcast: Broadcast, queued: number, now: Date): Promise<Date | null> {
    if (broadcast.emergency) return null;
    if (broadcast.status === 'scheduled' || broadcast.status === 'pending_approval') {
      const start = broadcast.scheduledAt && broadcast.scheduledAt > now ? broadcast.scheduledAt : now;
      return quietUntil(this.settings.quietHours, start) ?? null;
    }
    if (broadcast.status !== 'sending' || queued === 0) return null;
    const [row] = await this.db.query<{ next: Date | string | null; due: string }>(
      `SELECT min(not_before) AS next, count(*) FILTER (WHERE not_before <= $2) AS due FROM outbox WHERE broadcast_id = $1 AND status = 'queued'`,
      [broadcast.id, now],
    );
    return row?.next !== null && row?.next !== undefined && Number(row.due) === 0 ? new Date(row.next) : null;
  }

  /** What the outbox appends to a broadcast's text in `locale` (a newline and the verification line, with a stand-in code); empty without one. */
  appendedTo(locale: string): string {
    return this.outbox.asSent('', 'broadcast', locale);
  }

  /** Run by the dispatchers every second: fans out broadcasts that are due, closes those fully sent. */
  async housekeeping(): Promise<void> {
    const fannedOut = await this.fanOutDue();
    await this.completeFinished();
    if (fannedOut > 0) this.settings.queued?.();
  }

  /** Fans out every scheduled broadcast whose time has come, each in its own transaction; returns how many. */
  async fanOutDue(): Promise<number> {
    let count = 0;
    while (await this.fanOutNext()) count++;
    return count;
  }

  private async fanOutNext(): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // SKIP LOCKED: two dispatchers never fan out the same broadcast, nor wait on each other.
      const [row] = await tx.query(
        `SELECT ${COLUMNS} FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= now() ORDER BY scheduled_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!row) return false;
      const broadcast = toBroadcast(row);
      const recipients = await this.fanOut(tx, broadcast);
      await tx.query(
        `UPDATE broadcasts SET status = CASE WHEN $2 = 0 THEN 'completed' ELSE 'sending' END, recipients = $2, started_at = now(),
                completed_at = CASE WHEN $2 = 0 THEN now() END
          WHERE id = $1`,
        [broadcast.id, recipients],
      );
      return true;
    });
  }

  /**
   * The fan-out: one INSERT … SELECT puts a message for every recipient in the outbox, in
   * their language (or the default locale's text). An ordinary broadcast fanned out during
   * quiet hours waits for the morning; an emergency goes now, ahead of other broadcasts.
   * Each row gets its own verification code and the outbox's verification line in the text's
   * language, as `Outbox.enqueue` stamps a single message (the inner query, fenced by OFFSET 0,
   * draws the code once per row, so the body and the code column agree).
   */
  private async fanOut(tx: Queryable, broadcast: Broadcast): Promise<number> {
    const audience = audienceQuery(broadcast, this.settings.defaultLocale, this.sendingChannels, 6);
    const notBefore = broadcast.emergency ? undefined : quietUntil(this.settings.quietHours, this.settings.now());
    const stamp = this.outbox.stampLines();
    const lines = `$${6 + audience.params.length}::jsonb`;
    const [row] = await tx.query<{ recipients: string }>(
      `WITH inserted AS (
         INSERT INTO outbox (address, channel, body, kind, priority, citizen_id, broadcast_id, not_before, verification_code)
         SELECT a.address, a.channel,
                CASE WHEN a.code IS NULL THEN a.text
                     ELSE a.text || chr(10) || replace(COALESCE(${lines} ->> a.text_locale, ${lines} ->> $${7 + audience.params.length}::text), '${CODE_SLOT}', a.code) END,
                'broadcast', $4, a.citizen_id, $1, COALESCE($5::timestamptz, now()), a.code
           FROM (SELECT r.address, r.channel, r.citizen_id,
                        COALESCE($2::jsonb ->> r.locale, $2::jsonb ->> $3::text) AS text,
                        CASE WHEN $2::jsonb ->> r.locale IS NULL THEN $3::text ELSE r.locale END AS text_locale,
                        CASE WHEN ${lines} IS NULL THEN NULL ELSE verification_code() END AS code
                   FROM (${audience.sql}) r
                  WHERE r.channel IS NOT NULL
                 OFFSET 0) a
         RETURNING 1)
       SELECT count(*) AS recipients FROM inserted`,
      [
        broadcast.id,
        JSON.stringify(broadcast.texts),
        broadcast.defaultLocale,
        broadcast.emergency ? EMERGENCY_BROADCAST_PRIORITY : PRIORITY.broadcast,
        notBefore?.toISOString() ?? null,
        ...audience.params,
        stamp.json,
        stamp.defaultLocale,
      ],
    );
    return Number(row.recipients);
  }

  /** Marks sending broadcasts with nothing left queued as completed. */
  async completeFinished(): Promise<number> {
    const rows = await this.db.query(
      `UPDATE broadcasts b SET status = 'completed', completed_at = now()
        WHERE b.status = 'sending' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id AND o.status IN ('queued', 'sending'))
       RETURNING id`,
    );
    return rows.length;
  }

  private async countRecipients(tx: Queryable, broadcast: Broadcast): Promise<number> {
    const audience = audienceQuery(broadcast, this.settings.defaultLocale, this.sendingChannels);
    const [row] = await tx.query<{ recipients: string }>(`SELECT count(*) AS recipients FROM (${audience.sql}) a WHERE a.channel IS NOT NULL`, audience.params);
    return Number(row.recipients);
  }
}

/**
 * The holders a second approval is checked against (stored with spaces collapsed): the
 * drafter's, the scheduler's, the approving key's, and that of whoever made the approving key
 * (null for a key made by the admin command or ADMIN_API_KEY).
 */
async function approvalHolders(
  tx: Queryable,
  broadcast: Broadcast,
  approverKeyId: number,
): Promise<{ drafter: string; scheduler: string | null; approver: string; approverMadeBy: string | null }> {
  const [row] = await tx.query<{ drafter: string; scheduler: string | null; approver: string; approver_made_by: string | null }>(
    `SELECT d.holder AS drafter, s.holder AS scheduler, a.holder AS approver, m.holder AS approver_made_by
       FROM api_keys d
       LEFT JOIN api_keys s ON s.id = $2
       JOIN api_keys a ON a.id = $3
       LEFT JOIN api_keys m ON m.id = a.created_by
      WHERE d.id = $1`,
    [broadcast.createdBy, broadcast.scheduledBy, approverKeyId],
  );
  return { drafter: row.drafter, scheduler: row.scheduler, approver: row.approver, approverMadeBy: row.approver_made_by };
}

function roundPesos(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** A broadcast's texts: one in its default language, and none with a link (the telcos would block it). */
function assertTexts(input: Pick<BroadcastInput, 'texts' | 'defaultLocale'>): void {
  if (input.texts[input.defaultLocale] === undefined) throw new InvalidError(`texts has no "${input.defaultLocale}" text, the default locale`);
  for (const [locale, text] of Object.entries(input.texts)) assertNoLink(`texts.${locale}`, text);
}
