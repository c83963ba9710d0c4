import type { Database } from '../store/sql';
import { assertMinistry, assertSuperAdmin, ConflictError, NotFoundError, type Actor } from './access';
import { recordChange } from './audit';
import type { LocalizedText } from './catalog-schema';

/** A ministry: owns services, requests, broadcasts and API keys. */
export interface Ministry {
  code: string;
  name: LocalizedText;
  /** True while it comes from the sample catalog. */
  sample: boolean;
}

const UNIQUE_VIOLATION = '23505';

function toMinistry(row: Record<string, unknown>): Ministry {
  return { code: row.code as string, name: row.name as LocalizedText, sample: Boolean(row.sample) };
}

/** Ministries as the admin API manages them: a super-admin adds them; a ministry may rename itself. */
export class MinistryService {
  constructor(private readonly db: Database) {}

  /** Every ministry for a super-admin; a ministry key sees its own. */
  async list(actor: Actor): Promise<Ministry[]> {
    const rows = await this.db.query('SELECT code, name, sample FROM ministries WHERE ($1::text IS NULL OR code = $1) ORDER BY code', [actor.ministryCode]);
    return rows.map(toMinistry);
  }

  async get(actor: Actor, code: string): Promise<Ministry> {
    const [row] = await this.db.query('SELECT code, name, sample FROM ministries WHERE code = $1', [code]);
    if (!row) throw new NotFoundError(`no ministry "${code}"`);
    assertMinistry(actor, code);
    return toMinistry(row);
  }

  async create(actor: Actor, input: { code: string; name: LocalizedText }): Promise<Ministry> {
    assertSuperAdmin(actor, 'add ministries');
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx.query('INSERT INTO ministries (code, name) VALUES ($1, $2) RETURNING code, name, sample', [input.code, JSON.stringify(input.name)]);
        await recordChange(tx, actor, { ministryCode: input.code, action: 'ministry.create', target: `ministry:${input.code}`, details: { name: input.name } });
        return toMinistry(row);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`ministry "${input.code}" already exists`);
      throw error;
    }
  }

  async rename(actor: Actor, code: string, name: LocalizedText): Promise<Ministry> {
    await this.get(actor, code);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query('UPDATE ministries SET name = $2 WHERE code = $1 RETURNING code, name, sample', [code, JSON.stringify(name)]);
      await recordChange(tx, actor, { ministryCode: code, action: 'ministry.rename', target: `ministry:${code}`, details: { name } });
      return toMinistry(row);
    });
  }
}
