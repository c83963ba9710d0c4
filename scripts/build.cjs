/**
 * `npm run build`, as `npm start`, `npm run admin` and the other commands call it: compiles only
 * when something it is made from changed since the last build, and then only what changed.
 *
 *  - When dist/.built (written after every successful build) is newer than every file and folder
 *    under src/ and bench/, tsconfig*.json and package-lock.json, nothing is compiled at all: the
 *    check reads a few hundred mtimes, milliseconds. Folders count, so a deleted file rebuilds.
 *  - Otherwise tsc runs with --incremental (dist/.tsbuildinfo, see tsconfig.build.json): it
 *    re-checks and re-emits only the files whose contents changed and the files that depend on them.
 *
 * `npm run build -- --force` (or deleting dist/) compiles everything.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// LINGKOD_BUILD_ROOT: another project to build (the test's small one); this one by default.
const ROOT = process.env.LINGKOD_BUILD_ROOT ? path.resolve(process.env.LINGKOD_BUILD_ROOT) : path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.built');
const INPUTS = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time of a file, or of a folder and everything in it. */
function newest(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  let latest = stat.mtimeMs;
  if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

function stampTime() {
  try {
    return fs.statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
}

const force = process.argv.includes('--force');
const sources = Math.max(...INPUTS.map((input) => newest(path.join(ROOT, input))));
if (!force && stampTime() > sources) process.exit(0);

const started = Date.now();
const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.mkdirSync(path.dirname(STAMP), { recursive: true });
fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
if (process.stderr.isTTY) process.stderr.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s (only what changed since the last build).\n`);
