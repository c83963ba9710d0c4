import type { Database, Queryable } from '../store/sql';
import type { LocalizedText } from './catalog-schema';
import { startClock } from './charter-clock';
import { newReference } from './reference';

/** One of a citizen's requests, as listed to them. */
export interface RequestSummary {
  reference: string;
  serviceName: LocalizedText;
  status: string;
  updatedAt: Date;
  /** Who on the phone it is for: a profile's name, or null for the phone's own holder. */
  personName: string | null;
}

/** A request found by reference; `citizenId` lets the caller decide what may be shown. */
export interface RequestRecord extends RequestSummary {
  citizenId: number;
  serviceCode: string;
  answers: Record<string, string>;
}

export interface NewRequest {
  citizenId: number;
  serviceCode: string;
  answers: Record<string, string>;
  channel: string;
  /** The profile (a person sharing the phone) it is for; absent for the phone's own holder. */
  profileId?: number;
  /** Who made the first status, as the history shows it: `citizen`, or `centre:<code>` for an assisted request. */
  actor?: string;
}

/** Whose requests to list: everyone's on the phone (undefined), the holder's own (null), or one profile's. */
export type PersonFilter = number | null | undefined;

/** A request just filed, as the filing's transaction hands it on (the Charter receipt). */
export interface FiledRequest {
  id: number;
  reference: string;
  citizenId: number;
  serviceCode: string;
  channel: string;
  receivedAt: Date;
  dueAt: Date;
}

export interface RequestServiceOptions {
  /** TIME_ZONE: the working calendar the Charter clock counts in. */
  timeZone: string;
  /** The clock the filing is received by; the database's when absent (as in production: one clock for every instance). */
  now?: () => Date;
  /** Runs inside every filing's transaction, once the clock is started (queues the receipt). */
  filed?: (tx: Queryable, request: FiledRequest) => Promise<void>;
}

/** Draws of a fresh reference before giving up (ten random digits rarely collide at all). */
const REFERENCE_DRAWS = 6;

/** Citizens' requests: submission, listing and lookup by reference. */
export class RequestService {
  constructor(
    private readonly db: Database,
    private readonly makeReference: () => string = newReference,
    private readonly options: RequestServiceOptions = { timeZone: 'Asia/Manila' },
  ) {}

  /**
   * Records a new request and its first status in one transaction, and returns its reference
   * only once committed, so a citizen is never given a reference that does not exist.
   */
  async submit(request: NewRequest): Promise<{ reference: string; status: string }> {
    return this.db.transaction((tx) => this.insert(tx, request));
  }

  /**
   * Writes a request and its first status inside the caller's transaction (a confirmed
   * assisted request commits with its confirmation). A reference already taken is drawn again
   * (ON CONFLICT, so the transaction is never aborted by the collision). A profile must be one
   * of the citizen's own.
   */
  async insert(tx: Queryable, request: NewRequest): Promise<{ id: number; reference: string; status: string }> {
    const [service] = await tx.query<{ first: string }>('SELECT workflow->>0 AS first FROM services WHERE code = $1', [request.serviceCode]);
    if (!service) throw new Error(`unknown service ${request.serviceCode}`);
    if (request.profileId !== undefined) {
      const [own] = await tx.query('SELECT 1 FROM profiles WHERE id = $1 AND citizen_id = $2', [request.profileId, request.citizenId]);
      if (!own) throw new Error(`profile ${request.profileId} is not one of citizen ${request.citizenId}'s`);
    }
    const answers = await withMunicipality(tx, request.citizenId, request.answers);
    for (let draw = 0; draw < REFERENCE_DRAWS; draw++) {
      const reference = this.makeReference();
      const [row] = await tx.query<{ id: string; status: string }>(
        `INSERT INTO requests (reference, citizen_id, service_code, answers, status, channel, profile_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()), COALESCE($8::timestamptz, now()))
         ON CONFLICT (reference) DO NOTHING
         RETURNING id, status`,
        [reference, request.citizenId, request.serviceCode, JSON.stringify(answers), service.first, request.channel, request.profileId ?? null, this.options.now?.() ?? null],
      );
      if (!row) continue;
      await tx.query('INSERT INTO request_events (request_id, status, actor) VALUES ($1, $2, $3)', [row.id, row.status, request.actor ?? 'citizen']);
      const id = Number(row.id);
      // The Charter clock starts at filing, whatever the channel (RA 11032), and the receipt says when it runs out.
      const clock = await startClock(tx, id, this.options.timeZone);
      await this.options.filed?.(tx, { id, reference, citizenId: request.citizenId, serviceCode: request.serviceCode, channel: request.channel, ...clock });
      return { id, reference, status: row.status };
    }
    throw new Error(`no free reference after ${REFERENCE_DRAWS} draws`);
  }

  /** The citizen's most recent requests, newest first; `person` narrows them to one person on the phone. */
  async listFor(citizenId: number, limit = 20, person?: PersonFilter): Promise<RequestSummary[]> {
    const rows = await this.db.query(
      `SELECT r.reference, s.name AS service_name, r.status, r.updated_at, p.name AS person_name
         FROM requests r JOIN services s ON s.code = r.service_code LEFT JOIN profiles p ON p.id = r.profile_id
        WHERE r.citizen_id = $1
          AND ($3::text = 'all' OR ($3 = 'self' AND r.profile_id IS NULL) OR r.profile_id = $4::bigint)
        ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      [citizenId, limit, person === undefined ? 'all' : person === null ? 'self' : 'profile', person ?? null],
    );
    return rows.map((row) => ({
      reference: row.reference as string,
      serviceName: row.service_name as LocalizedText,
      status: row.status as string,
      updatedAt: new Date(row.updated_at as string),
      personName: (row.person_name as string | null) ?? null,
    }));
  }

  async findByReference(reference: string): Promise<RequestRecord | undefined> {
    const [row] = await this.db.query(
      `SELECT r.reference, r.citizen_id, r.service_code, s.name AS service_name, r.status, r.answers, r.updated_at, p.name AS person_name
         FROM requests r JOIN services s ON s.code = r.service_code LEFT JOIN profiles p ON p.id = r.profile_id WHERE r.reference = $1`,
      [reference],
    );
    if (!row) return undefined;
    return {
      reference: row.reference as string,
      citizenId: Number(row.citizen_id),
      serviceCode: row.service_code as string,
      serviceName: row.service_name as LocalizedText,
      status: row.status as string,
      answers: row.answers as Record<string, string>,
      updatedAt: new Date(row.updated_at as string),
      personName: (row.person_name as string | null) ?? null,
    };
  }
}

/**
 * The answers with the citizen's municipality when the form did not ask for one: the place they
 * last chose to follow announcements for (the subscribe dialog), which is where they live or
 * care about. The request's municipality (migrations/003) is read from `answers.municipality`,
 * and erasure keeps it (src/services/data-rights.ts), as a place names nobody.
 */
async function withMunicipality(tx: Queryable, citizenId: number, answers: Record<string, string>): Promise<Record<string, string>> {
  if (answers.municipality !== undefined) return answers;
  const [row] = await tx.query<{ code: string }>(
    'SELECT municipality_code AS code FROM subscriptions WHERE citizen_id = $1 ORDER BY created_at DESC, municipality_code LIMIT 1',
    [citizenId],
  );
  return row ? { ...answers, municipality: row.code } : answers;
}
