import type { Database, Queryable } from '../store/sql';
import { assertMinistry, assertSuperAdmin, ConflictError, InvalidError, ministryScope, NotFoundError, type Actor } from './access';
import { assertMinistryExists } from './api-keys';
import { recordChange } from './audit';
import { charterColumns, localized, storedField } from './catalog-import';
import type { Charter, CharterInput, FormField, LocalizedText, LocalizedTextInput } from './catalog-schema';

/** A category of services, shared by every ministry. */
export interface Category {
  code: string;
  name: LocalizedText;
  position: number;
}

/** A service as a ministry writes it: what citizens are told, the request form and the status workflow. */
export interface ServiceInput {
  ministry: string;
  category: string;
  name: LocalizedTextInput;
  requirements: LocalizedTextInput[];
  feePhp: number;
  processingTime: LocalizedTextInput;
  office: LocalizedTextInput;
  /** The request form; absent when the service takes no requests by phone. */
  form?: FormField[];
  /** Ordered statuses; absent for the standard workflow. */
  workflow?: string[];
  /** The Citizen's Charter; absent: a simple service (3 working days) with no Charter text. */
  charter?: CharterInput;
}

/** A service as stored. */
export interface ServiceRecord {
  code: string;
  ministry: string;
  category: string;
  name: LocalizedText;
  requirements: LocalizedText[];
  feePhp: number;
  processingTime: LocalizedText;
  office: LocalizedText;
  form: FormField[] | null;
  workflow: string[];
  charter: Charter | null;
  position: number;
}

/** The workflow of a service that does not define its own (as in migration 001's column default). */
export const STANDARD_WORKFLOW = ['received', 'in_review', 'needs_info', 'approved', 'rejected', 'ready_for_pickup', 'closed'];

const SERVICE_COLUMNS = 'code, ministry_code, category_code, name, requirements, fee_php, processing_time, office, form, workflow, charter, position';

function toService(row: Record<string, unknown>): ServiceRecord {
  return {
    code: row.code as string,
    ministry: row.ministry_code as string,
    category: row.category_code as string,
    name: row.name as LocalizedText,
    requirements: row.requirements as LocalizedText[],
    feePhp: Number(row.fee_php),
    processingTime: row.processing_time as LocalizedText,
    office: row.office as LocalizedText,
    form: (row.form as FormField[] | null) ?? null,
    workflow: row.workflow as string[],
    charter: (row.charter as Charter | null) ?? null,
    position: Number(row.position),
  };
}

/**
 * Changing the catalog through the admin API, one record at a time (the import command
 * replaces it whole). Categories are shared, so only a super-admin changes them; a ministry
 * changes its own services.
 */
export class CatalogAdmin {
  constructor(
    private readonly db: Database,
    /** Called after a committed change, so cached catalog reads are refreshed. */
    private readonly changed: () => void = () => undefined,
  ) {}

  async categories(): Promise<Category[]> {
    const rows = await this.db.query('SELECT code, name, position FROM categories ORDER BY position, code');
    return rows.map((row) => ({ code: row.code as string, name: row.name as LocalizedText, position: Number(row.position) }));
  }

