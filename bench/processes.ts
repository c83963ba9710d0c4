import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root (bench code runs from dist/bench). */
export const ROOT = path.resolve(__dirname, '..', '..');

/** True when `taskset` can pin processes to a core here (Linux with util-linux, and two cores at least). */
export function canPin(): boolean {
  return process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Pins a running process to `core` (for its load test after an unpinned start); false where pinning does not work. */
export function pin(pid: number, core: string): boolean {
  return canPin() && spawnSync('taskset', ['-p', '-c', core, String(pid)]).status === 0;
}

/** The core servers run on; load generators run on the other one. */
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

/** A child process of the bench: a server under test, or a load generator. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything it printed to stderr (for the report when it fails). */
  errors(): string;
  /** Resident memory now, in MB (from /proc; undefined where there is none). */
  rssMb(): number | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `node <args>` with `env`, pinned to `core` when pinning works. */
export function startNode(args: string[], env: Record<string, string | undefined>, core?: string): Child {
  const pinned = core !== undefined && canPin();
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', core, process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    pid: child.pid ?? 0,
    errors: () => stderr,
    rssMb: () => rssMb(child.pid ?? 0),
    exited,
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        process.stderr.write(`process ${child.pid} did not stop within ${graceMs} ms of SIGTERM; killed. Its last words:\n${stdout.slice(-1500)}${stderr.slice(-1500)}\n`);
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process in MB, read from /proc. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far (user + system, from /proc; 0 where there is none). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Peak resident set size of a process in MB (VmHWM). */
export function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves with the first stdout line matching `pattern`; rejects if the child exits first or after `limitMs`. */
export function waitForLine(child: Child, pattern: RegExp, limitMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line like ${pattern} within ${limitMs} ms: ${child.errors()}`)), limitMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.process.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.process.stdout?.on('data', onData);
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before printing ${pattern}: ${child.errors()}`));
    });
  });
}

/** Polls `url` until it answers 200; resolves with the milliseconds it took. */
export async function waitForHttp(url: string, child: Child, limitMs = 120_000): Promise<number> {
  const started = performance.now();
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`server exited before ${url} answered: ${child.errors()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > limitMs) throw new Error(`${url} did not answer within ${limitMs} ms: ${child.errors()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Runs a load generator (bench/load.ts) on the load core and returns its parsed JSON result. */
export async function runLoad<T>(plan: object): Promise<T> {
  const child = startNode([path.join(ROOT, 'dist', 'bench', 'load.js'), JSON.stringify(plan)], {}, LOAD_CORE);
  let stdout = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(`load generator failed (${code}): ${child.errors()}`);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}
