import { linkIn } from '../text/links';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Database, Queryable } from '../store/sql';
import { catalogSchema, CLASSIFICATION_DAYS, type Catalog, type Charter, type CharterInput, type FormField, type LocalizedText, type LocalizedTextInput } from './catalog-schema';

/**
 * Reading a catalog file (YAML or JSON) and writing it to the records store. A ministry's file
 * is checked completely before anything is written, and every problem is reported with its line,
 * so the author can fix them all in one pass; the import itself is one transaction.
 */

/** One thing wrong with a catalog file: where (line, field path) and what. */
export interface CatalogProblem {
  line: number | undefined;
  path: string;
  message: string;
}

/** A catalog that cannot be imported; its message has one `file:line: path: problem` line per problem, for editors and CI logs. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';

  constructor(
    readonly fileName: string,
    readonly problems: CatalogProblem[],
  ) {
    super(problems.map((problem) => formatProblem(fileName, problem)).join('\n'));
  }
}

function formatProblem(fileName: string, { line, path: field, message }: CatalogProblem): string {
  return `${fileName}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${message}`;
}

/** Parses and validates a catalog file (YAML, or JSON, which is YAML too); throws CatalogError naming each problem's line. */
export function parseCatalog(source: string, fileName = 'catalog'): Catalog {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({ line: lineCounter.linePos(error.pos[0]).line, path: '', message: error.message }));
    throw new CatalogError(fileName, problems);
  }
  const result = catalogSchema.safeParse(doc.toJS());
  if (!result.success) throw new CatalogError(fileName, problemsOf(result.error.issues, (at) => lineOf(doc, lineCounter, at)));
  // Every text of the catalog reaches citizens by SMS too (replies, finished USSD screens): one
  // with a link would be blocked by the telcos (src/text/links.ts).
  const linked = linksIn(result.data).map(({ at, link }) => ({
    line: lineOf(doc, lineCounter, at),
    path: formatPath(at),
    message: `contains a link (${link}): Philippine telcos block SMS with links; say where to go in words`,
  }));
  if (linked.length > 0) throw new CatalogError(fileName, linked);
  return result.data;
}

