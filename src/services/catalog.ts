import type { Queryable } from '../store/sql';
import type { FormField, LocalizedText } from './catalog-schema';

/** A thing with a code and a localised name: a category, a service in a list, a topic. */
export interface Named {
  code: string;
  name: LocalizedText;
}

/** A place: a province or a municipality; place names are proper nouns, not translated. */
export interface Place {
  code: string;
  name: string;
}

export interface Centre {
  code: string;
  name: string;
  address: string;
  hours: string;
  phone: string | null;
}

/** Everything a citizen is told about a service before they go or apply. */
export interface ServiceDetail {
  code: string;
  name: LocalizedText;
  ministryCode: string;
  ministryName: LocalizedText;
  requirements: LocalizedText[];
  feePhp: number;
  processingTime: LocalizedText;
  office: LocalizedText;
  form: FormField[] | null;
  workflow: string[];
}

/**
 * The catalog as citizens browse it. Read-only: ministries change it through the import
 * command or the admin API.
 */
export class CatalogService {
  constructor(private readonly db: Queryable) {}

  categories(): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM categories ORDER BY position, code');
  }

  servicesIn(categoryCode: string): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>(
      'SELECT code, name FROM services WHERE category_code = $1 ORDER BY position, code',
      [categoryCode],
    );
  }

  async service(code: string): Promise<ServiceDetail | undefined> {
    const rows = await this.db.query(
      `SELECT s.code, s.name, s.ministry_code, m.name AS ministry_name, s.requirements, s.fee_php, s.processing_time,
              s.office, s.form, s.workflow
         FROM services s JOIN ministries m ON m.code = s.ministry_code WHERE s.code = $1`,
      [code],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      code: row.code as string,
      name: row.name as LocalizedText,
      ministryCode: row.ministry_code as string,
      ministryName: row.ministry_name as LocalizedText,
      requirements: row.requirements as LocalizedText[],
      feePhp: Number(row.fee_php),
      processingTime: row.processing_time as LocalizedText,
      office: row.office as LocalizedText,
      form: (row.form as FormField[] | null) ?? null,
      workflow: row.workflow as string[],
    };
  }

  provinces(): Promise<Place[]> {
    return this.db.query<Place & Record<string, unknown>>('SELECT code, name FROM provinces ORDER BY position, name');
  }

  municipalitiesIn(provinceCode: string): Promise<Place[]> {
    return this.db.query<Place & Record<string, unknown>>(
      'SELECT code, name FROM municipalities WHERE province_code = $1 ORDER BY name',
      [provinceCode],
    );
  }

  async municipality(code: string): Promise<Place | undefined> {
    return (await this.db.query<Place & Record<string, unknown>>('SELECT code, name FROM municipalities WHERE code = $1', [code]))[0];
  }

  centresIn(municipalityCode: string): Promise<Centre[]> {
    return this.db.query<Centre & Record<string, unknown>>(
      'SELECT code, name, address, hours, phone FROM centres WHERE municipality_code = $1 ORDER BY name',
      [municipalityCode],
    );
  }

  topics(): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM topics ORDER BY position, code');
  }

  async topic(code: string): Promise<Named | undefined> {
    return (await this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM topics WHERE code = $1', [code]))[0];
  }
}
