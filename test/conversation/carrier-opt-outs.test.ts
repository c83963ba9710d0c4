import statusUndelivered from '../../src/channels/twilio/fixtures/status-undelivered.json';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { startLingkod } from '../support/app';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, messageSid, postSigned } from '../channels/sms/support';
import type { Express } from 'express';

/**
 * A provider's "this number unsubscribed" (Twilio 21610) opts that citizen out of
 * announcements. During a provider's outage or misconfiguration such errors can arrive for
 * everyone at once: past CARRIER_OPT_OUTS_PER_HOUR in an hour, no more citizens are opted out
 * (each is counted and an alert is logged instead), so an outage never unsubscribes a region.
 */
describe.each(databaseBackends())('opt-outs reported by a provider, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: { lines: string[] };

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db, { ...TWILIO_ENV, CARRIER_OPT_OUTS_PER_HOUR: '3' }));
  });
  afterAll(async () => {
    await context.close();
  });

  const optedOut = async (number: string) =>
    (await db.query<{ opted_out: boolean }>('SELECT c.opted_out FROM citizens c JOIN citizen_addresses a ON a.citizen_id = c.id WHERE a.address = $1', [`tel:${number}`]))[0]?.opted_out;

  it('opts out the first few, then keeps the rest subscribed and raises an alert instead', async () => {
    const numbers = Array.from({ length: 8 }, (_, index) => `+6391755700${String(index).padStart(2, '0')}`);
    for (const number of numbers) await context.citizens.findOrCreate(`tel:${number}`, 'sms');
    for (const number of numbers) {
      const callback = { ...statusUndelivered, ErrorCode: '21610', To: number, MessageSid: messageSid() };
      expect((await postSigned(app, '/sms/twilio/status', callback)).status).toBe(200);
    }
    const states = await Promise.all(numbers.map(optedOut));
    expect(states.filter(Boolean)).toHaveLength(3);
    expect(states.slice(0, 3)).toEqual([true, true, true]);
    expect(states.slice(3)).toEqual([false, false, false, false, false]);
    const alerts = logs.lines.filter((line) => line.includes('carrier opt-outs past CARRIER_OPT_OUTS_PER_HOUR'));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((line) => /"level":50/.test(line))).toBe(true);
    for (const number of numbers) expect(logs.lines.join('\n')).not.toContain(number.slice(1));
  });
});
