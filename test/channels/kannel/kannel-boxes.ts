import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod, type LogCapture } from '../../support/app';

/**
 * A real Kannel (Debian's `kannel` and `kannel-extras` packages) run by a test: bearerbox and
 * smsbox with the README's kannel.conf, and `fakesmsc` standing in for the operator's SMSC.
 */

/** Where Debian installs the three programs. */
const CANDIDATES = {
  bearerbox: ['/usr/sbin/bearerbox', '/usr/local/sbin/bearerbox'],
  smsbox: ['/usr/sbin/smsbox', '/usr/local/sbin/smsbox'],
  fakesmsc: ['/usr/lib/kannel/test/fakesmsc', '/usr/local/lib/kannel/test/fakesmsc'],
};

export type KannelPrograms = Record<keyof typeof CANDIDATES, string>;

/** The installed Kannel programs, or the names of those missing. */
export function findKannel(): { programs?: KannelPrograms; missing: string[] } {
  const found: Partial<KannelPrograms> = {};
  const missing: string[] = [];
  for (const [name, paths] of Object.entries(CANDIDATES) as [keyof KannelPrograms, string[]][]) {
    const executable = paths.find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (executable) found[name] = executable;
    else missing.push(name);
  }
  return missing.length === 0 ? { programs: found as KannelPrograms, missing } : { missing };
}

/** The README's kannel.conf block (the one marked as run by the Kannel test). */
export function readmeKannelConf(readme = path.resolve(__dirname, '..', '..', '..', 'README.md')): string {
  const text = readFileSync(readme, 'utf8');
  const marker = text.indexOf('<!-- kannel.conf: run by test/channels/kannel/real-kannel.test.ts -->');
  if (marker < 0) throw new Error('README.md has no kannel.conf block marked for the Kannel test');
  const block = /```conf\n([\s\S]*?)```/.exec(text.slice(marker));
  if (!block) throw new Error('the marked kannel.conf block in README.md is not a ```conf block');
  return block[1];
}

/** Ports, paths and secrets of one test run, put in place of the README's. */
export interface KannelRun {
  dir: string;
  adminPort: number;
  boxPort: number;
  sendsmsPort: number;
  smscPort: number;
  lingkodBase: string;
  token: string;
  password: string;
}

/**
 * The README's configuration with this run's ports, paths, secrets and Lingkod address, and
 * a fake SMSC (fakesmsc connects to it) in place of the operator's SMPP link.
 */
