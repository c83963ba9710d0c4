import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * The embedded database (PGlite) must never be open in two processes: PGlite takes no lock of
 * its own, and two processes on one directory each keep their own copy of the pages in memory,
 * so what one writes the other never sees and may overwrite (a key made by `npm run admin`
 * while the server ran was lost, or overwrote another). Whoever opens the directory — the
 * server, `npm run admin`, `npm run migrate`, `npm run catalog:import` — first creates a lock
 * file beside it, holding its pid, and removes it when it closes the database.
 *
 * A lock left by a process that is gone (killed, the machine restarted) is stale and taken
 * over: its pid no longer runs on this host, or it is this very process's pid without this
 * process holding it (a container's server is pid 1 at every start). A lock from another host
 * (a shared volume) cannot be checked and is honoured; the message says how to remove it.
 */

/** What the lock file holds: who has the database open, and since when. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

/** The database is open in another process: nothing was opened, nothing written. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database is open in another process (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, ${holder.command}, since ${holder.since}); ` +
        `only one process may open it at a time (lock file ${lockFile})`,
    );
    this.name = 'DatabaseInUseError';
  }
}

/** Lock files this process holds, so that it can tell its own from a stale one with its pid. */
const held = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), since: String(parsed.since ?? ''), command: String(parsed.command ?? '') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    return undefined;
  }
}

/** Whether the holder is gone: a lock it left behind. */
function isStale(lockFile: string, holder: LockHolder | undefined): boolean {
  if (!holder) return true;
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !held.has(lockFile);
  return !isRunning(holder.pid);
}

/**
 * Takes the lock file for an embedded database, or throws DatabaseInUseError naming the
 * process that holds it. Returns the release, which removes the file (once).
 */
export function lockDataDir(lockFile: string, command = describeCommand()): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: LockHolder | undefined;
      try {
        holder = readHolder(lockFile);
      } catch {
        continue; // Removed as we looked: try again.
      }
      if (!isStale(lockFile, holder)) throw new DatabaseInUseError(lockFile, holder!);
      try {
        unlinkSync(lockFile);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
    } finally {
      closeSync(fd);
    }
    held.add(lockFile);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.delete(lockFile);
      try {
        // Only our own lock: never one another process took over.
        if (readHolder(lockFile)?.pid === process.pid) unlinkSync(lockFile);
      } catch {
        // Already gone.
      }
    };
  }
  throw new Error(`could not take the lock file ${lockFile}: it keeps changing (another process is starting on the same DATA_DIR)`);
}

/** The command that holds the lock, as the refusal names it: `node dist/src/main.js`. */
function describeCommand(): string {
  const script = process.argv[1] ? process.argv[1].replace(/^.*?((?:dist\/)?src\/.*)$/, '$1') : '';
  return `${script.includes('cli/') ? 'a Lingkod command' : 'the Lingkod server'}${script ? ` (${script})` : ''}`;
}
