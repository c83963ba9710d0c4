import type { LocalizedText } from '../services/catalog-schema';
import { pick } from '../services/localized';
import type { Queryable } from '../store/sql';

/** A code and the name officers read for it. */
export interface NamedCode {
  code: string;
  name: string;
}

/**
 * Names of the catalog's public lists for the console's forms and tables: topics and
 * municipalities (what broadcasts target and requests are filtered by). These are the same
 * for every ministry and hold no personal data; services, which belong to ministries, are read
 * through the admin services with the officer's key instead.
 */
export class CatalogNames {
  constructor(private readonly db: Queryable) {}

  async topics(): Promise<NamedCode[]> {
    const rows = await this.db.query<{ code: string; name: LocalizedText }>('SELECT code, name FROM topics ORDER BY position, code');
    return rows.map((row) => ({ code: row.code, name: pick(row.name, 'en') }));
  }

  /**
   * Who the actors of a history or the audit log are, as officers know them: `key:5` as its
   * holder's name ("Maria Santos (key 5)"), `citizen`, `cli` and `centre:<code>` in words.
   * Holders' names are not secret within the console (the header shows the officer's own, the
   * approval rule names both holders).
   */
  async actors(labels: readonly string[]): Promise<(label: string) => string> {
    const ids = [...new Set(labels.map((label) => /^key:(\d+)$/.exec(label)?.[1]).filter((id): id is string => id !== undefined))];
    const rows = ids.length === 0 ? [] : await this.db.query<{ id: string; holder: string }>('SELECT id, holder FROM api_keys WHERE id = ANY($1::bigint[])', [ids]);
    const holders = new Map(rows.map((row) => [String(row.id), row.holder]));
    return (label) => actorName(label, holders);
  }

  /** Every ministry by its English name (a thread may be moved to any of them). */
  async ministries(): Promise<NamedCode[]> {
    const rows = await this.db.query<{ code: string; name: LocalizedText }>('SELECT code, name FROM ministries ORDER BY code');
    return rows.map((row) => ({ code: row.code, name: pick(row.name, 'en') }));
  }

  /** Municipalities as "Name (Province)", in alphabetical order. */
  async municipalities(): Promise<NamedCode[]> {
    const rows = await this.db.query<{ code: string; name: string; province: string }>(
      `SELECT m.code, m.name, p.name AS province FROM municipalities m JOIN provinces p ON p.code = m.province_code ORDER BY m.name, p.name`,
    );
    return rows.map((row) => ({ code: row.code, name: row.name === row.province ? row.name : `${row.name} (${row.province})` }));
  }
}

/** A lookup from code to name that falls back to the code itself. */
export function nameLookup(items: NamedCode[]): (code: string | null) => string {
  const names = new Map(items.map((item) => [item.code, item.name]));
  return (code) => (code === null ? 'Not given' : (names.get(code) ?? code));
}

/** An actor label in words, with key holders' names from `holders` (by key id). */
function actorName(label: string, holders: ReadonlyMap<string, string>): string {
  const key = /^key:(\d+)$/.exec(label)?.[1];
  if (key !== undefined) return holders.has(key) ? `${holders.get(key)} (key ${key})` : `key ${key}`;
  if (label === 'citizen') return 'the citizen';
  if (label === 'cli') return 'the admin command';
  const centre = /^centre:(.+)$/.exec(label)?.[1];
  if (centre !== undefined) return `centre ${centre}`;
  return label;
}
