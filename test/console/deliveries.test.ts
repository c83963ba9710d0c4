import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppContext } from '../../src/context';
import { CLI_ACTOR } from '../../src/services/access';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { sendingBroadcast } from '../outbox/routing/support';

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** One message of the broadcast in a given state, as the dispatcher and the delivery reports leave it. */
interface Seed {
  phone: string;
  route: string | null;
  network: string | null;
  status: string;
  error?: string;
  doubt?: string;
  attempts?: number;
  later?: boolean;
}

describe('delivery per broadcast and per route in the console', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let broadcastId: number;
  const keys = { mssd: '', moh: '', admin: '' };

  async function signedIn(key: string): Promise<TestAgent> {
    const agent = request.agent(app);
    const form = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(form.text), key }).expect(303);
    return agent;
  }

  const SEEDS: Seed[] = [
    { phone: '+639181110001', route: 'infobip', network: 'smart', status: 'delivered' },
    { phone: '+639181110002', route: 'infobip', network: 'smart', status: 'sent', doubt: 'reported delivered by infobip, whose delivery reports for Smart/TNT are not trusted' },
    { phone: '+639181110003', route: 'infobip', network: 'smart', status: 'failed', error: 'Infobip: EC_ABSENT_SUBSCRIBER (phone off or out of coverage)' },
    { phone: '+639171110004', route: 'semaphore', network: 'globe', status: 'failed', error: '=HYPERLINK("http://x","number blocked")' },
    { phone: '+639171110005', route: 'semaphore', network: 'globe', status: 'queued', error: 'HTTP 503: will retry', attempts: 1 },
    { phone: '+639171110006', route: null, network: null, status: 'queued', later: true },
    { phone: '+639171110007', route: null, network: null, status: 'queued' },
  ];

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context, app } = await startLingkod(db, { BROADCAST_QUIET_HOURS: 'off' }));
    const make = async (ministryCode: string | null, name: string) => (await context.admin.apiKeys.create(CLI_ACTOR, { ministryCode, name, holder: name }, 'cli')).key;
    keys.mssd = await make('mssd', 'MSSD officer');
    keys.moh = await make('moh', 'MOH officer');
    keys.admin = await make(null, 'Region admin');
    ({ broadcastId } = await sendingBroadcast(db, 'mssd'));
    for (const seed of SEEDS) {
      const id = await context.outbox.enqueue({ address: `tel:${seed.phone}`, channel: 'sms', body: 'Flood warning', kind: 'broadcast', broadcastId });
      await db.query(
        `UPDATE outbox SET status = $2, route = $3, network = $4, last_error = $5, delivery_doubt = $6, attempts = $7,
                not_before = CASE WHEN $8 THEN now() + interval '1 hour' ELSE not_before END,
                sent_at = CASE WHEN $2 IN ('sent', 'delivered', 'failed') THEN now() END, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
          WHERE id = $1`,
        [id, seed.status, seed.route, seed.network, seed.error ?? null, seed.doubt ?? null, seed.attempts ?? 0, seed.later ?? false],
      );
    }
  });
  afterAll(() => context.close());

  it('shows per route and network the counts in the one status model, the reasons, and the unreachable phones masked', async () => {
    const agent = await signedIn(keys.mssd);
    const broadcastPage = await agent.get(`/console/broadcasts/${broadcastId}`).expect(200);
    expect(broadcastPage.text).toContain(`/console/broadcasts/${broadcastId}/delivery`);
    const page = await agent.get(`/console/broadcasts/${broadcastId}/delivery`).expect(200);
    const count = (route: string, network: string, status: string) =>
      new RegExp(`data-route="${route}" data-network="${network}">[\\s\\S]*?data-count="${status}">(\\d+)<`).exec(page.text)?.[1];
    expect(count('infobip', 'smart', 'delivered')).toBe('1');
    expect(count('infobip', 'smart', 'sent')).toBe('1');
    expect(count('infobip', 'smart', 'doubted')).toBe('1');
    expect(count('infobip', 'smart', 'failed')).toBe('1');
    expect(count('semaphore', 'globe', 'errored')).toBe('1');
    expect(count('not yet routed', 'other', 'pending')).toBe('1');
    expect(count('not yet routed', 'other', 'queued')).toBe('1');
    expect(page.text).toContain('EC_ABSENT_SUBSCRIBER (phone off or out of coverage)');
    expect(page.text).toContain('whose delivery reports for Smart/TNT are not trusted');
    expect(page.text).toContain('+63918•••0003');
    expect(page.text).toContain('+63917•••0004');
    for (const seed of SEEDS) expect(page.text).not.toContain(seed.phone);
  });

  it('exports every message as CSV for the ministry: phones masked, a formula in a reason defused', async () => {
    const agent = await signedIn(keys.mssd);
    const csv = await agent.get(`/console/broadcasts/${broadcastId}/delivery.csv`).expect(200).expect('Content-Type', /text\/csv/);
    expect(csv.headers['content-disposition']).toContain(`broadcast-${broadcastId}-delivery.csv`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('"message","phone","network","route","status","reason","sent_at","delivered_at"');
    expect(lines).toHaveLength(SEEDS.length + 1);
    // A phone starts with +, which a spreadsheet would read as a formula: defused too.
    expect(csv.text).toContain(`"'+63918•••0003","Smart/TNT","infobip","failed"`);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://x"",""number blocked"")"`);
    for (const seed of SEEDS) expect(csv.text).not.toContain(seed.phone);
  });

  it("answers another ministry's officer 404, as for a broadcast that does not exist, and bad input 400", async () => {
    const agent = await signedIn(keys.moh);
    await agent.get(`/console/broadcasts/${broadcastId}/delivery`).expect(404);
    const csv = await agent.get(`/console/broadcasts/${broadcastId}/delivery.csv`).expect(404);
    expect(csv.text).not.toContain('+63918');
    await agent.get('/console/broadcasts/abc/delivery').expect(400);
    await agent.get('/console/broadcasts/99999999/delivery.csv').expect(404);
    await agent.get('/console/routes?days=1000').expect(400);
    // The route totals are the officer's ministry's: MOH has sent nothing.
    const routes = await agent.get('/console/routes').expect(200);
    expect(routes.text).toContain('No messages.');
  });

  it('totals per route for the ministry, and every ministry for a super-admin', async () => {
    for (const key of [keys.mssd, keys.admin]) {
      const routes = await (await signedIn(key)).get('/console/routes?days=7').expect(200);
      expect(routes.text).toMatch(/data-route="infobip" data-network="smart">[\s\S]*?data-count="failed">1</);
      expect(routes.text).toContain('aria-current="page"');
    }
  });
});
