import { readFileSync } from 'node:fs';
import { CatalogError, importCatalog, loadSampleCatalogIfEmpty, parseCatalog, SAMPLE_CATALOG_PATH } from '../../src/services/catalog-import';
import type { Catalog, LocalizedTextInput } from '../../src/services/catalog-schema';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';

const sampleSource = readFileSync(SAMPLE_CATALOG_PATH, 'utf8');
const sample = parseCatalog(sampleSource, 'sample-catalog.yaml');

const municipalities = (catalog: Catalog) => catalog.provinces.flatMap((province) => province.municipalities);
const asObject = (text: LocalizedTextInput) => (typeof text === 'string' ? { en: text } : text);

/** Every localised text of a catalog, with where it is, so a failure names the culprit. */
function localizedTexts(catalog: Catalog): { where: string; text: LocalizedTextInput }[] {
  const named = (kind: string, items: { code: string; name: LocalizedTextInput }[]) => items.map((item) => ({ where: `${kind} ${item.code}`, text: item.name }));
  return [
    ...named('ministry', catalog.ministries),
    ...named('category', catalog.categories),
    ...named('topic', catalog.topics),
    ...catalog.services.flatMap((service) => [
      { where: `service ${service.code} name`, text: service.name },
      { where: `service ${service.code} processing time`, text: service.processingTime },
      { where: `service ${service.code} office`, text: service.office },
      ...service.requirements.map((text, i) => ({ where: `service ${service.code} requirement ${i}`, text })),
      ...(service.form ?? []).flatMap((field) => [
        { where: `service ${service.code} field ${field.key}`, text: field.label },
        ...(field.type === 'choice' ? field.options.map((option) => ({ where: `service ${service.code} option ${option.value}`, text: option.label })) : []),
      ]),
    ]),
  ];
}

