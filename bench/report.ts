import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './load';
import type { DispatcherFigures, LimiterFigures, RoutingFigures } from './outbox-rates';
import type { FanOutFigures } from './fanout';

/**
 * Turns one bench run into the tables printed at the end and written to bench/RESULTS.md
 * (between the two markers, so the notes around them survive a rerun).
 */

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  loadBefore: number[];
  loadAfter: number[];
  node: string;
  postgres: string;
  redis: string;
  pinned: boolean;
  date: string;
}

/** One USSD server under the two loads. */
export interface UssdFigures {
  at50?: LoadResult;
  at1000?: LoadResult;
  rssMb?: number;
}

export interface Results {
  machine: Machine;
  seconds: number;
  ussd: { bare: UssdFigures; menuBuilder: UssdFigures; lingkod: UssdFigures };
  /** Why the peer could not be measured, when it could not. */
  menuBuilderProblem?: string;
  webhooks?: { twilio: LoadResult; telegram: LoadResult };
  memory?: { sessions: number; openedIn: number; errors: number; bytesPerSession: number; maxBytes: number; jsonBytes: number; rssIdleMb: number; rssWithSessionsMb: number };
  fanOut?: FanOutFigures;
  dispatcher?: DispatcherFigures;
  routing?: RoutingFigures;
  limiter?: LimiterFigures;
  embedded?: { firstStartMs: number; firstRssMb: number; firstPeakMb: number; hops?: LoadResult; afterLoadRssMb: number; restartMs: number; restartRssMb: number; peakMb: number };
}

interface Target {
  what: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

const fmt = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);