/** Every string of `value` (at any depth) that carries a link, with where it is. */
function linksIn(value: unknown, at: PropertyKey[] = []): { at: PropertyKey[]; link: string }[] {
  if (typeof value === 'string') {
    const link = linkIn(value);
    return link === undefined ? [] : [{ at, link }];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => linksIn(item, [...at, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => linksIn(item, [...at, key]));
  return [];
}

type IssuePath = readonly PropertyKey[];

function problemsOf(issues: readonly z.core.$ZodIssue[], lineAt: (at: IssuePath) => number | undefined): CatalogProblem[] {
  const problems = issues.flatMap((issue): CatalogProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per unknown field, on the field's own line.
      return issue.keys.map((key) => ({ line: lineAt([...issue.path, key]), path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ line: lineAt(issue.path), path: formatPath(issue.path), message: issue.message }];
  });
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** `['services', 3, 'feePhp']` → `services[3].feePhp`. */
function formatPath(at: IssuePath): string {
  return at.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** The line of the node at `at`, or of its nearest ancestor present in the file (a missing field is reported on its parent). */
function lineOf(doc: Document, lineCounter: LineCounter, at: IssuePath): number | undefined {
  for (let depth = at.length; depth >= 0; depth--) {
    const offset = offsetOf(doc, at.slice(0, depth));
    if (offset !== undefined) return lineCounter.linePos(offset).line;
  }
  return undefined;
}

function offsetOf(doc: Document, at: IssuePath): number | undefined {
  if (at.length === 0) return isNode(doc.contents) ? doc.contents.range?.[0] : undefined;
  // A key of a map is located by the key itself, so an unknown field points at its own line.
  const parent = at.length === 1 ? doc.contents : doc.getIn(at.slice(0, -1), true);
  const last = at[at.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
    if (pair && isNode(pair.key)) return pair.key.range?.[0];
  }
  const node = doc.getIn(at, true);
  return isNode(node) ? node.range?.[0] : undefined;
}

/** The kinds of catalog row, in the order they are written (parents before children). */
export const CATALOG_KINDS = ['ministries', 'provinces', 'municipalities', 'centres', 'categories', 'topics', 'services'] as const;
/** One kind of catalog row; also the name of its table. */
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** What an import did, for the operator: rows written and removed per kind, and rows kept because something still refers to them. */
export interface ImportSummary {
  /** Rows inserted or updated per kind: how many the file holds. */
  counts: Record<CatalogKind, number>;
  /** Rows deleted per kind because the file no longer lists them. */
  removed: Record<CatalogKind, number>;
  /** Rows absent from the file but kept because requests, subscriptions or other records refer to them, e.g. `service mssd-aics`. */
  kept: string[];
  sample: boolean;
}

type SqlType = 'text' | 'jsonb' | 'boolean' | 'integer' | 'numeric';
type RowOf = Record<string, unknown> & { code: string };

/** How each kind is stored: its columns (the first is `code`) and the parents a kept row needs. */
const TABLES: Record<CatalogKind, { singular: string; columns: Record<string, SqlType>; parents: [column: string, kind: CatalogKind][] }> = {
  ministries: { singular: 'ministry', columns: { code: 'text', name: 'jsonb', sample: 'boolean' }, parents: [] },
  provinces: { singular: 'province', columns: { code: 'text', name: 'text', kind: 'text', position: 'integer' }, parents: [] },
  municipalities: { singular: 'municipality', columns: { code: 'text', province_code: 'text', name: 'text' }, parents: [['province_code', 'provinces']] },
  centres: {
    singular: 'centre',
    columns: { code: 'text', municipality_code: 'text', name: 'text', address: 'text', hours: 'text', phone: 'text' },
    parents: [['municipality_code', 'municipalities']],
  },
  categories: { singular: 'category', columns: { code: 'text', name: 'jsonb', position: 'integer' }, parents: [] },
  topics: { singular: 'topic', columns: { code: 'text', name: 'jsonb', position: 'integer' }, parents: [] },
  services: {
    singular: 'service',
    columns: {
      code: 'text',
      category_code: 'text',
      ministry_code: 'text',
      name: 'jsonb',
      requirements: 'jsonb',
      fee_php: 'numeric',
      processing_time: 'jsonb',
      office: 'jsonb',
      form: 'jsonb',
      classification: 'text',
      working_days: 'integer',
      charter: 'jsonb',
      position: 'integer',
    },
    parents: [
      ['category_code', 'categories'],
      ['ministry_code', 'ministries'],
    ],
  },
};

/** Children are deleted before parents, and kept children pull in their parents first. */
const DELETE_ORDER: CatalogKind[] = ['services', 'centres', 'municipalities', 'provinces', 'categories', 'ministries', 'topics'];

/** An arbitrary, fixed advisory-lock id, so two imports (or two instances loading the sample) run one after the other. */
const IMPORT_LOCK_ID = 741_0002;

/** Writes the whole catalog in one transaction: upserts by code, deletes rows the file dropped unless other records still refer to them. */
export async function importCatalog(db: Database, catalog: Catalog): Promise<ImportSummary> {
  const checked = catalogSchema.safeParse(catalog);
  if (!checked.success) throw new CatalogError('catalog', problemsOf(checked.error.issues, () => undefined));
  const rows = catalogRows(checked.data);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK_ID]);
    for (const kind of CATALOG_KINDS) await upsert(tx, kind, rows[kind]);
    await setWorkflows(tx, checked.data.services);
    const codes = mapKinds((kind) => new Set(rows[kind].map((row) => row.code)));
    const kept = await keptRows(tx, codes);
    const removed = mapKinds(() => 0);
    for (const kind of DELETE_ORDER) removed[kind] = await removeAbsent(tx, kind, [...codes[kind], ...kept[kind]]);
    await tx.query("INSERT INTO catalog_meta (key, value) VALUES ('sample', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [
      JSON.stringify(checked.data.sample),
    ]);
    return {
      counts: mapKinds((kind) => rows[kind].length),
      removed,
      kept: CATALOG_KINDS.flatMap((kind) => [...kept[kind]].sort().map((code) => `${TABLES[kind].singular} ${code}`)),
      sample: checked.data.sample,
    };
  });
}

