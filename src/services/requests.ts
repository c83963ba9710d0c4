import type { Database } from '../store/sql';
import type { LocalizedText } from './catalog-schema';
import { newReference } from './reference';

/** One of a citizen's requests, as listed to them. */
export interface RequestSummary {
  reference: string;
  serviceName: LocalizedText;
  status: string;
  updatedAt: Date;
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
}

const UNIQUE_VIOLATION = '23505';

/** Citizens' requests: submission, listing and lookup by reference. */
export class RequestService {
  constructor(
    private readonly db: Database,
    private readonly makeReference: () => string = newReference,
  ) {}

  /**
   * Records a new request and its first status in one transaction, and returns its reference
   * only once committed, so a citizen is never given a reference that does not exist.
   */
  async submit(request: NewRequest): Promise<{ reference: string; status: string }> {
    for (let attempt = 0; ; attempt++) {
      const reference = this.makeReference();
      try {
        return await this.db.transaction(async (tx) => {
          const [row] = await tx.query<{ id: string; status: string }>(
            `INSERT INTO requests (reference, citizen_id, service_code, answers, status, channel)
             SELECT $1, $2, code, $4, workflow->>0, $5 FROM services WHERE code = $3
             RETURNING id, status`,
            [reference, request.citizenId, request.serviceCode, JSON.stringify(request.answers), request.channel],
          );
          if (!row) throw new Error(`unknown service ${request.serviceCode}`);
          await tx.query(`INSERT INTO request_events (request_id, status, actor) VALUES ($1, $2, 'citizen')`, [row.id, row.status]);
          return { reference, status: row.status };
        });
      } catch (error) {
        // Ten random digits rarely collide; when they do, draw again.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt < 5) continue;
        throw error;
      }
    }
  }

  /** The citizen's most recent requests, newest first. */
  async listFor(citizenId: number, limit = 20): Promise<RequestSummary[]> {
    const rows = await this.db.query(
      `SELECT r.reference, s.name AS service_name, r.status, r.updated_at
         FROM requests r JOIN services s ON s.code = r.service_code
        WHERE r.citizen_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      [citizenId, limit],
    );
    return rows.map((row) => ({
      reference: row.reference as string,
      serviceName: row.service_name as LocalizedText,
      status: row.status as string,
      updatedAt: new Date(row.updated_at as string),
    }));
  }

  async findByReference(reference: string): Promise<RequestRecord | undefined> {
    const [row] = await this.db.query(
      `SELECT r.reference, r.citizen_id, r.service_code, s.name AS service_name, r.status, r.answers, r.updated_at
         FROM requests r JOIN services s ON s.code = r.service_code WHERE r.reference = $1`,
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
    };
  }
}
