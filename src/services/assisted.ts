import { randomInt } from 'node:crypto';
import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { Outbox } from '../outbox/outbox';
import type { Database, Queryable } from '../store/sql';
import { ConflictError, ForbiddenError, InvalidError, isSuperAdmin, type Actor } from './access';
import { isAllowedCountry, maskPhone, phoneAddress } from '../address';
import { recordChange } from './audit';
import type { FormField, LocalizedText } from './catalog-schema';
import { pick } from './localized';
import { cleanName, isRelationship, RELATIONSHIPS, type ProfileService } from './profiles';
import type { RequestService } from './requests';
import type { UnsolicitedSmsBudget } from './unsolicited-sms';

/**
 * Assisted requests: an operator at a service centre (the region's counterpart of Bangladesh's
 * Union Digital Centers) fills a request in for a citizen, with a centre's API key. It reaches
 * the ministry only once the citizen confirms it from their own phone: they get an SMS with a
 * six-digit code to reply with, and the next time they dial they are asked "confirm request
 * for … filed at …? 1 Yes 2 No". Unconfirmed ones expire after ASSISTED_EXPIRY_HOURS; the
 * centre sees which are waiting. The audit log records the operator's key, their name and the
 * centre on filing, and the citizen's answer.
 */

/** Where an assisted request stands; a pending one past its expiry reads as expired at once. */
export const ASSISTED_STATUSES = ['pending', 'confirmed', 'declined', 'expired'] as const;
export type AssistedStatus = (typeof ASSISTED_STATUSES)[number];

/** The person on the phone a request is for, when not the phone's holder. */
export interface PersonInput {
  name: string;
  relationship: string;
}

/** What an operator files. Answers are keyed by the form's field keys; dates as YYYY-MM-DD. */
export interface AssistedInput {
  phone: string;
  service: string;
  answers: Record<string, string>;
  /** Who at the counter filed it (the key is the centre's, shared by its operators). */
  operator?: string;
  person?: PersonInput;
  /** The citizen's language, used when they have not chosen one yet. */
  locale?: string;
}

/** An assisted request as the centre and the ministries list it (never its answers). */
export interface AssistedRequest {
  id: number;
  centre: string;
  centreName: string;
  ministry: string;
  keyId: number;
  operator: string | null;
  /** The phone with its middle digits hidden. */
  phone: string;
  service: string;
  serviceName: LocalizedText;
  person: PersonInput | null;
  status: AssistedStatus;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  /** The request's reference once confirmed. */
  reference: string | null;
}

/** What the citizen is asked about when they dial. */
export interface PendingAssisted {
  id: number;
  serviceName: LocalizedText;
  centreName: string;
  personName: string | null;
}

/** What a confirmation made. */
export interface Confirmed {
  reference: string;
  serviceName: LocalizedText;
  personName: string | null;
}

/** Whether the citizen was told by SMS. */
/** The officer's words for each refusal of the unsolicited-SMS budget. */
const LIMIT_REACHED = { number: 'to this phone today', gateway: 'from this centre this hour', total: 'for everyone this hour', unavailable: 'it could not be checked' } as const;

export type AssistedNotification = { queued: true; channel: string; outboxId: number } | { queued: false; reason: string };

export interface AssistedFilter {
  status?: AssistedStatus;
  centre?: string;
  ministry?: string;
  limit: number;
  /** Rows older than this id (the previous page's `nextCursor`). */
  before?: number;
}

export interface AssistedDeps {
  db: Database;
  outbox: Outbox;
  i18n: i18n;
  requests: RequestService;
  profiles: ProfileService;
  defaultLocale: string;
  allowedCountryCodes: string[];
  /** Channels that can push messages; the citizen is told only when `sms` is one. */
  /** The channels that can push messages now. */
  sendingChannels: () => readonly string[];
  expiryHours: number;
  /** Most requests one phone may have waiting at once (a leaked centre key cannot flood a number). */
  pendingPerPhone: number;
  /** The filing's SMS goes to a phone that may never have written to us: it is taken from this budget first. */
  unsolicitedSms: Pick<UnsolicitedSmsBudget, 'take'>;
  now: () => Date;
  /** Called after an SMS is committed (wakes the dispatcher). */
  queued?: () => void;
}