describe('the sample catalog', () => {
  it('says it is sample data, in its flag and in its top comment', () => {
    expect(sample.sample).toBe(true);
    expect(sampleSource.split('\n')[0]).toMatch(/^# SAMPLE DATA - NOT OFFICIAL/);
  });

  it('has at least five BARMM ministries with lower-case codes', () => {
    expect(sample.ministries.length).toBeGreaterThanOrEqual(5);
    expect(sample.ministries.map((m) => m.code)).toEqual(expect.arrayContaining(['mssd', 'moh', 'mbhte', 'mafar', 'milg']));
  });

  it('names at least forty municipalities, real ones among them, and not Isabela City', () => {
    const names = municipalities(sample).map((m) => m.name);
    expect(new Set(names).size).toBeGreaterThanOrEqual(40);
    expect(names).toEqual(expect.arrayContaining(['Marawi City', 'Lamitan City', 'Datu Odin Sinsuat', 'Shariff Aguak', 'Bongao', 'Cotabato City', 'Pahamuddin']));
    expect(names).not.toContain('Isabela City');
    expect(sample.provinces.map((p) => [p.name, p.kind])).toEqual(
      expect.arrayContaining([
        ['Lanao del Sur', 'province'],
        ['Cotabato City', 'city'],
        ['Special Geographic Area', 'special_area'],
      ]),
    );
  });

  it('has a service centre in every municipality', () => {
    const withoutCentre = municipalities(sample).filter((m) => m.centres.length === 0);
    expect(withoutCentre.map((m) => m.code)).toEqual([]);
  });

  it('has at least thirty services in at least eight categories', () => {
    expect(sample.services.length).toBeGreaterThanOrEqual(30);
    expect(new Set(sample.services.map((s) => s.category)).size).toBeGreaterThanOrEqual(8);
  });

  it('has at least ten services with a request form, using all four field types', () => {
    const withForm = sample.services.filter((s) => s.form);
    expect(withForm.length).toBeGreaterThanOrEqual(10);
    const types = new Set(withForm.flatMap((s) => s.form?.map((field) => field.type) ?? []));
    expect([...types].sort()).toEqual(['choice', 'date', 'digits', 'text']);
  });

  it('has English in every localised text, and Filipino and Bangla in every category and topic name', () => {
    const withoutEnglish = localizedTexts(sample).filter(({ text }) => !asObject(text).en?.trim());
    expect(withoutEnglish).toEqual([]);
    const untranslated = [...sample.categories, ...sample.topics].filter((item) => {
      const name = asObject(item.name);
      return !('fil' in name && name.fil) || !('bn' in name && name.bn);
    });
    expect(untranslated.map((item) => item.code)).toEqual([]);
  });

  it('keeps its texts short enough for a USSD screen', () => {
    const limits: [RegExp, number][] = [
      [/^(category|topic) /, 24],
      [/ (field|option) /, 30],
      [/ name$/, 40],
    ];
    const tooLong = localizedTexts(sample).flatMap(({ where, text }) => {
      const limit = limits.find(([pattern]) => pattern.test(where))?.[1] ?? 60;
      return Object.entries(asObject(text))
        .filter(([, value]) => (value ?? '').length > limit)
        .map(([locale]) => `${where} (${locale})`);
    });
    expect(tooLong).toEqual([]);
  });
});

/** A valid catalog file, one line per entry, so tests can break one line and know its number. */
const goodLines = [
  'ministries:',
  '  - code: moh',
  '    name: Ministry of Health',
  'provinces:',
  '  - code: basilan',
  '    name: Basilan',
  '    municipalities:',
  '      - code: bas-lamitan',
  '        name: Lamitan City',
  'categories:',
  '  - code: health',
  '    name: {en: Health, fil: Kalusugan}',
  'services:',
  '  - code: moh-tb-care',
  '    category: health',
  '    ministry: moh',
  '    name: TB screening',
  '    feePhp: 0',
  '    processingTime: Same day',
  '    office: Rural Health Unit',
];

/** The file with line `match` replaced (or followed) by `lines`, and the 1-based number of the first new line. */
function edited(match: string, lines: string[], mode: 'replace' | 'after' = 'replace'): { source: string; line: number } {
  const index = goodLines.findIndex((line) => line.includes(match));
  if (index < 0) throw new Error(`no line has ${match}`);
  const copy = [...goodLines];
  copy.splice(mode === 'replace' ? index : index + 1, mode === 'replace' ? 1 : 0, ...lines);
  return { source: copy.join('\n'), line: (mode === 'replace' ? index : index + 1) + 1 };
}

function catalogError(source: string, fileName: string): CatalogError {
  try {
    parseCatalog(source, fileName);
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error('the catalog was accepted');
}

describe('a catalog file with mistakes', () => {
  it('is accepted once the mistakes are gone', () => {
    expect(parseCatalog(goodLines.join('\n')).services[0].code).toBe('moh-tb-care');
  });

  it('names the line and the field of a fee written as text', () => {
    const { source, line } = edited('feePhp', ['    feePhp: "50"']);
    const error = catalogError(source, 'catalog.yaml');
    expect(error.problems).toEqual([{ line, path: 'services[0].feePhp', message: expect.stringMatching(/expected number, received string/) }]);
    expect(error.message).toBe(`catalog.yaml:${line}: services[0].feePhp: ${error.problems[0].message}`);
  });

  it('names the line of a text with a link, which the telcos would block by SMS', () => {
    const { source, line } = edited('office:', ['    office: Rural Health Unit, see doh.gov.ph/tb']);
    expect(catalogError(source, 'catalog.yaml').problems).toEqual([
      { line, path: 'services[0].office', message: 'contains a link (doh.gov.ph/tb): Philippine telcos block SMS with links; say where to go in words' },
    ]);
  });

  it('names the line of a reference to an unknown ministry', () => {
    const { source, line } = edited('ministry: moh', ['    ministry: mssd']);
    expect(catalogError(source, 'catalog.yaml').problems).toEqual([{ line, path: 'services[0].ministry', message: 'unknown ministry "mssd"' }]);
  });

  it('names the line of a duplicate code', () => {
    const { source, line } = edited('name: {en: Health', ['  - code: health', '    name: Health again'], 'after');
    expect(catalogError(source, 'catalog.yaml').problems).toEqual([{ line, path: 'categories[1].code', message: 'duplicate category code "health"' }]);
  });

  it('names the line of an unknown field, and reports every problem in one go', () => {
    const { source, line } = edited('office:', ['    office: Rural Health Unit', '    notes:', '      - Bring a face mask']);
    const feeLine = goodLines.indexOf('    feePhp: 0') + 1;
    expect(catalogError(source.replace('feePhp: 0', 'feePhp: free'), 'catalog.yaml').problems).toEqual([
      { line: feeLine, path: 'services[0].feePhp', message: expect.stringMatching(/expected number/) },
      { line: line + 1, path: 'services[0].notes', message: 'unknown field' },
    ]);
  });

  it('reports a missing field on the line of the entry that lacks it', () => {
    const { source } = edited('office:', []);
    const entryLine = goodLines.indexOf('  - code: moh-tb-care') + 1;
    expect(catalogError(source, 'catalog.yaml').problems).toEqual([{ line: entryLine, path: 'services[0].office', message: expect.any(String) }]);
  });

  it('refuses a choice field whose options repeat a value', () => {
    const { source, line } = edited('office:', [
      '    office: Rural Health Unit',
      '    form:',
      '      - key: cough',
      '        type: choice',
      '        label: Cough for two weeks?',
      '        options:',
      '          - {value: yes, label: Yes}',
      '          - {value: yes, label: No}',
    ]);
    expect(catalogError(source, 'catalog.yaml').problems).toEqual([{ line: line + 7, path: 'services[0].form[0].options[1].value', message: 'duplicate option value "yes"' }]);
  });

  it('gives the same answers for a JSON file', () => {
    const good = parseCatalog(goodLines.join('\n'));
    const json = JSON.stringify({ ...good, services: [{ ...good.services[0], feePhp: '50' }] }, null, 2);
    const line = json.split('\n').findIndex((l) => l.includes('"feePhp": "50"')) + 1;
    expect(parseCatalog(JSON.stringify(good), 'catalog.json')).toEqual(good);
    const error = catalogError(json, 'catalog.json');
    expect(error.problems).toEqual([{ line, path: 'services[0].feePhp', message: expect.stringMatching(/expected number/) }]);
    expect(error.message).toMatch(new RegExp(`^catalog\\.json:${line}: services\\[0\\]\\.feePhp: `));
  });

  it('gives the line of a YAML syntax error', () => {
    const { source, line } = edited('feePhp', ['    feePhp: 0', '    feePhp: 5'], 'replace');
    const duplicateKey = catalogError(source, 'catalog.yaml');
    expect(duplicateKey.problems).toEqual([{ line: line + 1, path: '', message: expect.stringMatching(/unique/) }]);
    expect(duplicateKey.message).toMatch(new RegExp(`^catalog\\.yaml:${line + 1}: `));
    const unclosed = catalogError(goodLines.join('\n').replace('name: Basilan', 'name: [Basilan'), 'catalog.yaml');
    expect(unclosed.problems[0].line).toEqual(expect.any(Number));
  });
});

describe.each(databaseBackends())('importing a catalog on $name', (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db.close();
  });
  // One database per backend (opening one takes seconds), emptied before each test.
  beforeEach(async () => {
    await db.exec('TRUNCATE ministries, provinces, categories, topics, catalog_meta, citizens CASCADE');
  });

  const TABLES = ['ministries', 'provinces', 'municipalities', 'centres', 'categories', 'topics', 'services'] as const;
  const countRows = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
    return counts;
  };
  const sampleCounts = {
    ministries: sample.ministries.length,
    provinces: sample.provinces.length,
    municipalities: municipalities(sample).length,
    centres: municipalities(sample).flatMap((m) => m.centres).length,
    categories: sample.categories.length,
    topics: sample.topics.length,
    services: sample.services.length,
  };
  const isSample = async () => (await db.query<{ value: unknown }>("SELECT value FROM catalog_meta WHERE key = 'sample'"))[0]?.value;

  it('loads every row of the sample and marks the catalog as sample data', async () => {
    const summary = await importCatalog(db, sample);
    expect(summary.counts).toEqual(sampleCounts);
    expect(await countRows()).toEqual(sampleCounts);
    expect(summary.kept).toEqual([]);
    expect(await isSample()).toBe(true);
  });

  it('stores localised text as {en, fil, bn}, forms with their defaults, positions and the default workflow', async () => {
    await importCatalog(db, sample);
    const [ministry] = await db.query<{ name: unknown; sample: boolean }>("SELECT name, sample FROM ministries WHERE code = 'moh'");
    expect(ministry).toEqual({ name: { en: 'Ministry of Health' }, sample: true });
    const [service] = await db.query<{ name: unknown; fee_php: unknown; form: { key: string; required: boolean; maxLength?: number; label: unknown }[]; workflow: string[]; position: number }>(
      "SELECT name, fee_php, form, workflow, position FROM services WHERE code = 'mssd-aics'",
    );
    expect(service.name).toEqual({ en: 'Crisis assistance (AICS)', fil: 'Tulong sa krisis (AICS)', bn: 'সংকটকালীন সহায়তা (AICS)' });
    expect(Number(service.fee_php)).toBe(0);
    expect(service.form[0]).toEqual({ key: 'full_name', type: 'text', label: { en: 'Full name', fil: 'Buong pangalan', bn: 'পূর্ণ নাম' }, required: true, minLength: 2, maxLength: 60 });
    expect(service.workflow[0]).toBe('received');
    expect(service.position).toBe(sample.services.findIndex((s) => s.code === 'mssd-aics'));
    const [noForm] = await db.query<{ form: unknown }>("SELECT form FROM services WHERE code = 'lgu-barangay-clearance'");
    expect(noForm.form).toBeNull();
  });

  it('changes nothing when the same file is imported again', async () => {
    await importCatalog(db, sample);
    const before = await db.query('SELECT code, name, form, workflow, position FROM services ORDER BY code');
    const again = await importCatalog(db, sample);
    expect(again.counts).toEqual(sampleCounts);
    expect(again.removed).toEqual({ ministries: 0, provinces: 0, municipalities: 0, centres: 0, categories: 0, topics: 0, services: 0 });
    expect(await countRows()).toEqual(sampleCounts);
    expect(await db.query('SELECT code, name, form, workflow, position FROM services ORDER BY code')).toEqual(before);
  });

  it('removes what a smaller catalog drops, but keeps what requests and subscriptions still refer to', async () => {
    await importCatalog(db, sample);
    const [citizen] = await db.query<{ id: string }>("INSERT INTO citizens (locale) VALUES ('fil') RETURNING id");
    await db.query("INSERT INTO requests (reference, citizen_id, service_code, status, channel) VALUES ('LK-TEST-1', $1, 'mole-ofw-assistance', 'received', 'sms')", [citizen.id]);
    await db.query("INSERT INTO subscriptions (citizen_id, topic_code, municipality_code) VALUES ($1, 'jobs', 'tt-bongao')", [citizen.id]);

    const services = sample.services.filter((s) => s.category === 'health');
    const smaller: Catalog = {
      ...sample,
      sample: false,
      ministries: sample.ministries.filter((m) => m.code === 'moh'),
      categories: sample.categories.filter((c) => c.code === 'health'),
      topics: sample.topics.filter((t) => t.code === 'scholarships'),
      provinces: [{ ...sample.provinces[0], municipalities: sample.provinces[0].municipalities.slice(0, 2) }],
      services,
    };
    const summary = await importCatalog(db, smaller);

    expect(summary.kept).toEqual(['ministry mole', 'province tawi-tawi', 'municipality tt-bongao', 'category employment', 'topic jobs', 'service mole-ofw-assistance']);
    expect(summary.removed.services).toBe(sample.services.length - services.length - 1);
    expect(await countRows()).toEqual({ ministries: 2, provinces: 2, municipalities: 3, centres: 2, categories: 2, topics: 2, services: services.length + 1 });
    const codes = (await db.query<{ code: string }>('SELECT code FROM services')).map((row) => row.code);
    expect(codes).toContain('mole-ofw-assistance');
    expect(codes).not.toContain('lcr-birth-certificate');
    expect(await db.query('SELECT count(*)::int AS n FROM subscriptions')).toEqual([{ n: 1 }]);
    expect(await isSample()).toBe(false);
  });

  it('stores a workflow the file gives, and goes back to the default when the file drops it', async () => {
    const withWorkflow: Catalog = { ...sample, services: sample.services.map((s) => (s.code === 'moh-immunization' ? { ...s, workflow: ['scheduled', 'vaccinated'] } : s)) };
    await importCatalog(db, withWorkflow);
    const workflow = async () => (await db.query<{ workflow: string[] }>("SELECT workflow FROM services WHERE code = 'moh-immunization'"))[0].workflow;
    expect(await workflow()).toEqual(['scheduled', 'vaccinated']);
    await importCatalog(db, sample);
    expect(await workflow()).toEqual(['received', 'in_review', 'needs_info', 'approved', 'rejected', 'ready_for_pickup', 'closed']);
  });

  it('writes nothing when the catalog is invalid', async () => {
    const broken: Catalog = { ...sample, services: [{ ...sample.services[0], ministry: 'nobody' }] };
    await expect(importCatalog(db, broken)).rejects.toThrow(CatalogError);
    expect(await countRows()).toEqual({ ministries: 0, provinces: 0, municipalities: 0, centres: 0, categories: 0, topics: 0, services: 0 });
  });

  it('loads the sample into an empty database once, and not again', async () => {
    expect(await loadSampleCatalogIfEmpty(db)).toBe(true);
    expect(await countRows()).toEqual(sampleCounts);
    await db.query("DELETE FROM topics WHERE code = 'jobs'");
    expect(await loadSampleCatalogIfEmpty(db)).toBe(false);
    expect((await countRows()).topics).toBe(sampleCounts.topics - 1);
  });
});