export function testKannelConf(readme: string, run: KannelRun): string {
  const replacements: [RegExp, string][] = [
    [/^admin-port = 13000$/m, `admin-port = ${run.adminPort}`],
    [/^smsbox-port = 13001$/m, `smsbox-port = ${run.boxPort}`],
    [/^bearerbox-port = 13001$/m, `bearerbox-port = ${run.boxPort}`],
    [/^sendsms-port = 13013$/m, `sendsms-port = ${run.sendsmsPort}`],
    [/\/var\/log\/kannel\//g, `${run.dir}/`],
    [/\/var\/spool\/kannel\/store/g, `${run.dir}/store`],
    [/http:\/\/lingkod\.internal:3000/g, run.lingkodBase],
    [/CHANGE-ME-token/g, run.token],
    [/CHANGE-ME-sendsms/g, run.password],
    [/CHANGE-ME-admin/g, 'admin-secret'],
  ];
  let conf = readme;
  for (const [pattern, value] of replacements) {
    if (!pattern.test(conf)) throw new Error(`README kannel.conf no longer has ${pattern}`);
    conf = conf.replace(pattern, value);
  }
  return `${conf}\ngroup = smsc\nsmsc = fake\nsmsc-id = fake\nport = ${run.smscPort}\nconnect-allow-ip = 127.0.0.1\n`;
}

/** A free TCP port on loopback (closed again, for a child process to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something listens on `port`; rejects after `attempts` tries 100 ms apart. */
export async function listening(port: number, attempts = 100): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** Child processes of one test, stopped together. */
export class Processes {
  private readonly children: ChildProcess[] = [];

  /** Starts `program`, its output appended to `logFile`. */
  start(program: string, args: string[], logFile: string): ChildProcess {
    const out = openSync(logFile, 'a');
    const child = spawn(program, args, { stdio: ['ignore', out, out] });
    this.children.push(child);
    return child;
  }

  /** Stops one child: SIGTERM, then SIGKILL if it lingers; resolves when it has exited. */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops every child, newest first (smsbox before bearerbox). */
  async stopAll(): Promise<void> {
    for (const child of [...this.children].reverse()) await this.stop(child);
  }
}

/** One message fakesmsc printed as received from bearerbox. */
interface FakesmscLine {
  to: string;
  udh?: Buffer;
  type: string;
  data: string;
}

/**
 * Parses fakesmsc's "Got message N: <from to [udh X] type data>" lines. fakesmsc reads its
 * link line by line, so a 7-bit text with line breaks arrives as one such line and then one
 * "message" per further line: those are joined back to the text they belong to.
 */
export function receivedBy(log: string): FakesmscLine[] {
  const lines: FakesmscLine[] = [];
  for (const [, content] of log.matchAll(/Got message \d+: <(.*)>$/gm)) {
    const header = /^(\S+) (\S+) (?:udh (\S+) )?(text|data|ucs-2) (.*)$/.exec(content);
    const previous = lines.at(-1);
    if (header) lines.push({ to: header[2], udh: header[3] === undefined ? undefined : urlBytes(header[3]), type: header[4], data: header[5] });
    else if (previous?.type === 'text') previous.data += `\n${content}`;
  }
  return lines;
}

/**
 * The whole texts fakesmsc received for `to`: concatenated parts joined in order (UDH
 * 05 00 03 ref total seq), UCS-2 (and multi-part) data decoded from URL-encoded bytes in
 * `encoding`. Returns each text with the number of parts it came in.
 */
export function textsTo(log: string, to: string, encoding: 'utf-8' | 'utf-16be'): { text: string; parts: number }[] {
  const texts: { text: string; parts: number }[] = [];
  const pending = new Map<number, { total: number; parts: Map<number, Buffer> }>();
  for (const line of receivedBy(log).filter((each) => each.to === to)) {
    const bytes = line.type === 'text' ? Buffer.from(line.data, 'utf8') : urlBytes(line.data);
    if (!line.udh || line.udh.length < 6 || line.udh[1] !== 0x00) {
      texts.push({ text: new TextDecoder(encoding).decode(bytes), parts: 1 });
      continue;
    }
    const [ref, total, seq] = [line.udh[3], line.udh[4], line.udh[5]];
    const entry = pending.get(ref) ?? { total, parts: new Map<number, Buffer>() };
    entry.parts.set(seq, bytes);
    pending.set(ref, entry);
    if (entry.parts.size === entry.total) {
      const joined = Buffer.concat([...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part));
      texts.push({ text: new TextDecoder(encoding).decode(joined), parts: entry.total });
      pending.delete(ref);
    }
  }
  return texts;
}

/** fakesmsc's URL-encoding (as Kannel's octstr_url_encode) back to bytes. */
function urlBytes(encoded: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    const char = encoded[index];
    if (char === '+') bytes.push(0x20);
    else if (char === '%') {
      bytes.push(parseInt(encoded.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(...Buffer.from(char, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** The UTF-16BE bytes of `text`, URL-encoded, as fakesmsc's `ucs2` messages are written. */
export function ucs2Argument(text: string): string {
  return [...Buffer.from(text, 'utf16le').swap16()].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Writes the configuration for a run (and the message store it names) and returns its path. */
export function writeConf(run: KannelRun, conf: string): string {
  const file = path.join(run.dir, 'kannel.conf');
  mkdirSync(path.join(run.dir, 'store'), { recursive: true });
  writeFileSync(file, conf);
  return file;
}

/** Lingkod and a real bearerbox and smsbox sending to it, as a test runs them. */
export interface KannelAndLingkod {
  /** The run's directory: the configuration and every box's and fakesmsc's output. */
  dir: string;
  run: KannelRun;
  context: AppContext;
  logs: LogCapture;
  /** The boxes; a test starts its fakesmsc here too, so that stop() ends it. */
  processes: Processes;
  /** Every request Kannel made to Lingkod, with Lingkod's answer. */
  answered: { path: string; status: number }[];
  stop(): Promise<void>;
}

/**
 * Starts Lingkod on a loopback port with Kannel on (its port is known before the configuration
 * is written), then bearerbox and smsbox with the README's kannel.conf, changed by `conf`
 * where a test needs it, and Lingkod's dispatcher. `stop()` ends the boxes, Lingkod and the
 * directory; it is safe after a start that failed half-way.
 */
export async function startKannelAndLingkod(
  programs: KannelPrograms,
  db: Database,
  { name, token, password, from, conf = (readme) => readme }: { name: string; token: string; password: string; from: string; conf?: (readme: string) => string },
): Promise<KannelAndLingkod> {
  const dir = mkdtempSync(path.join(tmpdir(), `lingkod-${name}-`));
  const processes = new Processes();
  const answered: { path: string; status: number }[] = [];
  let context: AppContext | undefined;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createHttpServer((req, res) => handle(req, res));
  const stop = async () => {
    await processes.stopAll();
    await context?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lingkodBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run: KannelRun = {
      dir,
      adminPort: await freePort(),
      boxPort: await freePort(),
      sendsmsPort: await freePort(),
      smscPort: await freePort(),
      lingkodBase,
      token,
      password,
    };
    const confFile = writeConf(run, conf(testKannelConf(readmeKannelConf(), run)));
    const started = await startLingkod(db, {
      PUBLIC_URL: lingkodBase,
      KANNEL_SENDSMS_URL: `http://127.0.0.1:${run.sendsmsPort}/cgi-bin/sendsms`,
      KANNEL_USERNAME: 'lingkod',
      KANNEL_PASSWORD: password,
      KANNEL_TOKEN: token,
      KANNEL_FROM: from,
    });
    context = started.context;
    handle = (req, res) => {
      res.once('finish', () => answered.push({ path: (req.url ?? '').split('?')[0], status: res.statusCode }));
      started.app(req, res);
    };
    processes.start(programs.bearerbox, [confFile], path.join(dir, 'bearerbox.out'));
    await listening(run.boxPort);
    await listening(run.smscPort);
    processes.start(programs.smsbox, [confFile], path.join(dir, 'smsbox.out'));
    await listening(run.sendsmsPort);
    context.dispatcher.start();
    return { dir, run, context, logs: started.logs, processes, answered, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