  /** Creates or renames a category. */
  async putCategory(actor: Actor, code: string, input: { name: LocalizedTextInput; position?: number }): Promise<Category> {
    assertSuperAdmin(actor, 'change categories, which every ministry shares');
    const name = localized(input.name);
    const category = await this.db.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO categories (code, name, position)
         VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(max(position) + 1, 0) FROM categories)))
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, position = COALESCE($3, categories.position)
         RETURNING code, name, position`,
        [code, JSON.stringify(name), input.position ?? null],
      );
      await recordChange(tx, actor, { ministryCode: null, action: 'category.put', target: `category:${code}`, details: { name, position: Number(row.position) } });
      return { code: row.code as string, name: row.name as LocalizedText, position: Number(row.position) };
    });
    this.changed();
    return category;
  }

  /** A ministry's services (a super-admin: all, or one ministry's), optionally of one category. */
  async services(actor: Actor, filter: { ministry?: string; category?: string } = {}): Promise<ServiceRecord[]> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.db.query(
      `SELECT ${SERVICE_COLUMNS} FROM services WHERE ($1::text IS NULL OR ministry_code = $1) AND ($2::text IS NULL OR category_code = $2)
        ORDER BY category_code, position, code`,
      [ministry ?? null, filter.category ?? null],
    );
    return rows.map(toService);
  }

  async service(actor: Actor, code: string, tx: Queryable = this.db): Promise<ServiceRecord> {
    const [row] = await tx.query(`SELECT ${SERVICE_COLUMNS} FROM services WHERE code = $1`, [code]);
    if (!row) throw new NotFoundError(`no service "${code}"`);
    const service = toService(row);
    assertMinistry(actor, service.ministry);
    return service;
  }

  /**
   * Creates or replaces a service. A ministry cannot take over another ministry's service,
   * and a workflow change may not drop a status that requests are still in.
   */
  async putService(actor: Actor, code: string, input: ServiceInput): Promise<{ service: ServiceRecord; created: boolean }> {
    assertMinistry(actor, input.ministry);
    const result = await this.db.transaction(async (tx) => {
      const [existing] = await tx.query<{ ministry_code: string }>('SELECT ministry_code FROM services WHERE code = $1 FOR UPDATE', [code]);
      if (existing) assertMinistry(actor, existing.ministry_code);
      await assertMinistryExists(tx, input.ministry);
      const [category] = await tx.query('SELECT 1 FROM categories WHERE code = $1', [input.category]);
      if (!category) throw new InvalidError(`unknown category "${input.category}"`);
      const workflow = input.workflow ?? STANDARD_WORKFLOW;
      // A new processing time holds for requests filed from now on; running clocks keep theirs.
      const charter = charterColumns(input.charter);
      if (existing) await assertNoStrandedRequests(tx, code, workflow);
      const [row] = await tx.query(
        `INSERT INTO services (code, category_code, ministry_code, name, requirements, fee_php, processing_time, office, form, workflow, classification, working_days, charter, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                 (SELECT COALESCE(max(position) + 1, 0) FROM services WHERE category_code = $2))
         ON CONFLICT (code) DO UPDATE SET category_code = EXCLUDED.category_code, ministry_code = EXCLUDED.ministry_code, name = EXCLUDED.name,
           requirements = EXCLUDED.requirements, fee_php = EXCLUDED.fee_php, processing_time = EXCLUDED.processing_time,
           office = EXCLUDED.office, form = EXCLUDED.form, workflow = EXCLUDED.workflow,
           classification = EXCLUDED.classification, working_days = EXCLUDED.working_days, charter = EXCLUDED.charter
         RETURNING ${SERVICE_COLUMNS}`,
        [
          code,
          input.category,
          input.ministry,
          JSON.stringify(localized(input.name)),
          JSON.stringify(input.requirements.map(localized)),
          input.feePhp,
          JSON.stringify(localized(input.processingTime)),
          JSON.stringify(localized(input.office)),
          input.form ? JSON.stringify(input.form.map(storedField)) : null,
          JSON.stringify(workflow),
          charter.classification,
          charter.working_days,
          charter.charter === null ? null : JSON.stringify(charter.charter),
        ],
      );
      const service = toService(row);
      await recordChange(tx, actor, {
        ministryCode: service.ministry,
        action: existing ? 'service.update' : 'service.create',
        target: `service:${code}`,
        details: { ministry: service.ministry, category: service.category, workflow: service.workflow, formFields: service.form?.length ?? 0, classification: charter.classification, workingDays: charter.working_days },
      });
      return { service, created: !existing };
    });
    this.changed();
    return result;
  }
}

/** Refuses a workflow that no longer has a status some of the service's requests are in. */
async function assertNoStrandedRequests(tx: Queryable, serviceCode: string, workflow: string[]): Promise<void> {
  const rows = await tx.query<{ status: string; count: string }>(
    `SELECT status, count(*) AS count FROM requests WHERE service_code = $1 AND NOT (status = ANY($2::text[])) GROUP BY status ORDER BY status`,
    [serviceCode, workflow],
  );
  if (rows.length > 0) {
    const stranded = rows.map((row) => `${row.count} in "${row.status}"`).join(', ');
    throw new ConflictError(`the new workflow drops statuses that requests are still in (${stranded}); move them first`);
  }
}
