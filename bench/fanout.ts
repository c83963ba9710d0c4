import { loadConfig } from '../src/config';
import { createI18n } from '../src/i18n';
import { Outbox } from '../src/outbox/outbox';
import { CLI_ACTOR, keyActor } from '../src/services/access';
import { createAdminServices } from '../src/services/admin';
import { ApiKeyService } from '../src/services/api-keys';
import { unsolicitedSmsBudget } from '../src/services/unsolicited-sms';
import { MemoryEphemeralStore } from '../src/store/memory-ephemeral';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { benchDatabase, instantProvider, seedSubscribers, since } from './ministries-support';

/**
 * Broadcast fan-out time, run by hand (`npm run bench:fanout`; SIZES=10000,100000 by default; `npm run
 * bench` measures 1,000,000 with `measureFanOut`):
 * for each size, a fresh database with that many subscribers of one topic, then the time to
 * preview the broadcast, to schedule it (which counts the audience for the approval rule) and
 * to fan it out (one INSERT … SELECT into the outbox). Not a test: figures depend on the machine.
 */
const SIZES = (process.env.SIZES ?? '10000,100000').split(',').map(Number);

/** What one fan-out measured, in milliseconds. */
export interface FanOutFigures {
  engine: string;
  subscribers: number;
  messages: number;
  seededMs: number;
  previewMs: number;
  scheduleMs: number;
  fanOutMs: number;
  estimatedSeconds: number;
}

/** Seeds `size` subscribers in a fresh database, then times preview, schedule and fan-out of one broadcast to them. */
export async function measureFanOut(size: number): Promise<FanOutFigures> {
  const { db, engine, close } = await benchDatabase();
  try {
    let start = performance.now();
    await seedSubscribers(db, size, 'aid-payouts');
    const seededMs = since(start);
    const config = loadConfig({ BROADCAST_QUIET_HOURS: 'off', BROADCAST_APPROVAL_THRESHOLD: String(10 * size) });
    const services = createAdminServices({
      db,
      config,
      i18n: createI18n('en'),
      outbox: new Outbox(db),
      sendingChannels: [instantProvider('sms', 100), instantProvider('telegram', 25)],
      queued: () => undefined,
      catalogChanged: () => undefined,
      // Fan-out sends no unsolicited SMS; the admin services need the budget all the same.
      unsolicitedSms: unsolicitedSmsBudget(config, { db, store: new MemoryEphemeralStore(), log: createLogger('silent'), metrics: createMetrics(false) }),
    });
    const { record } = await new ApiKeyService(db).create(CLI_ACTOR, { ministryCode: 'mssd', name: 'bench', holder: 'bench' }, 'cli');
    const officer = keyActor(record.id, 'mssd');
    const broadcast = await services.broadcasts.create(officer, {
      ministryCode: 'mssd',
      topic: 'aid-payouts',
      municipalities: null,
      channels: null,
      languages: null,
      texts: { en: 'Aid payout at the municipal hall on Friday from 8:00.', fil: 'Ayuda sa munisipyo sa Biyernes mula 8:00.', bn: 'শুক্রবার সকাল ৮টা থেকে পৌরসভায় ভাতা বিতরণ।' },
      defaultLocale: 'en',
      emergency: false,
    });
    start = performance.now();
    const preview = await services.broadcasts.preview(officer, broadcast.id);
    const previewMs = since(start);
    start = performance.now();
    await services.broadcasts.schedule(officer, broadcast.id);
    const scheduleMs = since(start);
    start = performance.now();
    await services.broadcasts.fanOutDue();
    const fanOutMs = since(start);
    const [{ count }] = await db.query<{ count: string }>('SELECT count(*) AS count FROM outbox WHERE broadcast_id = $1', [broadcast.id]);
    return { engine, subscribers: size, messages: Number(count), seededMs, previewMs, scheduleMs, fanOutMs, estimatedSeconds: preview.estimatedSeconds };
  } finally {
    await close();
  }
}

async function run(size: number): Promise<void> {
  const figures = await measureFanOut(size);
  process.stdout.write(
    `${figures.engine}: ${size.toLocaleString('en')} subscribers (seeded in ${figures.seededMs} ms) → ${figures.messages.toLocaleString('en')} messages; ` +
      `preview ${figures.previewMs} ms, schedule ${figures.scheduleMs} ms, fan-out ${figures.fanOutMs} ms (${Math.round(figures.messages / (figures.fanOutMs / 1000)).toLocaleString('en')} rows/s); ` +
      `estimated ${figures.estimatedSeconds} s to send\n`,
  );
}

async function main(): Promise<void> {
  for (const size of SIZES) await run(size);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`fan-out benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
