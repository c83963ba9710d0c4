import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { measureFanOut } from './fanout';
import { benchPhone, type LoadPlan, type LoadResult } from './load';
import { benchDatabase } from './ministries-support';
import { measureDispatcher, measureLimiter, measureRouting } from './outbox-rates';
import { canPin, cpuSeconds, freePort, LOAD_CORE, peakRssMb, pin, ROOT, runLoad, SERVER_CORE, startNode, waitForHttp, waitForLine, type Child } from './processes';
import { markdown, targets, writeResults, type Results, type UssdFigures } from './report';
import { openBenchStores, type BenchStores } from './stores';

/**
 * `npm run bench`: every figure of issue 7 in one run, side by side, written to
 * bench/RESULTS.md. Starts what it needs: a PostgreSQL database of its own on the shared server
 * and a Redis database index of its own (bench/stores.ts), each server under test as a child
 * process pinned to core 0, and each load generator as a child process pinned to core 1.
 *
 * Settings (environment): BENCH_SECONDS (15) per USSD measurement, BENCH_SESSIONS (10000) live
 * sessions for the memory figures, BENCH_FANOUT (1000000) recipients of the broadcast, BENCH_MESSAGES (30000)
 * for the dispatcher, BENCH_RATE (500) for the limiter, BENCH_ONLY (a comma list of ussd,
 * webhooks, memory, outbox, embedded; RESULTS.md is written only by a full run), BENCH_SERVERS (a
 * comma list of bare, peer, lingkod: which USSD servers the ussd phase measures),
 * BENCH_PROFILE=1 (Lingkod runs with --cpu-prof; profiles go to bench/profiles/), BENCH_LINGKOD_ROOT
 * (measure the Lingkod built in another checkout, e.g. before a change).
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1_000_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const ONLY = process.env.BENCH_ONLY?.split(',').map((phase) => phase.trim());
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_DIR = path.join(ROOT, 'bench', 'profiles');

/** The journey every simulated caller walks after the dial: Services → a category → a service → back → back → another category → a service. */
const JOURNEY = ['1', '1', '2', '0', '0', '2', '1'];
/** Lingkod's first screen for a caller never seen before; the load generator answers it `1` (English). */
const LANGUAGE_MARKER = 'Choose your language';
/** Lingkod's polite END when a hop failed on our side: counted as an error. */
const FAILURE_MARKER = 'the service is busy';
/** Secrets of the bench's own Lingkod (never a real account). */
const TWILIO_TOKEN = 'bench-twilio-auth-token';
const TELEGRAM_SECRET = 'bench-telegram-secret';
/** The USSD gateway's token (USSD_TOKEN), in the callback URL as Africa's Talking sends it. */
const USSD_TOKEN = 'bench-ussd-Xk7Qw2Lm9Rv4Tz8Bn5Cy1Pf6Hj0';
const USSD_PATH = `/ussd/africastalking?token=${USSD_TOKEN}`;

const SERVERS = process.env.BENCH_SERVERS?.split(',').map((server) => server.trim());
const phase = (name: string) => !ONLY || ONLY.includes(name);
const server = (name: string) => !SERVERS || SERVERS.includes(name);
const say = (line: string) => process.stdout.write(`${line}\n`);
/** Lingkod as built in this repository, or in another checkout (BENCH_LINGKOD_ROOT) for a before/after comparison. */
const lingkodMain = path.join(process.env.BENCH_LINGKOD_ROOT ?? ROOT, 'dist', 'src', 'main.js');

function ussdPlan(port: number, urlPath: string, users: number, seconds: number, lingkod: boolean): LoadPlan {
  return { kind: 'ussd', port, path: urlPath, users, seconds, journey: JOURNEY, phoneBase: 0, ...(lingkod ? { languageMarker: LANGUAGE_MARKER, failureMarker: FAILURE_MARKER } : {}) };
}

const summary = (result: LoadResult) =>
  `${result.perSecond.toLocaleString('en')}/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.errors} errors${result.errorSamples.length ? ` (${result.errorSamples.join('; ')})` : ''}` +
  (result.serverCpuMs !== undefined ? `, server CPU ${result.serverCpuMs} ms per request` : '');