/** Every target of issue 7 with what this run measured. */
export function targets(results: Results): Target[] {
  const { bare, menuBuilder, lingkod } = results.ussd;
  const list: Target[] = [];
  const throughput = (over: UssdFigures, minimum: number, what: string, goal: string) => {
    const at50 = ratio(lingkod.at50?.perSecond, over.at50?.perSecond);
    const at1000 = ratio(lingkod.at1000?.perSecond, over.at1000?.perSecond);
    // The same comparison by CPU per hop, which moves less with whatever else shares the machine.
    const byCpu = ratio(over.at50?.serverCpuMs, lingkod.at50?.serverCpuMs);
    list.push({
      what,
      goal,
      measured: `${fmt(at50, 2)}× at 50 users, ${fmt(at1000, 2)}× at 1,000 (by server CPU per hop at 50 users: ${fmt(byCpu, 2)}×)`,
      met: at50 === undefined || at1000 === undefined ? undefined : at50 >= minimum && at1000 >= minimum,
    });
  };
  throughput(bare, 0.6, 'USSD hops/s vs bare Express', '≥ 0.6×');
  if (results.menuBuilderProblem) list.push({ what: 'USSD hops/s vs ussd-menu-builder + Redis', goal: '≥ 1.2×', measured: results.menuBuilderProblem, met: undefined });
  else throughput(menuBuilder, 1.2, 'USSD hops/s vs ussd-menu-builder + Redis', '≥ 1.2×');
  const p99Ratio = ratio(lingkod.at50?.p99, bare.at50?.p99);
  list.push({ what: 'USSD p99 at 50 users vs bare Express', goal: '≤ 1.5×', measured: `${fmt(lingkod.at50?.p99, 1)} ms vs ${fmt(bare.at50?.p99, 1)} ms = ${fmt(p99Ratio, 2)}×`, met: p99Ratio === undefined ? undefined : p99Ratio <= 1.5 });
  const at1000 = lingkod.at1000;
  list.push({
    what: 'USSD at 1,000 users',
    goal: 'no errors, p99 < 1 s',
    measured: at1000 ? `${fmt(at1000.errors)} errors, p99 ${fmt(at1000.p99)} ms` : '–',
    met: at1000 ? at1000.errors === 0 && at1000.p99 < 1000 : undefined,
  });
  const memory = results.memory;
  list.push({ what: 'Redis memory per USSD session', goal: '≤ 1,024 bytes', measured: memory ? `${fmt(memory.bytesPerSession)} bytes (MEMORY USAGE, mean)` : '–', met: memory ? memory.bytesPerSession <= 1024 : undefined });
  const fanOut = results.fanOut;
  list.push({
    what: `Fan-out of ${fmt(fanOut?.messages ?? 1_000_000)} recipients (PostgreSQL)`,
    goal: '≤ 30 s',
    measured: fanOut ? `${fmt(fanOut.fanOutMs / 1000, 1)} s` : '–',
    met: fanOut ? fanOut.fanOutMs <= 30_000 : undefined,
  });
  const dispatcher = results.dispatcher;
  list.push({ what: 'Dispatcher to a local fake provider, no limit', goal: '≥ 2,000 msg/s', measured: dispatcher ? `${fmt(dispatcher.perSecond)} msg/s` : '–', met: dispatcher ? dispatcher.perSecond >= 2000 : undefined });
  const limiter = results.limiter;
  list.push({
    what: 'Rate limiter (Redis bucket, two dispatchers)',
    goal: 'within 2 % of its rate',
    measured: limiter ? `${fmt(limiter.measuredPerSecond, 1)}/s for ${fmt(limiter.ratePerSecond)}/s (${limiter.deviationPercent > 0 ? '+' : ''}${fmt(limiter.deviationPercent, 1)} %)` : '–',
    met: limiter ? Math.abs(limiter.deviationPercent) <= 2 : undefined,
  });
  const embedded = results.embedded;
  list.push({ what: 'Embedded default: first start', goal: '≤ 10 s', measured: embedded ? `${fmt(embedded.firstStartMs / 1000, 1)} s` : '–', met: embedded ? embedded.firstStartMs <= 10_000 : undefined });
  list.push({ what: 'Embedded default: restart', goal: '≤ 2 s', measured: embedded ? `${fmt(embedded.restartMs / 1000, 2)} s` : '–', met: embedded ? embedded.restartMs <= 2000 : undefined });
  const steadyRss = embedded ? Math.max(embedded.firstRssMb, embedded.afterLoadRssMb, embedded.restartRssMb) : undefined;
  list.push({
    what: 'Embedded default: RSS',
    goal: '≤ 400 MB',
    measured: embedded ? `${fmt(steadyRss)} MB (start ${fmt(embedded.firstRssMb)}, under load ${fmt(embedded.afterLoadRssMb)}, after restart ${fmt(embedded.restartRssMb)}; peak ${fmt(embedded.peakMb)})` : '–',
    met: steadyRss === undefined ? undefined : steadyRss <= 400,
  });
  return list;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The whole generated section, in Markdown. */
export function markdown(results: Results): string {
  const { machine } = results;
  const out: string[] = [];
  out.push(`Run on ${machine.date}, ${results.seconds} s per USSD measurement.`);
  out.push('');
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', `${machine.cpuModel}, ${machine.cpus} cores`],
        ['memory', `${fmt(machine.memoryGb, 1)} GB`],
        ['load average (1, 5, 15 min) before', machine.loadBefore.map((value) => fmt(value, 2)).join(', ')],
        ['load average after', machine.loadAfter.map((value) => fmt(value, 2)).join(', ')],
        ['Node.js, PostgreSQL, Redis', `${machine.node}, ${machine.postgres}, ${machine.redis}`],
        ['pinning', machine.pinned ? 'servers on core 0, load generators on core 1 (taskset); PostgreSQL and Redis unpinned' : 'none (taskset missing or one core)'],
      ],
    ),
  );
  out.push('');
  out.push('### Targets');
  out.push('');
  out.push(table(['target', 'goal', 'measured', 'met'], targets(results).map((target) => [target.what, target.goal, target.measured, target.met === undefined ? '–' : target.met ? 'yes' : '**no**'])));
  out.push('');
  out.push('### USSD: multi-hop sessions (8 hops each, text growing by `*`)');
  out.push('');
  const { bare, menuBuilder, lingkod } = results.ussd;
  const rows: string[][] = [];
  const servers: [string, UssdFigures][] = [
    ['bare Express 5 route (`CON hello`)', bare],
    ['ussd-menu-builder 1.2 + Redis', menuBuilder],
    ['Lingkod (PostgreSQL + Redis)', lingkod],
  ];
  for (const users of [50, 1000] as const) {
    for (const [name, figures] of servers) {
      const result = users === 50 ? figures.at50 : figures.at1000;
      const base = users === 50 ? bare.at50 : bare.at1000;
      const peer = users === 50 ? menuBuilder.at50 : menuBuilder.at1000;
      rows.push([
        name,
        fmt(users),
        fmt(result?.perSecond),
        fmt(result?.p50, 1),
        fmt(result?.p99, 1),
        fmt(result?.errors),
        fmt(ratio(result?.perSecond, base?.perSecond), 2),
        fmt(ratio(result?.perSecond, peer?.perSecond), 2),
        fmt(result?.serverCpuMs, 2),
        fmt(result?.cpuSeconds && result.seconds ? (100 * result.cpuSeconds) / result.seconds : undefined),
      ]);
    }
  }
  out.push(table(['server (one core)', 'users', 'hops/s', 'p50 ms', 'p99 ms', 'errors', '× bare', '× menu-builder', 'server CPU ms per hop', 'load generator CPU %'], rows));
  if (results.menuBuilderProblem) out.push('', `ussd-menu-builder: ${results.menuBuilderProblem}`);
  if (results.webhooks) {
    const { twilio, telegram } = results.webhooks;
    out.push('', '### Webhooks (Lingkod, 50 connections)', '');
    out.push(
      table(
        ['webhook', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU ms per request'],
        [
          ['Twilio inbound SMS (signed, `MENU`, TwiML reply)', fmt(twilio.perSecond), fmt(twilio.p50, 1), fmt(twilio.p99, 1), fmt(twilio.errors), fmt(twilio.serverCpuMs, 2)],
          ['Telegram update (`/menu`, reply queued in the outbox)', fmt(telegram.perSecond), fmt(telegram.p50, 1), fmt(telegram.p99, 1), fmt(telegram.errors), fmt(telegram.serverCpuMs, 2)],
        ],
      ),
    );
  }
  if (results.memory) {
    const memory = results.memory;
    out.push('', '### Memory', '');
    out.push(
      table(
        ['measure', 'value'],
        [
          ['Redis per live USSD session (MEMORY USAGE, mean of sampled keys)', `${fmt(memory.bytesPerSession)} bytes (max ${fmt(memory.maxBytes)}; value ${fmt(memory.jsonBytes)} bytes of JSON)`],
          [`service RSS, idle after the USSD runs`, `${fmt(memory.rssIdleMb)} MB`],
          [`service RSS with ${fmt(memory.sessions)} live sessions`, `${fmt(memory.rssWithSessionsMb)} MB (sessions opened in ${fmt(memory.openedIn, 1)} s, ${fmt(memory.errors)} errors)`],
        ],
      ),
    );
  }
  if (results.fanOut || results.dispatcher || results.limiter) {
    out.push('', '### Broadcasts and the outbox (PostgreSQL)', '');
    const rowsOut: string[][] = [];
    const fanOut = results.fanOut;
    if (fanOut) {
      rowsOut.push([`fan-out of one broadcast to ${fmt(fanOut.subscribers)} subscribers (1 in 25 opted out)`, `${fmt(fanOut.messages)} messages queued in ${fmt(fanOut.fanOutMs / 1000, 1)} s (${fmt(fanOut.messages / (fanOut.fanOutMs / 1000))} rows/s); preview ${fmt(fanOut.previewMs / 1000, 1)} s, schedule ${fmt(fanOut.scheduleMs / 1000, 1)} s; seeding took ${fmt(fanOut.seededMs / 1000, 1)} s`]);
    }
    const dispatcher = results.dispatcher;
    if (dispatcher) rowsOut.push(['one dispatcher, local fake provider over HTTP, no limit', `${fmt(dispatcher.perSecond)} msg/s (${fmt(dispatcher.messages)} messages in ${fmt(dispatcher.seconds, 1)} s)`]);
    const routing = results.routing;
    if (routing) {
      rowsOut.push([`SMS only (${fmt(routing.messages)}), no limit, the sms lane's own channel (no routing)`, `one dispatcher ${fmt(routing.direct.one)} msg/s, two ${fmt(routing.direct.two)} msg/s; ${fmt(routing.direct.cpuMsPerMessage, 3)} ms of dispatcher CPU per message`]);
      rowsOut.push([`SMS only, through the SMS router over two routes (breakers in Redis)`, `one dispatcher ${fmt(routing.routed.one)} msg/s, two ${fmt(routing.routed.two)} msg/s; ${fmt(routing.routed.cpuMsPerMessage, 3)} ms of dispatcher CPU per message`]);
    }
    const limiter = results.limiter;
    if (limiter) {
      rowsOut.push([
        `two dispatchers sharing the Redis bucket at ${fmt(limiter.ratePerSecond)}/s`,
        `${fmt(limiter.measuredPerSecond, 1)}/s after the first second's burst (${limiter.deviationPercent > 0 ? '+' : ''}${fmt(limiter.deviationPercent, 1)} %); busiest second ${fmt(limiter.busiestSecond)} (bucket ${fmt(limiter.ratePerSecond)} + rate)`,
      ]);
    }
    out.push(table(['measure', 'value'], rowsOut));
  }
  if (results.embedded) {
    const embedded = results.embedded;
    out.push('', '### Embedded default (PGlite + memory, fresh DATA_DIR; start-up on both cores, the load on one)', '');
    out.push(
      table(
        ['measure', 'value'],
        [
          ['first start (spawn to /readyz 200: initdb, migrations, sample catalog)', `${fmt(embedded.firstStartMs / 1000, 2)} s, RSS ${fmt(embedded.firstRssMb)} MB (peak ${fmt(embedded.firstPeakMb)} MB)`],
          ['USSD, 50 users', embedded.hops ? `${fmt(embedded.hops.perSecond)} hops/s, p99 ${fmt(embedded.hops.p99, 1)} ms, ${fmt(embedded.hops.errors)} errors; RSS after ${fmt(embedded.afterLoadRssMb)} MB` : '–'],
          ['restart (same DATA_DIR)', `${fmt(embedded.restartMs / 1000, 2)} s, RSS ${fmt(embedded.restartRssMb)} MB`],
        ],
      ),
    );
  }
  return out.join('\n');
}

const BEGIN = '<!-- bench:results:begin (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated section of RESULTS.md (creating the file when missing). */
export function writeResults(file: string, results: Results): void {
  const section = `${BEGIN}\n${markdown(results)}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmark results\n\n${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start ? current.slice(0, start) + section + current.slice(end + END.length) : `${current}\n${section}\n`;
  writeFileSync(file, next);
}
