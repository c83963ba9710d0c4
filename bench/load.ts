import { createHmac, randomBytes } from 'node:crypto';
import { KeepAliveConnection, type HttpAnswer } from './http-client';

/**
 * The load generator, a process of its own (pinned to the other core than the server's by
 * bench/run.ts): `node dist/bench/load.js '<json plan>'`. It prints one JSON line of figures.
 *
 * - `ussd`: USERS simulated callers, each on its own kept-alive connection, walk real
 *   multi-hop sessions (a unique session id each, the text growing by `*`) for SECONDS;
 *   a new session starts when a journey ends. A dial answered with the language screen
 *   (a caller never seen before) is answered `1` first.
 * - `open-sessions`: opens COUNT sessions of distinct phones and leaves each in the middle
 *   of its journey (for memory per live session).
 * - `twilio`: signed inbound SMS webhooks, each with its own MessageSid, from a pool of numbers.
 * - `telegram`: webhook updates with the secret token, each with its own update_id.
 */

export type LoadPlan =
  | { kind: 'ussd'; port: number; path: string; users: number; seconds: number; journey: string[]; phoneBase: number; languageMarker?: string; failureMarker?: string }
  | { kind: 'open-sessions'; port: number; path: string; users: number; count: number; inputs: string[]; phoneBase: number; languageMarker?: string }
  | { kind: 'twilio'; port: number; users: number; seconds: number; token: string; publicUrl: string; body: string; phones: number }
  | { kind: 'telegram'; port: number; users: number; seconds: number; secret: string; text: string; chats: number };

/** What one load run measured. */
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU seconds this generator used, to show it was not the bottleneck. */
  cpuSeconds: number;
  /** Milliseconds of the server's CPU per request (user + system), filled in by bench/run.ts. */
  serverCpuMs?: number;
  /** A few error descriptions, for the report. */
  errorSamples: string[];
}

const HOST = '127.0.0.1';
/** Callers start spread over this long. */
const RAMP_MS = 1000;

/** Latencies and errors of one run. */
class Recorder {
  readonly latencies: number[] = [];
  errors = 0;
  readonly errorSamples: string[] = [];
  private started = performance.now();
  private cpu = process.cpuUsage();

  /** Starts the clock (after the connections are open). */
  restart(): void {
    this.started = performance.now();
    this.cpu = process.cpuUsage();
  }

  async time(work: () => Promise<HttpAnswer>, ok: (answer: HttpAnswer) => boolean): Promise<HttpAnswer | undefined> {
    const started = performance.now();
    try {
      const answer = await work();
      this.latencies.push(performance.now() - started);
      if (ok(answer)) return answer;
      this.error(`HTTP ${answer.status}: ${answer.body.slice(0, 80)}`);
      return undefined;
    } catch (error) {
      this.latencies.push(performance.now() - started);
      this.error((error as Error).message);
      return undefined;
    }
  }

  private error(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 5 && !this.errorSamples.includes(what)) this.errorSamples.push(what);
  }

  result(): LoadResult {
    const seconds = (performance.now() - this.started) / 1000;
    const cpu = process.cpuUsage(this.cpu);
    const sorted = Float64Array.from(this.latencies).sort();
    const at = (p: number) => (sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]));
    return {
      requests: sorted.length,
      errors: this.errors,
      seconds: round(seconds),
      perSecond: Math.round(sorted.length / seconds),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: round(sorted[sorted.length - 1] ?? 0),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      errorSamples: this.errorSamples,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A Philippine mobile number, distinct per index. */
export function benchPhone(index: number): string {
  return `+63917${String(index).padStart(7, '0')}`;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function ussdHop(connection: KeepAliveConnection, path: string, sessionId: string, phone: string, text: string): Promise<HttpAnswer> {
  const body = new URLSearchParams({ sessionId, serviceCode: '*347#', phoneNumber: phone, networkCode: '51502', text }).toString();
  return connection.request('POST', path, FORM, body);
}

const ussdAnswer = (failureMarker?: string) => (answer: HttpAnswer) =>
  answer.status === 200 && /^(CON|END) /.test(answer.body) && !(failureMarker && answer.body.includes(failureMarker));

/**
 * Opens `count` connections, a hundred at a time, before the clock starts: a gateway keeps its
 * connections open, and a thousand SYNs at once would measure the kernel's accept queue (a
 * dropped SYN is retried after a second) rather than the server.
 */
async function connections(port: number, count: number): Promise<KeepAliveConnection[]> {
  const all = Array.from({ length: count }, () => new KeepAliveConnection(HOST, port));
  for (let index = 0; index < all.length; index += 100) {
    await Promise.all(all.slice(index, index + 100).map((connection) => connection.connect()));
  }
  return all;
}

async function ussd(plan: Extract<LoadPlan, { kind: 'ussd' }>, recorder: Recorder): Promise<void> {
  const pool = await connections(plan.port, plan.users);
  recorder.restart();
  const deadline = performance.now() + plan.seconds * 1000;
  const run = randomBytes(3).toString('hex');
  const ok = ussdAnswer(plan.failureMarker);
  async function caller(index: number): Promise<void> {
    const connection = pool[index];
    const phone = benchPhone(plan.phoneBase + index);
    // Callers dial over the first second, not all in the same millisecond: even a broadcast's
    // rush of dials spreads over seconds, and a thousand session starts at one instant
    // measure the database pool's queue, not a steady load.
    await new Promise((resolve) => setTimeout(resolve, (index * RAMP_MS) / plan.users));
    for (let session = 0; performance.now() < deadline; session++) {
      const sessionId = `ATUid_${run}_${index}_${session}`;
      const history: string[] = [];
      let answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, ''), ok);
      if (answer && plan.languageMarker && answer.body.includes(plan.languageMarker)) {
        history.push('1');
        answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, history.join('*')), ok);
      }
      for (const input of plan.journey) {
        if (!answer || answer.body.startsWith('END') || performance.now() >= deadline) break;
        history.push(input);
        answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, history.join('*')), ok);
      }
    }
    connection.close();
  }
  await Promise.all(Array.from({ length: plan.users }, (_, index) => caller(index)));
}