function mapKinds<T>(value: (kind: CatalogKind) => T): Record<CatalogKind, T> {
  return Object.fromEntries(CATALOG_KINDS.map((kind) => [kind, value(kind)])) as Record<CatalogKind, T>;
}

/** Localised text as stored: always an object with `en`. */
export function localized(text: LocalizedTextInput): LocalizedText {
  if (typeof text === 'string') return { en: text };
  return { ...Object.fromEntries(Object.entries(text).filter(([, value]) => value !== undefined)), en: text.en };
}

/** The columns a Charter sets: classification, working_days and the charter itself. */
export function charterColumns(charter: CharterInput | undefined): { classification: string; working_days: number; charter: Charter | null } {
  if (!charter) return { classification: 'simple', working_days: CLASSIFICATION_DAYS.simple, charter: null };
  const workingDays = charter.classification === 'custom' ? (charter.workingDays ?? CLASSIFICATION_DAYS.simple) : CLASSIFICATION_DAYS[charter.classification];
  return {
    classification: charter.classification,
    working_days: workingDays,
    charter: {
      classification: charter.classification,
      workingDays,
      responsible: charter.responsible === undefined ? null : localized(charter.responsible),
      steps: charter.steps.map((s) => ({ step: localized(s.step), duration: localized(s.duration), unit: localized(s.unit) })),
      complaint: localized(charter.complaint),
    },
  };
}

/** A form field as stored: every label localised. */
export function storedField(field: FormField): FormField {
  const label = localized(field.label);
  if (field.type !== 'choice') return { ...field, label };
  return { ...field, label, options: field.options.map((option) => ({ ...option, label: localized(option.label) })) };
}

/** The catalog as table rows, keyed by column name; positions are the order in the file. */
function catalogRows(catalog: Catalog): Record<CatalogKind, RowOf[]> {
  const municipalities = catalog.provinces.flatMap((province) => province.municipalities.map((municipality) => ({ province, municipality })));
  return {
    ministries: catalog.ministries.map((m) => ({ code: m.code, name: localized(m.name), sample: catalog.sample })),
    provinces: catalog.provinces.map((p, position) => ({ code: p.code, name: p.name, kind: p.kind, position })),
    municipalities: municipalities.map(({ province, municipality }) => ({ code: municipality.code, province_code: province.code, name: municipality.name })),
    centres: municipalities.flatMap(({ municipality }) =>
      municipality.centres.map((c) => ({ code: c.code, municipality_code: municipality.code, name: c.name, address: c.address, hours: c.hours, phone: c.phone ?? null })),
    ),
    categories: catalog.categories.map((c, position) => ({ code: c.code, name: localized(c.name), position })),
    topics: catalog.topics.map((t, position) => ({ code: t.code, name: localized(t.name), position })),
    services: catalog.services.map((s, position) => ({
      code: s.code,
      category_code: s.category,
      ministry_code: s.ministry,
      name: localized(s.name),
      requirements: s.requirements.map(localized),
      fee_php: s.feePhp,
      processing_time: localized(s.processingTime),
      office: localized(s.office),
      form: s.form ? s.form.map(storedField) : null,
      ...charterColumns(s.charter),
      position,
    })),
  };
}