/** The citizen, as the audit log names them when they confirm or refuse. */
const CITIZEN: Actor = { keyId: null, ministryCode: null, label: 'citizen' };
/** Housekeeping, as the audit log names it when a request expires. */
const SYSTEM: Actor = { keyId: null, ministryCode: null, label: 'system' };

/** How often housekeeping marks expired requests (a query-time rule already treats them as expired). */
const EXPIRY_SWEEP_MS = 60_000;

const STATUS_SQL = `CASE WHEN a.status = 'pending' AND a.expires_at <= $1 THEN 'expired' ELSE a.status END`;

function toAssisted(row: Record<string, unknown>): AssistedRequest {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    id: Number(row.id),
    centre: row.centre_code as string,
    centreName: row.centre_name as string,
    ministry: row.ministry_code as string,
    keyId: Number(row.key_id),
    operator: (row.operator as string | null) ?? null,
    phone: maskPhone(row.address as string),
    service: row.service_code as string,
    serviceName: row.service_name as LocalizedText,
    person: (row.person as PersonInput | null) ?? null,
    status: row.status as AssistedStatus,
    createdAt: new Date(row.created_at as string),
    expiresAt: new Date(row.expires_at as string),
    decidedAt: date(row.decided_at),
    reference: (row.reference as string | null) ?? null,
  };
}

/** Checks an operator's answers against the service's form; returns them cleaned, or throws with every problem. */
function checkAnswers(form: FormField[], answers: Record<string, string>, today: Date): Record<string, string> {
  const problems: string[] = [];
  const clean: Record<string, string> = {};
  for (const key of Object.keys(answers)) if (!form.some((field) => field.key === key)) problems.push(`"${key}" is not a field of this form`);
  for (const field of form) {
    const raw = answers[field.key];
    const value = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
    if (value === '') {
      if (field.required) problems.push(`"${field.key}" is required`);
      continue;
    }
    const problem = answerProblem(field, value, today);
    if (problem) problems.push(`"${field.key}" ${problem}`);
    else clean[field.key] = value;
  }
  if (problems.length > 0) throw new InvalidError(`the answers do not fit the form: ${problems.join('; ')}`);
  return clean;
}

/** Why one answer does not fit its field (the rules the dialogs apply on a phone), or undefined. */
function answerProblem(field: FormField, value: string, today: Date): string | undefined {
  switch (field.type) {
    case 'text':
      return value.length < field.minLength || value.length > field.maxLength || !/\p{L}/u.test(value)
        ? `must be ${field.minLength}-${field.maxLength} characters with letters`
        : undefined;
    case 'digits':
      return !/^\d+$/.test(value) || value.length < field.minLength || value.length > field.maxLength ? `must be ${field.minLength}-${field.maxLength} digits` : undefined;
    case 'choice':
      return field.options.some((option) => option.value === value) ? undefined : `must be one of ${field.options.map((option) => option.value).join(', ')}`;
    case 'date': {
      const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return 'must be a date as YYYY-MM-DD';
      const todayIso = today.toISOString().slice(0, 10);
      if (field.range === 'past' && value > todayIso) return 'must not be in the future';
      if (field.range === 'future' && value < todayIso) return 'must not be in the past';
      return undefined;
    }
  }
}