/**
 * Runs a load against a server and adds the server's CPU time per request: on a machine
 * shared with others, throughput follows whatever else runs on the server's core, while the
 * CPU a request costs does not (much).
 */
async function measured(child: Child, plan: LoadPlan): Promise<LoadResult> {
  const before = cpuSeconds(child.pid);
  const result = await runLoad<LoadResult>(plan);
  const used = cpuSeconds(child.pid) - before;
  return { ...result, serverCpuMs: result.requests > 0 ? Math.round((used * 1e5) / result.requests) / 100 : undefined };
}

/** Warms a server up, then measures it with 50 and with 1,000 simulated callers. */
async function measureUssd(name: string, port: number, urlPath: string, lingkod: boolean, child: Child): Promise<UssdFigures> {
  await runLoad<LoadResult>(ussdPlan(port, urlPath, 50, 3, lingkod));
  const at50 = await measured(child, ussdPlan(port, urlPath, 50, SECONDS, lingkod));
  say(`  ${name}, 50 users: ${summary(at50)}`);
  const at1000 = await measured(child, ussdPlan(port, urlPath, 1000, SECONDS, lingkod));
  say(`  ${name}, 1,000 users: ${summary(at1000)}`);
  return { at50, at1000, rssMb: child.rssMb() };
}

/** Starts one of bench/servers/*.ts on the server core; resolves once it listens. */
async function startBenchServer(file: string, env: Record<string, string> = {}): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = startNode([path.join(ROOT, 'dist', 'bench', 'servers', file)], { PORT: String(port), ...env }, file === 'fake-provider.js' ? LOAD_CORE : SERVER_CORE);
  await waitForLine(child, /listening \d+/);
  return { child, port };
}

