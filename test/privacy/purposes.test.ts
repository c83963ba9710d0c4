import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEFAULT_PURPOSES_FILE, loadPurposes, parsePurposes, PurposesError } from '../../src/services/purposes';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/** Purposes are data: the shipped file is valid, a wrong one stops Lingkod naming the problem, and the API shows this deployment's. */
const shipped = readFileSync(DEFAULT_PURPOSES_FILE, 'utf8');

describe('the purposes file', () => {
  it('ships valid: announcements and surveys on consent, requests on public task, every message kind with a retention period', () => {
    const file = loadPurposes(undefined);
    const basis = Object.fromEntries(file.purposes.map((purpose) => [purpose.code, purpose.lawfulBasis]));
    expect(basis).toMatchObject({ announcements: 'consent', surveys: 'consent', requests: 'public_task' });
    for (const purpose of file.purposes.filter((item) => item.messageKinds.length > 0)) expect(purpose.retentionDays).toBeLessThanOrEqual(7);
  });

  it.each([
    ['a message kind owned twice', shipped.replace('messageKinds: [broadcast]', 'messageKinds: [broadcast, reply]'), 'message kind "reply" must belong to exactly one purpose'],
    ['a data field nobody described', shipped.replace('data: [phone_number, chat_id, language, subscriptions]', 'data: [phone_number, shoe_size]'), 'purposes.1.data.1'],
    ['announcements not on consent', shipped.replace(/(code: announcements[\s\S]*?lawfulBasis: )consent/, '$1legitimate_interest'), 'announcements must rest on consent'],
    ['an unknown lawful basis', shipped.replace('lawfulBasis: public_task', 'lawfulBasis: because'), 'purposes.0.lawfulBasis'],
    ['a misspelt setting', shipped.replace('retentionDays: 7', 'retentionDay: 7'), 'purposes.0'],
    ['YAML that does not parse', `${shipped}\n  - code: [`, 'not valid YAML'],
  ])('refuses %s, naming where', (_name, text, problem) => {
    expect(() => parsePurposes(text, 'purposes.yaml')).toThrow(PurposesError);
    expect(() => parsePurposes(text, 'purposes.yaml')).toThrow(problem);
  });

  it('refuses a file that cannot be read, naming it', () => {
    expect(() => loadPurposes('/nonexistent/purposes.yaml')).toThrow('/nonexistent/purposes.yaml: cannot be read (ENOENT)');
  });
});

describe.each(databaseBackends())('GET /api/v1/purposes on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;
  const dir = mkdtempSync(path.join(tmpdir(), 'purposes-'));
  const changed = path.join(dir, 'purposes.yaml');
  writeFileSync(changed, shipped.replace(/(code: announcements[\s\S]*?retentionDays: )7/, '$13').replace('version: 1', 'version: 4'));

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db, { PURPOSES_FILE: changed, SEMAPHORE_API_KEY: 'semaphore-key-123456', SEMAPHORE_SENDER: 'LINGKOD' });
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('answers 401 without a key', async () => {
    expect((await request(api.app).get('/api/v1/purposes')).status).toBe(401);
  });

  it("shows the configured file, with the processors this deployment sends through", async () => {
    const response = await request(api.app).get('/api/v1/purposes').set(bearer(ADMIN_KEY));
    expect(response.status).toBe(200);
    api.expectDocumented('listPurposes', response.body);
    const byCode = Object.fromEntries((response.body.items as { code: string; processors: string[] }[]).map((item) => [item.code, item]));
    expect(byCode.announcements).toMatchObject({ lawfulBasis: 'consent', retentionDays: 3, version: 4, messageKinds: ['broadcast'] });
    expect(byCode.requests).toMatchObject({ lawfulBasis: 'public_task', retentionDays: 7 });
    // Semaphore is on (its settings are set) and the test's Telegram bot sends; the USSD gateway receives.
    expect(byCode.announcements.processors).toEqual(expect.arrayContaining(['semaphore', 'telegram']));
    expect(byCode.requests.processors).toEqual(expect.arrayContaining(['semaphore', 'telegram', 'ussd', 'ussd-bdapps']));
    expect(byCode.announcements.processors).not.toContain('ussd');
  });
});
