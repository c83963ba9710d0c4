import { SMS_CHANNEL } from '../../../src/channels/sms';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { FakeAggregator, providerEnv } from '../../channels/outbound-sms/fake-aggregators';
import { startLingkod } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import { sendingBroadcast } from './support';

const MESSAGES = 40;
const FAILURES = 3;
/** Robi numbers (+88018…): both routes carry broadcasts there; SSL Wireless is cheaper. */
const phone = (index: number) => `tel:+8801810${String(index).padStart(6, '0')}`;

/**
 * A broadcast through the real composition root and dispatcher, over real HTTP to loopback fakes
 * of two providers' documented APIs. The cheap route starts refusing mid-broadcast (an outage's 503): its circuit breaker for Robi opens after SMS_BREAKER_FAILURES refusals in a
 * row and the rest of the broadcast goes through the other route. Nothing is lost, and no
 * message is accepted twice.
 */
describe.each(databaseBackends())('a route that starts failing mid-broadcast on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let cheap: FakeAggregator;
  let other: FakeAggregator;

  beforeAll(async () => {
    cheap = await new FakeAggregator('sslwireless').start();
    other = await new FakeAggregator('m360').start();
    db = await backend.open();
    ({ context } = await startLingkod(db, {
      ...providerEnv('sslwireless', cheap.base),
      ...providerEnv('m360', other.base),
      SSLWIRELESS_RATE_PER_SECOND: '200',
      M360_RATE_PER_SECOND: '200',
      SMS_ROUTES: 'sslwireless networks=robi,grameenphone cost=0.25; m360 networks=robi kinds=broadcast,emergency cost=0.40',
      SMS_BREAKER_FAILURES: String(FAILURES),
      SMS_BREAKER_COOLDOWN_SECONDS: '600',
    }));
  });
  afterAll(async () => {
    await context.close();
    await cheap.stop();
    await other.stop();
  });

  it('moves the rest to the next route: every message accepted exactly once, refusals bounded by the messages in flight', async () => {
    const { broadcastId: BROADCAST } = await sendingBroadcast(db, 'mssd');
    cheap.failing = { after: 10, answer: { status: 503, body: 'Service Unavailable' } };
    for (let index = 0; index < MESSAGES; index++) {
      await context.outbox.enqueue({ address: phone(index), channel: SMS_CHANNEL, body: `Flood warning ${index}: go to the evacuation centre`, kind: 'broadcast', broadcastId: BROADCAST });
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      await context.dispatcher.runOnce();
      const [{ waiting }] = await db.query<{ waiting: string }>("SELECT count(*) AS waiting FROM outbox WHERE broadcast_id = $1 AND status IN ('queued', 'sending')", [BROADCAST]);
      if (Number(waiting) === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Each text ends with its VERIFY line; the first line names the message.
    const firstLine = (text: unknown) => String(text).split('\n')[0];
    const accepted = [...cheap.received.slice(0, 10).map((fields) => firstLine(fields.sms)), ...other.received.map((fields) => firstLine(fields.content))];
    const bodies = Array.from({ length: MESSAGES }, (_, index) => `Flood warning ${index}: go to the evacuation centre`);
    expect([...accepted].sort()).toEqual([...bodies].sort());
    // Refused after the flip: the breaker's threshold, plus what was already in flight when it opened.
    const refused = cheap.received.length - 10;
    expect(refused).toBeGreaterThanOrEqual(FAILURES);
    expect(refused).toBeLessThanOrEqual(FAILURES + 100);

    const rows = await db.query<{ route: string; network: string; status: string; count: string }>(
      'SELECT route, network, status, count(*) AS count FROM outbox WHERE broadcast_id = $1 GROUP BY route, network, status ORDER BY route',
      [BROADCAST],
    );
    expect(rows.map((row) => ({ ...row, count: Number(row.count) }))).toEqual([
      { route: 'm360', network: 'robi', status: 'sent', count: MESSAGES - 10 },
      { route: 'sslwireless', network: 'robi', status: 'sent', count: 10 },
    ]);
  });

  it('holds a status update that only the open route carries: queued again, the attempt not counted', async () => {
    const id = await context.outbox.enqueue({ address: phone(99), channel: SMS_CHANNEL, body: 'Your request was received', kind: 'status' });
    await context.dispatcher.runOnce();
    const [row] = await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM outbox WHERE id = $1', [id]);
    // Only SSL Wireless carries status updates to Robi, and its breaker is open: held, the attempt not counted.
    expect(row).toEqual({ status: 'queued', attempts: 0 });
  });
});
