import request from 'supertest';
import { PgliteDatabase } from '../../src/store/pglite';
import { bearer, startApi, type ApiHarness } from '../support/api';

/** The review state of the served translations, through the API: read by any officer's key. */
describe('GET /api/v1/translations', () => {
  let api: ApiHarness;
  let key: string;

  beforeAll(async () => {
    api = await startApi(await PgliteDatabase.open(undefined));
    key = (await api.keyFor('mssd', 'MSSD officer')).key;
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('lists each language with its fallback, what citizens see of its drafts, and its counts', async () => {
    const response = await request(api.app).get('/api/v1/translations').set(bearer(key));
    expect(response.status).toBe(200);
    const byCode = Object.fromEntries((response.body.items as { code: string; total: number; counts: Record<string, number> }[]).map((item) => [item.code, item]));
    expect(Object.keys(byCode).sort()).toEqual(['bn', 'fil', 'mdh', 'mrw', 'tsg']);
    expect(byCode.tsg).toMatchObject({ name: 'Bahasa Sug', english: 'Tausug', fallback: 'fil', drafts: 'fallback', direction: 'ltr', counts: { reviewed: 0, stale: 0 } });
    expect(byCode.mdh).toMatchObject({ drafts: 'show', counts: { reviewed: 0 } });
    const tsg = byCode.tsg;
    expect(tsg.counts.draft).toBeGreaterThan(20);
    expect(tsg.counts.draft + tsg.counts.fallback).toBe(tsg.total);
  });

  it("lists one language's strings with source, text and state, filtered by state", async () => {
    const all = await request(api.app).get('/api/v1/translations/mdh').set(bearer(key));
    expect(all.status).toBe(200);
    expect(all.body.items).toContainEqual({ key: 'dialogs:menu.help', source: 'Help', text: 'Tabang', state: 'draft', reviewedBy: null, reviewedAt: null });
    expect(all.body.items).toContainEqual(expect.objectContaining({ key: 'dialogs:browse.categories', text: null, state: 'fallback' }));
    const drafts = await request(api.app).get('/api/v1/translations/mdh?state=draft').set(bearer(key));
    expect((drafts.body.items as { state: string }[]).every((item) => item.state === 'draft')).toBe(true);
    expect(drafts.body.items.length).toBeLessThan(all.body.items.length);
  });

  it('answers 400 for a language it does not have or a state that is none, and 401 without a key', async () => {
    expect((await request(api.app).get('/api/v1/translations/klingon').set(bearer(key))).status).toBe(400);
    expect((await request(api.app).get('/api/v1/translations/mdh?state=approved').set(bearer(key))).status).toBe(400);
    expect((await request(api.app).get('/api/v1/translations/mdh?extra=1').set(bearer(key))).status).toBe(400);
    expect((await request(api.app).get('/api/v1/translations')).status).toBe(401);
  });
});
