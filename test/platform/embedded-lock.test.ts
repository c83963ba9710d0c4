import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { PgliteDatabase } from '../../src/store/pglite';

/**
 * The embedded database (PGlite in DATA_DIR) is never open in two processes: the real server
 * runs as a child process, and the real admin command, run beside it with node on the same
 * DATA_DIR, refuses with what to do and writes nothing (it used to make a key the server never
 * saw, lost at the next restart). Without a terminal (stdout piped, as in Docker or CI), the
 * server's start-up says where to go in a plain line, and a first start's one-time link is in it.
 */
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const REGISTER = ['-r', './test/support/ts-register-cached.js'];

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line tool (the admin command unless told) with this DATA_DIR until it exits. */
function runTool(dataDir: string, args: string[], tool = 'src/cli/admin.ts'): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...REGISTER, tool, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The server, started as `node src/main.ts` with stdout and stderr piped (no terminal). */
class ServerProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(dataDir: string) {
    this.child = spawn(process.execPath, [...REGISTER, 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SIMULATOR: 'on' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /**
   * Resolves with the base URL once the plain start-up lines are out, and the JSON log's (written
   * asynchronously) with them; fails with what the server said if it exits.
   */
  async started(): Promise<string> {
    for (;;) {
      const match = /^Lingkod is running: (http:\/\/localhost:\d+)\/$/m.exec(this.stderr);
      const logged = this.stdout.includes('Lingkod is listening') && (!this.stderr.includes('First start') || this.stdout.includes('First start'));
      if (match && logged) return match[1];
      const ended = await Promise.race([this.exited.then((code) => ({ code })), new Promise<undefined>((resolve) => setTimeout(resolve, 100))]);
      if (ended) throw new Error(`the server exited (${ended.code}): ${this.stderr}`);
    }
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('two processes on one embedded DATA_DIR', () => {
  let dataDir = '';
  let server: ServerProcess;
  let base = '';
  const lockFile = () => path.join(dataDir, 'db.lock');

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lingkod-lock-'));
    server = new ServerProcess(dataDir);
    base = await server.started();
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the server holds a lock file with its pid while it runs', () => {
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8')) as { pid: number; host: string };
    expect(holder).toMatchObject({ pid: server.child.pid, host: hostname() });
  });

  it('without a terminal, the start-up says where to go in plain lines (not only JSON), the URLs in them', () => {
    const plain = server.stderr.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('{'));
    const text = plain.join('\n');
    expect(text).toContain(`${base}/simulator`);
    expect(text).toContain(`${base}/console`);
    expect(text).toContain(`${base}/healthz`);
    // The JSON log line on stdout says it too, in its msg.
    const listening = server.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string })
      .find((line) => line.msg.startsWith('Lingkod is listening'));
    expect(listening?.msg).toContain(`${base}/console`);
  });

  it('a first start prints a one-time sign-in link, readable in the plain and the JSON log, that opens the first sign-in', async () => {
    const link = new RegExp(`${base.replace(/[.]/g, '\\.')}/console/first-start/[A-Za-z]{43}`);
    const plainLink = link.exec(server.stderr)?.[0];
    expect(plainLink).toBeDefined();
    const jsonLink = server.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg)
      .map((msg) => link.exec(msg)?.[0])
      .find(Boolean);
    expect(jsonLink).toBe(plainLink);
    const page = await fetch(plainLink!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('first sign-in');
  });

  it('npm run admin -- create-key beside the running server refuses, says what to do, and writes nothing', async () => {
    const result = await runTool(dataDir, ['create-key', '--super-admin', '--holder', 'Second Process']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the embedded database is open in another process');
    expect(result.stderr).toContain(`pid ${server.child.pid}`);
    expect(result.stderr).toContain('Nothing was written');
    expect(result.stderr).toMatch(/stop the server/);
    expect(result.stderr).toContain('POST /api/v1/keys');
    expect(result.stderr).toContain('one-time');
    // The server's lock is untouched, and it still answers.
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(server.child.pid);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('npm run catalog:import beside the running server refuses before touching the database (it left one that never started again)', async () => {
    const result = await runTool(dataDir, ['data/sample-catalog.yaml'], 'src/cli/catalog-import.ts');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the embedded database is open in another process');
    expect(result.stderr).toContain(`pid ${server.child.pid}`);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(server.child.pid);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('once the server stops, its lock is gone and nothing was written by the refused command', async () => {
    expect(await server.stop()).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
    const db = await PgliteDatabase.open(path.join(dataDir, 'db'));
    try {
      expect(await db.query('SELECT id FROM api_keys')).toEqual([]);
      expect(await db.query(`SELECT id FROM audit_log WHERE action = 'key.create'`)).toEqual([]);
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile())).toBe(false);
  });

  it('a lock left by a process that is gone is taken over: the command then makes its key', async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2026-01-01T00:00:00Z', command: 'the Lingkod server' }));
    const result = await runTool(dataDir, ['create-key', '--super-admin', '--holder', 'After The Server']);
    expect(result.stderr).toContain('Created API key');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^lk_[A-Za-z0-9_-]{43}\n$/);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('a lock held by another process in this one is honoured, also by this process', async () => {
    const db = await PgliteDatabase.open(path.join(dataDir, 'db'));
    try {
      await expect(PgliteDatabase.open(path.join(dataDir, 'db'))).rejects.toThrow(/open in another process/);
      const result = await runTool(dataDir, ['list-keys']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`pid ${process.pid}`);
    } finally {
      await db.close();
    }
  });
});
