import request from 'supertest';
import type { Database } from '../../src/store/sql';
import { ADMIN_KEY, bearer, startApi, type ApiHarness } from '../support/api';
import { seedSubscribers } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/**
 * Finding 4 of issue 12: the drafter of a large broadcast made a second key with POST /keys
 * and approved the broadcast with it. Now every key names its holder, only a super-admin or a
 * ministry's admin key makes keys (never with more rights than its own), and the second
 * approval must come from another person: a holder who neither drafted nor scheduled it, with a
 * key neither of them made.
 */
describe.each(databaseBackends())('people, not keys, on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db, { BROADCAST_APPROVAL_THRESHOLD: '2', BROADCAST_QUIET_HOURS: 'off' });
    const [{ code }] = await db.query<{ code: string }>('SELECT code FROM municipalities ORDER BY code LIMIT 1');
    await seedSubscribers(db, { count: 6, topic: 'aid-payouts', municipalities: [code] });
  });
  afterAll(async () => {
    await api.context.close();
  });

  const post = (path: string, key: string, body: object = {}) => request(api.app).post(`/api/v1${path}`).set(bearer(key)).send(body);

  /** A drafted and scheduled broadcast of MSSD that waits for a second approval. */
  async function pendingBroadcast(drafter: string): Promise<number> {
    const drafted = await post('/broadcasts', drafter, { topic: 'aid-payouts', texts: { en: 'Payout on Friday at the municipal hall.' } });
    expect(drafted.status).toBe(201);
    const scheduled = await post(`/broadcasts/${drafted.body.id}/schedule`, drafter);
    expect(scheduled.body.status).toBe('pending_approval');
    return drafted.body.id as number;
  }

  it("refuses the drafter's self-made second key: an officer's key makes no keys", async () => {
    const drafter = await api.keyFor('mssd', 'Datu Officer');
    const id = await pendingBroadcast(drafter.key);
    // The attack of the finding: a second key, made with the drafter's own key.
    const minted = await post('/keys', drafter.key, { ministry: 'mssd', name: 'my approver', holder: 'A. Nother Person' });
    expect([minted.status, minted.body.error]).toEqual([403, expect.stringContaining("only a super-admin or the ministry's admin key can make or revoke keys")]);
    expect((await post(`/broadcasts/${id}/approve`, drafter.key)).status).toBe(409);
    expect((await request(api.app).get(`/api/v1/broadcasts/${id}`).set(bearer(ADMIN_KEY))).body.status).toBe('pending_approval');
  });

  it("refuses a ministry admin who drafts, makes a key for a made-up second person, and approves with it", async () => {
    const admin = await api.keyFor('mssd', 'Bai Admin', { role: 'admin' });
    const id = await pendingBroadcast(admin.key);
    const minted = await post('/keys', admin.key, { ministry: 'mssd', name: 'approver', holder: 'Made-up Person' });
    expect(minted.status).toBe(201);
    const refused = await post(`/broadcasts/${id}/approve`, minted.body.key);
    expect([refused.status, refused.body.error]).toEqual([409, expect.stringContaining('a second person must approve: this key is held by Made-up Person (made by Bai Admin)')]);
  });

  it('refuses a second key of the same person, however its holder is spelled', async () => {
    const first = await api.keyFor('mssd', 'office pc', { holder: 'Amina Lidasan' });
    const second = await api.keyFor('mssd', 'laptop', { holder: '  amina   LIDASAN ' });
    const id = await pendingBroadcast(first.key);
    const refused = await post(`/broadcasts/${id}/approve`, second.key);
    expect([refused.status, refused.body.error]).toEqual([409, expect.stringContaining('a second person must approve')]);
  });

  it('lets another person approve, and the audit log names both holders', async () => {
    const drafter = await api.keyFor('mssd', 'desk 1', { holder: 'Norhaya Mamalo' });
    const approver = await api.keyFor('mssd', 'desk 2', { holder: 'Jamal Ampatuan' });
    const id = await pendingBroadcast(drafter.key);
    const approved = await post(`/broadcasts/${id}/approve`, approver.key);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'scheduled', approvedBy: approver.id, createdBy: drafter.id });
    const [entry] = await db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'broadcast.approve' AND target = $1", [`broadcast:${id}`]);
    expect(entry.details).toMatchObject({ draftedBy: { key: drafter.id, holder: 'Norhaya Mamalo' }, approvedBy: { key: approver.id, holder: 'Jamal Ampatuan' } });
  });

  it('lets a ministry admin make keys for its own ministry only, never a super-admin key, and lists every key with its holder and role', async () => {
    const admin = await api.keyFor('mssd', 'MSSD keys', { role: 'admin' });
    const officer = await post('/keys', admin.key, { ministry: 'mssd', name: 'new officer', holder: 'Sittie Ali' });
    expect(officer.body).toMatchObject({ role: 'officer', holder: 'Sittie Ali', ministry: 'mssd' });
    expect((await post('/keys', admin.key, { ministry: 'mssd', name: 'deputy', holder: 'Deputy', role: 'admin' })).status).toBe(201);
    expect((await post('/keys', admin.key, { ministry: null, name: 'root', holder: 'Me' })).status).toBe(403);
    expect((await post('/keys', admin.key, { ministry: 'moh', name: 'other', holder: 'Me' })).status).toBe(403);
    // A holder is required, and is a name.
    const nameless = await post('/keys', admin.key, { ministry: 'mssd', name: 'nameless' });
    expect([nameless.status, nameless.body.issues[0].path]).toEqual([400, 'body.holder']);
    const listed = await request(api.app).get('/api/v1/keys').set(bearer(admin.key));
    expect(listed.body.items.find((item: { id: number }) => item.id === officer.body.id)).toMatchObject({ holder: 'Sittie Ali', role: 'officer' });
    const envKey = (await request(api.app).get('/api/v1/keys').set(bearer(ADMIN_KEY))).body.items.find((item: { source: string }) => item.source === 'env');
    expect(envKey).toMatchObject({ holder: 'ADMIN_API_KEY (operator)', role: 'admin', ministry: null });
  });
});
