import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import { CatalogError, parseCatalog, SAMPLE_CATALOG_PATH } from '../../src/services/catalog-import';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { ADMIN_KEY, bearer } from '../support/api';
import { databaseBackends } from '../support/stores';

const sample = readFileSync(SAMPLE_CATALOG_PATH, 'utf8');

function problems(source: string): string[] {
  try {
    parseCatalog(source, 'catalog.yaml');
  } catch (error) {
    if (error instanceof CatalogError) return error.problems.map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe("a service's Charter in a catalog file", () => {
  it('is refused, at its line, with a custom classification and no working days, or a simple one with another number', () => {
    const custom = sample.replace('      classification: custom\n      workingDays: 5\n', '      classification: custom\n');
    const line = custom.split('\n').findIndex((text) => text.includes('classification: custom')) + 1;
    expect(problems(custom)).toEqual([expect.stringMatching(new RegExp(`^${line - 1}: services\\[\\d+\\]\\.charter\\.workingDays: a custom classification gives its number of working days$`))]);
    const simple = sample.replace('      classification: simple\n', '      classification: simple\n      workingDays: 10\n');
    expect(problems(simple)).toEqual([expect.stringMatching(/charter\.workingDays: a simple service takes 3 working days; use custom for another number$/)]);
    expect(problems(sample)).toEqual([]);
  });
});

describe.each(databaseBackends())("a service's Charter through the API, on $name", (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app } = await startLingkod(db, { ADMIN_API_KEY: ADMIN_KEY }));
  });
  afterAll(async () => {
    await context.close();
  });

  it('is imported from the sample, written by PUT, read back, and sets the clock of requests filed afterwards', async () => {
    const admin = bearer(ADMIN_KEY);
    const pension = await request(app).get('/api/v1/services/mssd-social-pension').set(admin);
    expect(pension.body.charter).toMatchObject({ classification: 'complex', workingDays: 7, responsible: { en: 'Senior Citizens Unit' } });
    const boat = await request(app).get('/api/v1/services/mafar-boat-registration').set(admin);
    expect(boat.body.charter).toMatchObject({ classification: 'custom', workingDays: 5 });

    const { body: current } = await request(app).get('/api/v1/services/moh-maip').set(admin);
    const { code: _code, position: _position, charter: _charter, ...input } = current;
    const charter = { classification: 'highly_technical', steps: [{ step: 'Review', duration: '15 days', unit: 'Medical board' }], complaint: 'Text 8888' };
    expect((await request(app).put('/api/v1/services/moh-maip').set(admin).send({ ...input, charter: { ...charter, classification: 'custom' } })).body.issues).toEqual([
      { path: 'body.charter.workingDays', message: 'a custom classification gives its number of working days' },
    ]);
    const put = await request(app).put('/api/v1/services/moh-maip').set(admin).send({ ...input, charter });
    expect(put.status).toBe(200);
    expect(put.body.charter).toMatchObject({ classification: 'highly_technical', workingDays: 20, responsible: null, complaint: { en: 'Text 8888' } });

    const citizen = await context.citizens.findOrCreate('tel:+639175560401', 'ussd');
    const { reference } = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'moh-maip', answers: {}, channel: 'ussd' });
    const filed = await request(app).get(`/api/v1/requests/${reference}`).set(admin);
    expect(filed.body.clock.workingDays).toBe(20);
    const [audit] = await db.query<{ details: { classification: string; workingDays: number } }>("SELECT details FROM audit_log WHERE action = 'service.update' AND target = 'service:moh-maip'");
    expect(audit.details).toMatchObject({ classification: 'highly_technical', workingDays: 20 });
  });
});
