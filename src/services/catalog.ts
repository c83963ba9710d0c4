import type { Queryable } from '../store/sql';
import type { Charter, FormField, LocalizedText } from './catalog-schema';

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
  /** The Citizen's Charter, when the ministry wrote one. */
  charter: Charter | null;
}

/**
 * The catalog as citizens browse it. Read-only: ministries change it through the import
 * command or the admin API. Every USSD hop draws from it, and it changes rarely, so reads are
 * kept in memory for `cacheSeconds` (every instance sees a change within that time; a change
 * made through this instance's `invalidate()` is seen at once).
 */
export class CatalogService {
  private readonly cache = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(
    private readonly db: Queryable,
    private readonly cacheSeconds = 30,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forgets every cached read, after this instance changed the catalog. */
  invalidate(): void {
    this.cache.clear();
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { expires: this.now() + this.cacheSeconds * 1000, value });
    // A failed read is not remembered: the next call tries the database again.
    value.catch(() => this.cache.delete(key));
    return value;
  }

  categories(): Promise<Named[]> {
    return this.cached('categories', () => this.loadCategories());
  }

  private loadCategories(): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM categories ORDER BY position, code');
  }

  servicesIn(categoryCode: string): Promise<Named[]> {
    return this.cached(`servicesIn:${categoryCode}`, () => this.loadServicesIn(categoryCode));
  }

  private loadServicesIn(categoryCode: string): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>(
      'SELECT code, name FROM services WHERE category_code = $1 ORDER BY position, code',
      [categoryCode],
    );
  }

  service(code: string): Promise<ServiceDetail | undefined> {
    return this.cached(`service:${code}`, () => this.loadService(code));
  }

  private async loadService(code: string): Promise<ServiceDetail | undefined> {
    const rows = await this.db.query(
      `SELECT s.code, s.name, s.ministry_code, m.name AS ministry_name, s.requirements, s.fee_php, s.processing_time,
              s.office, s.form, s.workflow, s.charter
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
      charter: (row.charter as Charter | null) ?? null,
    };
  }

  provinces(): Promise<Place[]> {
    return this.cached('provinces', () => this.loadProvinces());
  }

  private loadProvinces(): Promise<Place[]> {
    return this.db.query<Place & Record<string, unknown>>('SELECT code, name FROM provinces ORDER BY position, name');
  }

  municipalitiesIn(provinceCode: string): Promise<Place[]> {
    return this.cached(`municipalitiesIn:${provinceCode}`, () => this.loadMunicipalitiesIn(provinceCode));
  }

  private loadMunicipalitiesIn(provinceCode: string): Promise<Place[]> {
    return this.db.query<Place & Record<string, unknown>>(
      'SELECT code, name FROM municipalities WHERE province_code = $1 ORDER BY name',
      [provinceCode],
    );
  }

  municipality(code: string): Promise<Place | undefined> {
    return this.cached(`municipality:${code}`, () => this.loadMunicipality(code));
  }

  private async loadMunicipality(code: string): Promise<Place | undefined> {
    return (await this.db.query<Place & Record<string, unknown>>('SELECT code, name FROM municipalities WHERE code = $1', [code]))[0];
  }

  centresIn(municipalityCode: string): Promise<Centre[]> {
    return this.cached(`centresIn:${municipalityCode}`, () => this.loadCentresIn(municipalityCode));
  }

  private loadCentresIn(municipalityCode: string): Promise<Centre[]> {
    return this.db.query<Centre & Record<string, unknown>>(
      'SELECT code, name, address, hours, phone FROM centres WHERE municipality_code = $1 ORDER BY name',
      [municipalityCode],
    );
  }

  topics(): Promise<Named[]> {
    return this.cached('topics', () => this.loadTopics());
  }

  private loadTopics(): Promise<Named[]> {
    return this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM topics ORDER BY position, code');
  }

  topic(code: string): Promise<Named | undefined> {
    return this.cached(`topic:${code}`, () => this.loadTopic(code));
  }

  private async loadTopic(code: string): Promise<Named | undefined> {
    return (await this.db.query<Named & Record<string, unknown>>('SELECT code, name FROM topics WHERE code = $1', [code]))[0];
  }
}
