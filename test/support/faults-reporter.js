const { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

/**
 * The fault suite's table (`npm run test:faults`). Before the run it gives the test files a
 * directory (LINGKOD_FIGURES_DIR, inherited by jest's workers) where test/support/figures.ts
 * records each figure and each file's captured log lines; after the run it prints the figures
 * by guarantee of issue 8, and scans every captured log line of the run once more for phone
 * numbers, secrets and message bodies that any of the files named.
 */

const GUARANTEES = {
  1: 'Redis killed during USSD sessions',
  2: 'PostgreSQL unavailable',
  3: 'Replays answered once',
  4: 'kill -9 of a dispatcher',
  5: 'Status callbacks shuffled and repeated',
  6: 'Fuzzing of inbound parsers',
  7: 'Signature and secret mutations',
  8: 'Floods and allowed countries',
  9: 'Reference enumeration',
  10: 'No personal data in logs',
  11: 'Authorization matrix',
  12: 'Data rights',
};

const PHONE = /(?<![0-9A-Fa-f])(?:\+?63|0)9\d{9}(?![0-9A-Fa-f])|(?<![0-9A-Fa-f])(?:\+?880|0)1\d{9}(?![0-9A-Fa-f])/;

class FaultsReporter {
  onRunStart() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'lingkod-faults-'));
    process.env.LINGKOD_FIGURES_DIR = this.dir;
  }

  onRunComplete() {
    if (!this.dir) return;
    const file = path.join(this.dir, 'figures.jsonl');
    const figures = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    const scan = this.scanAll();
    figures.push({ point: 10, what: 'all captured log lines of the run, scanned again against every file\'s numbers, secrets and texts', value: `${scan.lines}, leaks ${scan.leaks}` });
    const rows = figures.sort((a, b) => a.point - b.point);
    const width = Math.min(72, Math.max(...rows.map((row) => row.what.length), 10));
    const out = ['', 'Reliability figures (issue 8)', ''];
    let point = 0;
    for (const row of rows) {
      if (row.point !== point) {
        point = row.point;
        out.push(`${point}. ${GUARANTEES[point] ?? ''}`);
      }
      // A long description gets its figure on the line below, so the figures stay in one column.
      if (row.what.length > width) out.push(`   ${row.what}`, `   ${''.padEnd(width)}  ${row.value}`);
      else out.push(`   ${row.what.padEnd(width)}  ${row.value}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every captured line of every file, against the union of what every file forbade. */
  scanAll() {
    const dir = path.join(this.dir, 'logs');
    if (!existsSync(dir)) return { lines: 0, leaks: 0 };
    const captures = readdirSync(dir).map((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')));
    const phones = new Set();
    const secrets = new Set();
    const bodies = new Set();
    for (const { forbidden } of captures) {
      for (const phone of forbidden.phones ?? []) if (phone.replace(/\D/g, '').length >= 9) phones.add(phone.replace(/\D/g, '').slice(-9));
      for (const secret of forbidden.secrets ?? []) if (secret.length >= 8) secrets.add(secret);
      for (const body of forbidden.bodies ?? []) if (body.length >= 12) bodies.add(body);
    }
    let lines = 0;
    let leaks = 0;
    for (const { lines: captured } of captures) {
      for (const line of captured) {
        let level = 30;
        try {
          level = Number(JSON.parse(line).level ?? 30);
        } catch {
          level = 30;
        }
        if (level < 30) continue;
        lines++;
        const leaked = PHONE.test(line) || [...phones].some((p) => line.includes(p)) || [...secrets].some((s) => line.includes(s)) || [...bodies].some((b) => line.includes(b));
        if (leaked) {
          leaks++;
          if (leaks <= 5) process.stdout.write(`LEAK in a log line: ${line.slice(0, 300)}\n`);
        }
      }
    }
    return { lines, leaks };
  }
}

module.exports = FaultsReporter;
