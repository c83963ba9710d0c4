import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './own-redis';

/**
 * A PostgreSQL cluster of the test's own (initdb, pg_ctl) on a free port, that the test may
 * stop and start again: never the shared server on 5432. The server runs as the `postgres`
 * user when the tests run as root (PostgreSQL refuses root), with trust authentication on
 * loopback only, fsync off (a test cluster need not survive a power cut), and its socket in
 * its own directory.
 */

/** Where initdb and pg_ctl are: on the PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
function binary(name: 'initdb' | 'pg_ctl'): string | undefined {
  if (spawnSync('which', [name]).status === 0) return name;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** True when initdb and pg_ctl are installed, so a test can start its own cluster. */
export function hasPostgresServer(): boolean {
  return binary('initdb') !== undefined && binary('pg_ctl') !== undefined;
}

const asRoot = process.getuid?.() === 0;

/**
 * Runs a PostgreSQL program as the user that owns the cluster, without blocking the event loop
 * (the test's own requests keep flowing while the server stops); rejects with its output.
 */
function run(program: string, args: string[]): Promise<void> {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(program)} failed: ${stderr || stdout || error.message}`));
      else resolve();
    });
  });
}

export class OwnPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Makes a new cluster in a temporary directory and starts it. */
  static async start(): Promise<OwnPostgres> {
    const initdb = binary('initdb');
    if (!initdb) throw new Error('initdb is not installed (apt-get install postgresql)');
    const dir = mkdtempSync(path.join(tmpdir(), 'lingkod-pg-'));
    if (asRoot) {
      const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
    }
    await run(initdb, ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8']);
    const cluster = new OwnPostgres(dir, await freePort());
    await cluster.startServer();
    return cluster;
  }

  /** The connection string of the cluster's default database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (again) and waits until it accepts connections. */
  async startServer(): Promise<void> {
    await run(binary('pg_ctl')!, [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** Stops the server: `immediate` is a crash (no checkpoint, connections cut), `fast` a clean stop. */
  async stopServer(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await run(binary('pg_ctl')!, ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops the server (if running) and deletes the cluster. */
  async destroy(): Promise<void> {
    await this.stopServer('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
