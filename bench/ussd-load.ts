import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { createContext } from '../src/context';
import { createApp } from '../src/http/app';

/**
 * A small USSD load script, run by hand (`npm run load:ussd`): starts Lingkod in this process
 * (embedded stores unless DATABASE_URL / REDIS_URL are set), then USERS simulated callers each
 * walk a real multi-hop journey (menu → services → category → service → detail → back …) with
 * a unique session id and the text growing by `*`, for DURATION seconds. Prints hops/s and
 * latency percentiles. Not a test: figures depend on the machine.
 */
const USERS = Number(process.env.USERS ?? 50);
const DURATION_S = Number(process.env.DURATION ?? 15);
const JOURNEY = ['1', '1', '1', '2', '0', '0', '2', '1'];
/** The gateway's token (USSD_TOKEN) when the environment sets none: the load calls as the gateway does. */
const USSD_TOKEN = 'load-ussd-Rk8Vw3Qn7Lm2Tz9Bx5Cy1Pf6Hj4';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const config = loadConfig({ USSD_TOKEN, ...process.env, LOG_LEVEL: 'warn', DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'lingkod-load-')) });
  const context = await createContext(config);
  const server = createApp(context).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ussd/africastalking?token=${encodeURIComponent(config.USSD_TOKEN ?? '')}`;

  const latencies: number[] = [];
  let errors = 0;
  let sessions = 0;
  const deadline = Date.now() + DURATION_S * 1000;

  async function caller(id: number): Promise<void> {
    const phone = `+6391700${String(id).padStart(5, '0')}`;
    while (Date.now() < deadline) {
      const sessionId = `load-${id}-${sessions++}`;
      const history: string[] = [];
      for (const input of ['', ...JOURNEY]) {
        if (input) history.push(input);
        const body = new URLSearchParams({ sessionId, serviceCode: '*347#', phoneNumber: phone, networkCode: '51502', text: history.join('*') });
        const started = performance.now();
        const response = await fetch(url, { method: 'POST', body });
        const text = await response.text();
        latencies.push(performance.now() - started);
        if (response.status !== 200 || !/^(CON|END) /.test(text)) errors++;
        if (Date.now() >= deadline) break;
      }
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: USERS }, (_, id) => caller(id)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    [
      `USSD load: ${USERS} concurrent callers for ${seconds.toFixed(1)} s on ${context.db.engine} + ${context.store.engine}`,
      `hops: ${latencies.length} (${(latencies.length / seconds).toFixed(0)}/s), errors: ${errors}`,
      `latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p90 ${percentile(latencies, 90).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${latencies[latencies.length - 1].toFixed(1)}`,
    ].join('\n') + '\n',
  );
  server.close();
  await context.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`load script failed: ${String(error)}\n`);
  process.exit(1);
});