/** A fake Telegram Bot API for the bench's Lingkod: getMe, and every send accepted. */
async function fakeBotApi(): Promise<{ server: Server; port: number }> {
  let messageId = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop() ?? '';
      const result =
        method === 'getMe'
          ? { id: 7000000001, is_bot: true, first_name: 'Lingkod', username: 'lingkod_bench_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false }
          : method === 'sendMessage'
            ? { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id: 1, type: 'private' }, text: '' }
            : true;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Lingkod as deployed: `node dist/src/main.js` with PostgreSQL, Redis, Twilio and Telegram configured. */
async function startLingkod(stores: BenchStores, botApiPort: number): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  if (PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
  const args = [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), lingkodMain];
  const child = startNode(
    args,
    {
      PORT: String(port),
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: stores.redisUrl,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: '+15005550006',
      TELEGRAM_BOT_TOKEN: '7000000001:bench-token',
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${botApiPort}`,
      SMS_REPLIES_PER_MINUTE: '1000',
      BROADCAST_QUIET_HOURS: 'off',
      USSD_TOKEN,
      ADMIN_API_KEY: '',
    },
    SERVER_CORE,
  );
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, child);
  return { child, port };
}

async function ussdAndWebhooks(stores: BenchStores, results: Results): Promise<void> {
  if (phase('ussd') && server('bare')) {
    say('USSD: bare Express 5 route');
    const bare = await startBenchServer('bare-express.js');
    results.ussd.bare = await measureUssd('bare Express', bare.port, '/ussd', false, bare.child);
    await bare.child.stop();
  }
  if (phase('ussd') && server('peer')) {
    say('USSD: ussd-menu-builder with a Redis session store');
    try {
      const peer = await startBenchServer('menu-builder.js', { REDIS_URL: stores.redisUrl });
      results.ussd.menuBuilder = await measureUssd('ussd-menu-builder', peer.port, '/ussd', false, peer.child);
      await peer.child.stop();
    } catch (error) {
      results.menuBuilderProblem = `could not be measured: ${(error as Error).message.slice(0, 300)}`;
      say(`  ${results.menuBuilderProblem}`);
    }
  }
  if (!phase('ussd') && !phase('webhooks') && !phase('memory')) return;

  say('Lingkod (PostgreSQL + Redis)');
  const botApi = await fakeBotApi();
  const lingkod = await startLingkod(stores, botApi.port);
  try {
    // Every caller the runs use chooses a language once (a first dial), as returning callers have.
    await runLoad<LoadResult>({ kind: 'open-sessions', port: lingkod.port, path: USSD_PATH, users: 100, count: 1000, inputs: [], phoneBase: 0, languageMarker: LANGUAGE_MARKER });
    if (phase('ussd') && server('lingkod')) results.ussd.lingkod = await measureUssd('Lingkod', lingkod.port, USSD_PATH, true, lingkod.child);

    if (phase('webhooks')) {
      say('Webhooks');
      const twilioPlan: LoadPlan = { kind: 'twilio', port: lingkod.port, users: 50, seconds: 10, token: TWILIO_TOKEN, publicUrl: `http://127.0.0.1:${lingkod.port}`, body: 'MENU', phones: 20_000 };
      await runLoad<LoadResult>({ ...twilioPlan, seconds: 2 });
      const twilio = await measured(lingkod.child, twilioPlan);
      say(`  Twilio: ${summary(twilio)}`);
      const telegramPlan: LoadPlan = { kind: 'telegram', port: lingkod.port, users: 50, seconds: 10, secret: TELEGRAM_SECRET, text: '/menu', chats: 20_000 };
      await runLoad<LoadResult>({ ...telegramPlan, seconds: 2 });
      const telegram = await measured(lingkod.child, telegramPlan);
      say(`  Telegram: ${summary(telegram)}`);
      results.webhooks = { twilio, telegram };
    }

    if (phase('memory')) {
      say(`Memory: ${SESSIONS.toLocaleString('en')} live USSD sessions`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const rssIdleMb = lingkod.child.rssMb() ?? 0;
      const phoneBase = 100_000;
      const opened = await runLoad<LoadResult>({ kind: 'open-sessions', port: lingkod.port, path: USSD_PATH, users: 200, count: SESSIONS, inputs: ['1', '1'], phoneBase, languageMarker: LANGUAGE_MARKER });
      const rssWithSessionsMb = lingkod.child.rssMb() ?? 0;
      const step = Math.max(1, Math.floor(SESSIONS / 1000));
      const keys = Array.from({ length: Math.ceil(SESSIONS / step) }, (_, index) => `lk:dialog:tel:${benchPhone(phoneBase + index * step)}`);
      const { bytes, valueLengths } = await stores.memoryUsage(keys);
      const mean = (values: number[]) => Math.round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length));
      results.memory = {
        sessions: SESSIONS,
        openedIn: opened.seconds,
        errors: opened.errors,
        bytesPerSession: mean(bytes),
        maxBytes: Math.max(0, ...bytes),
        jsonBytes: mean(valueLengths),
        rssIdleMb,
        rssWithSessionsMb,
      };
      say(`  ${mean(bytes)} bytes per session in Redis (${bytes.length} keys sampled); RSS ${rssIdleMb} MB idle, ${rssWithSessionsMb} MB with ${SESSIONS} sessions`);
    }
  } finally {
    await lingkod.child.stop();
    await new Promise((resolve) => botApi.server.close(resolve));
  }
}