/** Inserts or updates every row of one kind in one statement, whatever the catalog's size. */
async function upsert(tx: Queryable, kind: CatalogKind, rows: RowOf[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries(TABLES[kind].columns);
  const names = columns.map(([name]) => name).join(', ');
  const typed = columns.map(([name, type]) => `${name} ${type}`).join(', ');
  const updates = columns
    .slice(1)
    .map(([name]) => `${name} = EXCLUDED.${name}`)
    .join(', ');
  await tx.query(
    `INSERT INTO ${kind} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${typed}) ON CONFLICT (code) DO UPDATE SET ${updates}`,
    [JSON.stringify(rows)],
  );
}

/** A service's own workflow when the file gives one, otherwise the table's default (also when a workflow was dropped from the file). */
async function setWorkflows(tx: Queryable, services: Catalog['services']): Promise<void> {
  const own = services.filter((s) => s.workflow).map((s) => ({ code: s.code, workflow: s.workflow }));
  const standard = services.filter((s) => !s.workflow).map((s) => s.code);
  if (own.length > 0) {
    await tx.query('UPDATE services SET workflow = r.workflow FROM jsonb_to_recordset($1::jsonb) AS r(code text, workflow jsonb) WHERE services.code = r.code', [
      JSON.stringify(own),
    ]);
  }
  if (standard.length > 0) {
    await tx.query('UPDATE services SET workflow = DEFAULT WHERE code IN (SELECT jsonb_array_elements_text($1::jsonb))', [JSON.stringify(standard)]);
  }
}

/**
 * Rows the file no longer lists but which must stay: those referred to by a non-catalog table
 * (requests, subscriptions, and any table a later migration adds with a foreign key to the
 * catalog), and the parents those rows need (a kept service keeps its category and ministry).
 */
async function keptRows(tx: Queryable, inFile: Record<CatalogKind, Set<string>>): Promise<Record<CatalogKind, Set<string>>> {
  const kept = mapKinds(() => new Set<string>());
  for (const kind of CATALOG_KINDS) {
    const absent = await absentCodes(tx, kind, [...inFile[kind]]);
    if (absent.length > 0) for (const code of await referencedFromOutside(tx, kind, absent)) kept[kind].add(code);
  }
  for (const kind of DELETE_ORDER) {
    for (const [column, parent] of TABLES[kind].parents) {
      for (const code of await parentCodes(tx, kind, column, [...kept[kind]])) if (!inFile[parent].has(code)) kept[parent].add(code);
    }
  }
  return kept;
}

const CATALOG_TABLES = new Set<string>(CATALOG_KINDS);

/** Codes of `kind` in the database that the file does not list. */
async function absentCodes(tx: Queryable, kind: CatalogKind, inFile: string[]): Promise<string[]> {
  const rows = await tx.query<{ code: string }>(`SELECT code FROM ${kind} WHERE code NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(inFile)]);
  return rows.map((row) => row.code);
}

/** Which of `candidates` rows of other (non-catalog) tables point at, found through the foreign keys themselves. */
async function referencedFromOutside(tx: Queryable, kind: CatalogKind, candidates: string[]): Promise<string[]> {
  const references = await tx.query<{ source: string; source_column: string }>(
    `SELECT con.conrelid::regclass::text AS source, att.attname AS source_column
       FROM pg_constraint con
       JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
      WHERE con.contype = 'f' AND con.confrelid = $1::text::regclass AND cardinality(con.conkey) = 1`,
    [kind],
  );
  const codes: string[] = [];
  for (const { source, source_column } of references.filter((reference) => !CATALOG_TABLES.has(reference.source))) {
    const column = `"${source_column.replace(/"/g, '""')}"`;
    const rows = await tx.query<{ code: string }>(
      `SELECT DISTINCT ${column}::text AS code FROM ${source} WHERE ${column} IN (SELECT jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(candidates)],
    );
    codes.push(...rows.map((row) => row.code));
  }
  return codes;
}

async function parentCodes(tx: Queryable, kind: CatalogKind, column: string, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await tx.query<{ code: string }>(`SELECT DISTINCT ${column} AS code FROM ${kind} WHERE code IN (SELECT jsonb_array_elements_text($1::jsonb))`, [
    JSON.stringify(codes),
  ]);
  return rows.map((row) => row.code);
}

/** Deletes the rows of `kind` whose code is not in `keep`; returns how many. */
async function removeAbsent(tx: Queryable, kind: CatalogKind, keep: string[]): Promise<number> {
  const rows = await tx.query(`DELETE FROM ${kind} WHERE code NOT IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING code`, [JSON.stringify(keep)]);
  return rows.length;
}

/** Where the sample catalog lives, from `src/services` under ts-jest and from the compiled `dist/src/services` alike. */
export const SAMPLE_CATALOG_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  'data',
  'sample-catalog.yaml',
);

/** Loads the sample catalog into a database with no services, so a fresh pilot has something to browse; true when it did. */
export async function loadSampleCatalogIfEmpty(db: Database, file = SAMPLE_CATALOG_PATH): Promise<boolean> {
  const [{ present }] = await db.query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM services) AS present');
  if (present) return false;
  await importCatalog(db, parseCatalog(await readFile(file, 'utf8'), path.basename(file)));
  return true;
}