/** Assisted requests: filing at a centre, the citizen's answer, expiry, and the centre's list. */
export class AssistedService {
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: AssistedDeps) {}

  /**
   * Files a request for the citizen behind `input.phone` (created on first sight, without
   * counting as their contact) and texts them the code to confirm it. Only a centre's key may,
   * and only for a service of the key's ministry.
   */
  async file(actor: Actor, input: AssistedInput): Promise<{ request: AssistedRequest; notification: AssistedNotification }> {
    const centre = actor.centreCode;
    if (centre === undefined || actor.keyId === null || actor.ministryCode === null) throw new ForbiddenError("only a service centre's key can file assisted requests");
    const { db, now } = this.deps;
    const address = phoneAddress(input.phone);
    if (!address) throw new InvalidError('phone is not a valid phone number');
    if (!isAllowedCountry(address, this.deps.allowedCountryCodes)) throw new InvalidError('phone is outside the countries this deployment serves');
    const [service] = await db.query<{ code: string; name: LocalizedText; form: FormField[] | null; ministry_code: string }>(
      'SELECT code, name, form, ministry_code FROM services WHERE code = $1',
      [input.service],
    );
    if (!service) throw new InvalidError(`unknown service "${input.service}"`);
    if (!service.form || service.form.length === 0) throw new InvalidError(`service "${input.service}" takes no requests; the citizen must visit its office`);
    // A centre key files for its own ministry's services only, so every filing it makes is one its ministry may see.
    if (service.ministry_code !== actor.ministryCode) {
      throw new ForbiddenError(`service "${input.service}" is not one of ministry "${actor.ministryCode}"'s: this centre key files that ministry's services only`);
    }
    const answers = checkAnswers(service.form, input.answers, now());
    const person = input.person ? checkPerson(input.person) : null;
    const operator = input.operator?.replace(/\s+/g, ' ').trim() || null;

    const result = await db.transaction(async (tx) => {
      const citizen = await this.citizenAt(tx, address, input.locale);
      const [{ waiting }] = await tx.query<{ waiting: string }>(
        `SELECT count(*) AS waiting FROM assisted_requests WHERE citizen_id = $1 AND status = 'pending' AND expires_at > $2`,
        [citizen.id, now()],
      );
      if (Number(waiting) >= this.deps.pendingPerPhone) {
        throw new ConflictError(`this phone already has ${waiting} requests waiting for confirmation; ask the citizen to answer those first`);
      }
      const expiresAt = new Date(now().getTime() + this.deps.expiryHours * 3_600_000);
      const { id, code } = await this.insertPending(tx, {
        centre,
        keyId: actor.keyId as number,
        ministry: actor.ministryCode as string,
        operator,
        citizenId: citizen.id,
        address,
        service: service.code,
        answers,
        person,
        locale: citizen.locale,
        expiresAt,
      });
      const [{ name: centreName }] = await tx.query<{ name: string }>('SELECT name FROM centres WHERE code = $1', [centre]);
      const notification = await this.notify(tx, { id, address, citizenId: citizen.id, locale: citizen.locale, code, centreCode: centre, centreName, serviceName: service.name, person });
      await recordChange(tx, actor, {
        ministryCode: actor.ministryCode,
        action: 'assisted.file',
        target: `assisted:${id}`,
        details: { centre, operator, service: service.code, forSomeoneElse: person !== null, notified: notification.queued },
      });
      return { id, notification };
    });
    if (result.notification.queued) this.deps.queued?.();
    const [request] = await this.select(db, 'a.id = $2', [result.id]);
    return { request, notification: result.notification };
  }

  /** The citizen at `address`, made on first sight; their language set from the operator's when they have none. */
  private async citizenAt(tx: Queryable, address: string, locale: string | undefined): Promise<{ id: number; locale: string }> {
    const [found] = await tx.query<{ id: string }>('SELECT citizen_id AS id FROM citizen_addresses WHERE address = $1', [address]);
    let id = found ? Number(found.id) : undefined;
    if (id === undefined) {
      // Seen at the epoch: a phone the citizen has not written from ranks last for notifications.
      const [created] = await tx.query<{ id: string }>(
        `WITH citizen AS (INSERT INTO citizens DEFAULT VALUES RETURNING id)
         INSERT INTO citizen_addresses (address, citizen_id, channel, last_seen_at) SELECT $1, id, 'sms', to_timestamp(0) FROM citizen
         ON CONFLICT (address) DO UPDATE SET address = EXCLUDED.address RETURNING citizen_id AS id`,
        [address],
      );
      id = Number(created.id);
    }
    const [row] = await tx.query<{ locale: string | null }>('UPDATE citizens SET locale = COALESCE(locale, $2) WHERE id = $1 RETURNING locale', [id, locale ?? null]);
    return { id, locale: row.locale ?? this.deps.defaultLocale };
  }

  /** Inserts the pending request with a six-digit code no other pending request of the citizen has. */
  private async insertPending(
    tx: Queryable,
    row: {
      centre: string;
      keyId: number;
      ministry: string;
      operator: string | null;
      citizenId: number;
      address: string;
      service: string;
      answers: Record<string, string>;
      person: PersonInput | null;
      locale: string;
      expiresAt: Date;
    },
  ): Promise<{ id: number; code: string }> {
    for (let draw = 0; draw < 10; draw++) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const [inserted] = await tx.query<{ id: string }>(
        `INSERT INTO assisted_requests (centre_code, key_id, ministry_code, operator, citizen_id, address, service_code, answers, person, locale, confirm_code, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (citizen_id, confirm_code) WHERE status = 'pending' DO NOTHING
         RETURNING id`,
        [
          row.centre,
          row.keyId,
          row.ministry,
          row.operator,
          row.citizenId,
          row.address,
          row.service,
          JSON.stringify(row.answers),
          row.person ? JSON.stringify(row.person) : null,
          row.locale,
          code,
          row.expiresAt,
          this.deps.now(),
        ],
      );
      if (inserted) return { id: Number(inserted.id), code };
    }
    throw new Error('no free confirmation code after 10 draws');
  }

  /** Texts the citizen the code, in their language, when SMS is on and the budget allows. */
  private async notify(
    tx: Queryable,
    message: { id: number; address: string; citizenId: number; locale: string; code: string; centreCode: string; centreName: string; serviceName: LocalizedText; person: PersonInput | null },
  ): Promise<AssistedNotification> {
    if (!this.deps.sendingChannels().includes('sms')) return { queued: false, reason: 'SMS is not on in this deployment: the citizen can confirm only on Telegram, if their phone is linked there' };
    // A leaked centre key must not become a way to text any number: each centre has its hour.
    const budget = await this.deps.unsolicitedSms.take({ address: message.address, cause: { kind: 'centre-filing', source: `centre:${message.centreCode}` }, within: tx });
    if (!budget.allowed) return { queued: false, reason: `no SMS was sent: the limit of SMS to phones that have not texted us (${LIMIT_REACHED[budget.reason]}) is reached` };
    const params = {
      centre: message.centreName,
      service: pick(message.serviceName, message.locale),
      code: message.code,
      hours: this.deps.expiryHours,
      ...(message.person ? { person: message.person.name } : {}),
    };
    const body = translate(this.deps.i18n, message.locale, { key: message.person ? 'notifications:assisted.filed_for' : 'notifications:assisted.filed', params });
    const outboxId = await this.deps.outbox.enqueue(
      { address: message.address, channel: 'sms', body, kind: 'notice', citizenId: message.citizenId, locale: message.locale },
      tx,
    );
    await tx.query('UPDATE assisted_requests SET outbox_id = $2 WHERE id = $1', [message.id, outboxId]);
    return { queued: true, channel: 'sms', outboxId };
  }

  /**
   * Assisted requests newest first: a centre's key sees those its ministry's keys filed at its
   * centre (never another ministry's filings at the same centre), a ministry's key its own
   * centre keys' filings, a super-admin all (or one ministry's or centre's).
   */
  async list(actor: Actor, filter: AssistedFilter): Promise<{ items: AssistedRequest[]; nextCursor: string | null }> {
    const scope = this.scopeOf(actor, filter);
    const rows = await this.select(
      this.deps.db,
      `($2::text IS NULL OR a.centre_code = $2) AND ($3::text IS NULL OR a.ministry_code = $3)
       AND ($4::text IS NULL OR ${STATUS_SQL} = $4) AND ($5::bigint IS NULL OR a.id < $5)
       ORDER BY a.id DESC LIMIT $6`,
      [scope.centre ?? null, scope.ministry ?? null, filter.status ?? null, filter.before ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1].id) : null };
  }

  /** The centre and ministry a list is narrowed to; asking beyond one's own is refused. */
  private scopeOf(actor: Actor, filter: AssistedFilter): { centre?: string; ministry?: string } {
    if (actor.centreCode !== undefined) {
      if (filter.centre !== undefined && filter.centre !== actor.centreCode) throw new ForbiddenError(`this key belongs to centre "${actor.centreCode}"`);
      if (filter.ministry !== undefined && filter.ministry !== actor.ministryCode) throw new ForbiddenError(`this key belongs to ministry "${actor.ministryCode}"`);
      return { centre: actor.centreCode, ministry: actor.ministryCode ?? undefined };
    }
    if (isSuperAdmin(actor)) return { centre: filter.centre, ministry: filter.ministry };
    if (filter.ministry !== undefined && filter.ministry !== actor.ministryCode) {
      throw new ForbiddenError(`this key belongs to ministry "${actor.ministryCode}" and cannot reach records of ministry "${filter.ministry}"`);
    }
    return { centre: filter.centre, ministry: actor.ministryCode ?? undefined };
  }

  private async select(db: Queryable, where: string, params: unknown[]): Promise<AssistedRequest[]> {
    const rows = await db.query(
      `SELECT a.id, a.centre_code, ce.name AS centre_name, a.ministry_code, a.key_id, a.operator, a.address, a.service_code, s.name AS service_name,
              a.person, ${STATUS_SQL} AS status, a.created_at, a.expires_at, a.decided_at, r.reference
         FROM assisted_requests a
         JOIN centres ce ON ce.code = a.centre_code
         JOIN services s ON s.code = a.service_code
         LEFT JOIN requests r ON r.id = a.request_id
        WHERE ${where}`,
      [this.deps.now(), ...params],
    );
    return rows.map(toAssisted);
  }

  /** The services a centre key of `ministryCode` can file for (its ministry's with a form), with their forms, by name. */
  async services(ministryCode: string | null): Promise<{ code: string; name: LocalizedText; ministry: string; form: FormField[] }[]> {
    const rows = await this.deps.db.query<{ code: string; name: LocalizedText; ministry_code: string; form: FormField[] }>(
      `SELECT code, name, ministry_code, form FROM services
        WHERE form IS NOT NULL AND jsonb_array_length(form) > 0 AND ministry_code = $1
        ORDER BY name->>'en', code`,
      [ministryCode],
    );
    return rows.map((row) => ({ code: row.code, name: row.name, ministry: row.ministry_code, form: row.form }));
  }

  /** The oldest request waiting for this citizen's answer (or the one with `id`), if any. */
  async pendingFor(citizenId: number, id?: number): Promise<PendingAssisted | undefined> {
    const [row] = await this.deps.db.query(
      `SELECT a.id, s.name AS service_name, ce.name AS centre_name, a.person
         FROM assisted_requests a JOIN services s ON s.code = a.service_code JOIN centres ce ON ce.code = a.centre_code
        WHERE a.citizen_id = $1 AND a.status = 'pending' AND a.expires_at > $2 AND ($3::bigint IS NULL OR a.id = $3)
        ORDER BY a.created_at, a.id LIMIT 1`,
      [citizenId, this.deps.now(), id ?? null],
    );
    if (!row) return undefined;
    return {
      id: Number(row.id),
      serviceName: row.service_name as LocalizedText,
      centreName: row.centre_name as string,
      personName: (row.person as PersonInput | null)?.name ?? null,
    };
  }

  /** True when `text` is the code of a request waiting at `address` (an SMS reply that confirms it). */
  async isPendingCode(address: string, text: string): Promise<boolean> {
    if (!/^\d{6}$/.test(text)) return false;
    const [row] = await this.deps.db.query(
      `SELECT 1 FROM assisted_requests a JOIN citizen_addresses ca ON ca.citizen_id = a.citizen_id
        WHERE ca.address = $1 AND a.confirm_code = $2 AND a.status = 'pending' AND a.expires_at > $3`,
      [address, text, this.deps.now()],
    );
    return row !== undefined;
  }

  /**
   * The citizen confirms (by the request's id on the screen, or by the code they replied
   * with): the request is filed, for the named person's profile when there is one, in the
   * same transaction as the confirmation. Undefined when nothing of theirs is waiting.
   */
  async confirm(citizenId: number, by: { id: number } | { code: string }): Promise<Confirmed | undefined> {
    const { db, now } = this.deps;
    return db.transaction(async (tx) => {
      const [row] = await tx.query(
        `SELECT a.id, a.centre_code, a.ministry_code, a.service_code, a.answers, a.person, s.name AS service_name
           FROM assisted_requests a JOIN services s ON s.code = a.service_code
          WHERE a.citizen_id = $1 AND a.status = 'pending' AND a.expires_at > $2
            AND ($3::bigint IS NULL OR a.id = $3) AND ($4::text IS NULL OR a.confirm_code = $4)
          ORDER BY a.created_at LIMIT 1
          FOR UPDATE OF a`,
        [citizenId, now(), 'id' in by ? by.id : null, 'code' in by ? by.code : null],
      );
      if (!row) return undefined;
      const person = row.person as PersonInput | null;
      const profile = person ? await this.deps.profiles.findOrAdd(tx, citizenId, person) : undefined;
      const filed = await this.deps.requests.insert(tx, {
        citizenId,
        serviceCode: row.service_code as string,
        answers: row.answers as Record<string, string>,
        channel: 'centre',
        profileId: profile?.id,
        actor: `centre:${row.centre_code as string}`,
      });
      await tx.query(`UPDATE assisted_requests SET status = 'confirmed', decided_at = $2, request_id = $3, answers = '{}' WHERE id = $1`, [row.id, now(), filed.id]);
      await recordChange(tx, CITIZEN, {
        ministryCode: row.ministry_code as string,
        action: 'assisted.confirm',
        target: `assisted:${row.id as string}`,
        details: { centre: row.centre_code, service: row.service_code, reference: filed.reference },
      });
      return { reference: filed.reference, serviceName: row.service_name as LocalizedText, personName: profile?.name ?? null };
    });
  }

  /** The citizen refuses: nothing is filed and the answers are dropped. False when nothing of theirs was waiting. */
  async decline(citizenId: number, id: number): Promise<boolean> {
    const { db, now } = this.deps;
    return db.transaction(async (tx) => {
      const [row] = await tx.query(
        `UPDATE assisted_requests SET status = 'declined', decided_at = $3, answers = '{}'
          WHERE id = $1 AND citizen_id = $2 AND status = 'pending' AND expires_at > $3
          RETURNING id, centre_code, ministry_code, service_code`,
        [id, citizenId, now()],
      );
      if (!row) return false;
      await recordChange(tx, CITIZEN, {
        ministryCode: row.ministry_code as string,
        action: 'assisted.decline',
        target: `assisted:${id}`,
        details: { centre: row.centre_code, service: row.service_code },
      });
      return true;
    });
  }

  /** Marks every pending request past its expiry as expired (dropping its answers); returns how many. */
  async expireDue(): Promise<number> {
    const { db, now } = this.deps;
    return db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE assisted_requests SET status = 'expired', decided_at = expires_at, answers = '{}'
          WHERE status = 'pending' AND expires_at <= $1
          RETURNING id, centre_code, ministry_code, service_code`,
        [now()],
      );
      for (const row of rows) {
        await recordChange(tx, SYSTEM, {
          ministryCode: row.ministry_code as string,
          action: 'assisted.expire',
          target: `assisted:${row.id as string}`,
          details: { centre: row.centre_code, service: row.service_code },
        });
      }
      return rows.length;
    });
  }

  /** Run by the dispatchers' housekeeping: the expiry sweep, at most once a minute. */
  async housekeeping(): Promise<void> {
    const at = this.deps.now().getTime();
    if (at - this.lastSweep < EXPIRY_SWEEP_MS) return;
    this.lastSweep = at;
    await this.expireDue();
  }
}

/** A person as an operator gives them: a name and one of RELATIONSHIPS. */
function checkPerson(person: PersonInput): PersonInput {
  const name = cleanName(person.name);
  if (!name) throw new InvalidError('person.name must be 2-40 characters with letters');
  if (!isRelationship(person.relationship)) throw new InvalidError(`person.relationship must be one of ${RELATIONSHIPS.join(', ')}`);
  return { name, relationship: person.relationship };
}