async function outbox(stores: BenchStores, results: Results): Promise<void> {
  say(`Broadcast fan-out: ${FANOUT.toLocaleString('en')} recipients`);
  // One subscriber in 25 has opted out (seedSubscribers), so this many subscribers make FANOUT recipients.
  results.fanOut = await measureFanOut(Math.ceil((FANOUT * 25) / 24));
  say(`  fan-out ${results.fanOut.fanOutMs} ms (${results.fanOut.messages.toLocaleString('en')} messages; seeding took ${results.fanOut.seededMs} ms)`);

  const provider = await startBenchServer('fake-provider.js');
  const { db, close } = await benchDatabase();
  try {
    say(`Dispatcher: ${MESSAGES.toLocaleString('en')} messages to a local fake provider, no limit`);
    results.dispatcher = await measureDispatcher(db, `http://127.0.0.1:${provider.port}`, MESSAGES);
    say(`  ${results.dispatcher.perSecond} msg/s`);
    say(`Dispatcher with SMS routing: ${MESSAGES.toLocaleString('en')} SMS, without and with the router, one and two dispatchers`);
    results.routing = await measureRouting(db, `http://127.0.0.1:${provider.port}`, stores.redisUrl, MESSAGES);
    say(`  without ${results.routing.direct.one}/${results.routing.direct.two} msg/s, with ${results.routing.routed.one}/${results.routing.routed.two} msg/s (one/two dispatchers)`);
    say(`Rate limiter: two dispatchers sharing the Redis bucket at ${RATE}/s`);
    results.limiter = await measureLimiter(db, `http://127.0.0.1:${provider.port}`, stores.redisUrl, RATE, 10);
    say(`  ${results.limiter.measuredPerSecond}/s (${results.limiter.deviationPercent} %)`);
  } finally {
    await close();
    await provider.child.stop();
  }
}

async function embedded(results: Results): Promise<void> {
  say('Embedded default: PGlite and memory in a fresh DATA_DIR');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lingkod-bench-embedded-'));
  try {
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn', USSD_TOKEN };
    // Start-up is timed on the whole machine, as a pilot runs it (pinned to one core, V8's
    // background compilation of PGlite's WASM competes with the start itself); the load that
    // follows runs pinned, as the other servers'.
    const first = startNode([lingkodMain], env);
    const firstStartMs = await waitForHttp(`http://127.0.0.1:${port}/readyz`, first);
    const firstRssMb = first.rssMb() ?? 0;
    const firstPeakMb = peakRssMb(first.pid) ?? 0;
    pin(first.pid, SERVER_CORE);
    const hops = await runLoad<LoadResult>(ussdPlan(port, USSD_PATH, 50, 10, true));
    const afterLoadRssMb = first.rssMb() ?? 0;
    const peakMb = peakRssMb(first.pid) ?? 0;
    await first.stop();
    const second = startNode([lingkodMain], env);
    const restartMs = await waitForHttp(`http://127.0.0.1:${port}/readyz`, second);
    const restartRssMb = second.rssMb() ?? 0;
    await second.stop();
    results.embedded = { firstStartMs, firstRssMb, firstPeakMb, hops, afterLoadRssMb, restartMs, restartRssMb, peakMb: Math.max(peakMb, firstPeakMb) };
    say(`  first start ${Math.round(firstStartMs)} ms (RSS ${firstRssMb} MB), ${summary(hops)}, RSS ${afterLoadRssMb} MB; restart ${Math.round(restartMs)} ms (RSS ${restartRssMb} MB)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const stores = await openBenchStores();
  const results: Results = {
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: os.totalmem() / 2 ** 30,
      loadBefore: os.loadavg(),
      loadAfter: [],
      node: process.version,
      postgres: `PostgreSQL ${stores.postgresVersion}`,
      redis: `Redis ${stores.redisVersion}`,
      pinned: canPin(),
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    seconds: SECONDS,
    ussd: { bare: {}, menuBuilder: {}, lingkod: {} },
  };
  say(`Lingkod bench on ${results.machine.cpus} × ${results.machine.cpuModel}, load average ${results.machine.loadBefore.map((value) => value.toFixed(2)).join(' ')}`);
  try {
    await ussdAndWebhooks(stores, results);
    if (phase('outbox')) await outbox(stores, results);
    if (phase('embedded')) await embedded(results);
  } finally {
    await stores.close();
  }
  results.machine.loadAfter = os.loadavg();
  say('');
  say(markdown(results));
  const missed = targets(results).filter((target) => target.met === false);
  say('');
  say(`${missed.length === 0 ? 'Every target measured was met.' : `Missed: ${missed.map((target) => target.what).join('; ')}.`} (${Math.round((performance.now() - started) / 1000)} s)`);
  if (!ONLY) {
    writeResults(path.join(ROOT, 'bench', 'RESULTS.md'), results);
    say('Written to bench/RESULTS.md.');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