async function openSessions(plan: Extract<LoadPlan, { kind: 'open-sessions' }>, recorder: Recorder): Promise<void> {
  const pool = await connections(plan.port, plan.users);
  recorder.restart();
  let next = 0;
  const run = randomBytes(3).toString('hex');
  const ok = ussdAnswer();
  async function caller(connection: KeepAliveConnection): Promise<void> {
    for (let index = next++; index < plan.count; index = next++) {
      const sessionId = `ATUid_${run}_open_${index}`;
      const phone = benchPhone(plan.phoneBase + index);
      const history: string[] = [];
      let answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, ''), ok);
      if (answer && plan.languageMarker && answer.body.includes(plan.languageMarker)) {
        history.push('1');
        answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, history.join('*')), ok);
      }
      for (const input of plan.inputs) {
        history.push(input);
        answer = await recorder.time(() => ussdHop(connection, plan.path, sessionId, phone, history.join('*')), ok);
      }
    }
    connection.close();
  }
  await Promise.all(pool.map((connection) => caller(connection)));
}

/**
 * Twilio's request signature: HMAC-SHA1 with the auth token over the URL followed by each
 * parameter's name and value in name order, base64 (https://www.twilio.com/docs/usage/security).
 * Computed here rather than by the twilio package, which takes a second to load.
 */
export function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

async function twilioSms(plan: Extract<LoadPlan, { kind: 'twilio' }>, recorder: Recorder): Promise<void> {
  const pool = await connections(plan.port, plan.users);
  recorder.restart();
  const deadline = performance.now() + plan.seconds * 1000;
  const url = `${plan.publicUrl.replace(/\/+$/, '')}/sms/twilio`;
  let sent = 0;
  const ok = (answer: HttpAnswer) => answer.status === 200 && answer.body.includes('<Response>') && answer.body.includes('<Message>');
  async function sender(connection: KeepAliveConnection): Promise<void> {
    while (performance.now() < deadline) {
      const n = sent++;
      const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: 'AC00000000000000000000000000000000', From: benchPhone(500_000 + (n % plan.phones)), To: '+15005550006', Body: plan.body, NumSegments: '1' };
      const signature = twilioSignature(plan.token, url, params);
      const body = new URLSearchParams(params).toString();
      await recorder.time(() => connection.request('POST', '/sms/twilio', { ...FORM, 'X-Twilio-Signature': signature }, body), ok);
    }
    connection.close();
  }
  await Promise.all(pool.map((connection) => sender(connection)));
}

async function telegram(plan: Extract<LoadPlan, { kind: 'telegram' }>, recorder: Recorder): Promise<void> {
  const pool = await connections(plan.port, plan.users);
  recorder.restart();
  const deadline = performance.now() + plan.seconds * 1000;
  let updateId = Number.parseInt(randomBytes(3).toString('hex'), 16) * 1000;
  const ok = (answer: HttpAnswer) => answer.status === 200;
  async function sender(connection: KeepAliveConnection): Promise<void> {
    while (performance.now() < deadline) {
      const id = updateId++;
      const chat = 800_000_000 + (id % plan.chats);
      const update = {
        update_id: id,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private', first_name: 'Bench' },
          from: { id: chat, is_bot: false, first_name: 'Bench', language_code: 'en' },
          text: plan.text,
          ...(plan.text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: plan.text.split(' ')[0].length }] } : {}),
        },
      };
      await recorder.time(
        () => connection.request('POST', '/telegram/webhook', { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': plan.secret }, JSON.stringify(update)),
        ok,
      );
    }
    connection.close();
  }
  await Promise.all(pool.map((connection) => sender(connection)));
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
  const recorder = new Recorder();
  if (plan.kind === 'ussd') await ussd(plan, recorder);
  else if (plan.kind === 'open-sessions') await openSessions(plan, recorder);
  else if (plan.kind === 'twilio') await twilioSms(plan, recorder);
  else if (plan.kind === 'telegram') await telegram(plan, recorder);
  else throw new Error(`unknown plan kind: ${JSON.stringify(plan)}`);
  process.stdout.write(`${JSON.stringify(recorder.result())}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`load generator failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
