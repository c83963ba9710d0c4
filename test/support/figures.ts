import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Figures of the fault suite (test/faults): each test file records what it measured here, and
 * the faults reporter (test/support/faults-reporter.js) prints them as one table at the end
 * of the run. The reporter names the directory in LINGKOD_FIGURES_DIR; a file run without it
 * (jest on one file) writes to a directory of its own and prints its figures as it goes.
 */

/** One measured figure: which guarantee of issue 8 it proves, what, and how much. */
export interface Figure {
  point: number;
  /** What was measured, e.g. "Twilio messages, each delivered 3 times". */
  what: string;
  value: string;
}

const ownDir = path.join(tmpdir(), `lingkod-figures-${process.pid}`);

function figuresDir(): string {
  const dir = process.env.LINGKOD_FIGURES_DIR ?? ownDir;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Records a figure for the table (and prints it when no reporter collects them). */
export function recordFigure(point: number, what: string, value: string | number): void {
  const figure: Figure = { point, what, value: String(value) };
  appendFileSync(path.join(figuresDir(), 'figures.jsonl'), `${JSON.stringify(figure)}\n`);
  if (!process.env.LINGKOD_FIGURES_DIR) process.stdout.write(`[figure ${point}] ${what}: ${figure.value}\n`);
}

/** What must never appear in a log line at info level or above. */
export interface Forbidden {
  /** Phone numbers used by the test, in any form; each is looked for by its last nine digits. */
  phones?: string[];
  /** Tokens, secrets, passwords and keys, looked for whole. */
  secrets?: string[];
  /** Message texts the test sent or had sent, looked for whole (those of 12 characters or more). */
  bodies?: string[];
}

/** A log line that broke the rule, and why. */
export interface Leak {
  line: string;
  reason: string;
}

/** A Philippine or Bangladeshi mobile number in any usual form, not part of a longer run of digits or hex. */
const PHONE = /(?<![0-9A-Fa-f])(?:\+?63|0)9\d{9}(?![0-9A-Fa-f])|(?<![0-9A-Fa-f])(?:\+?880|0)1\d{9}(?![0-9A-Fa-f])/;

/**
 * The log lines (pino JSON) at info level or above that contain a full phone number (any
 * PH or BD mobile number, and every number the test named), a secret, or a message body.
 */
export function findLeaks(lines: readonly string[], forbidden: Forbidden): Leak[] {
  const phones = (forbidden.phones ?? []).map((phone) => phone.replace(/\D/g, '').slice(-9)).filter((digits) => digits.length === 9);
  const secrets = (forbidden.secrets ?? []).filter((secret) => secret.length >= 8);
  const bodies = (forbidden.bodies ?? []).filter((body) => body.length >= 12);
  const leaks: Leak[] = [];
  for (const line of lines) {
    let level = 30;
    try {
      level = Number((JSON.parse(line) as { level?: number }).level ?? 30);
    } catch {
      // Not JSON: checked as it is, as if at info level.
    }
    if (level < 30) continue;
    const phone = PHONE.exec(line) ?? phones.find((digits) => line.includes(digits));
    const secret = secrets.find((value) => line.includes(value));
    const body = bodies.find((value) => line.includes(value));
    if (phone) leaks.push({ line, reason: 'a phone number' });
    else if (secret) leaks.push({ line, reason: 'a secret' });
    else if (body) leaks.push({ line, reason: 'a message body' });
  }
  return leaks;
}

/**
 * Scans a test file's captured logs (point 10 of the issue), records how many lines were
 * scanned for the table, and keeps them (with what was forbidden) for the reporter's scan of
 * the whole run. Returns the leaks, for the file to assert none.
 */
export function scanLogs(file: string, lines: readonly string[], forbidden: Forbidden): Leak[] {
  const leaks = findLeaks(lines, forbidden);
  const dir = path.join(figuresDir(), 'logs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ lines, forbidden }));
  recordFigure(10, `log lines at info or above scanned (${file})`, `${lines.length}, leaks ${leaks.length}`);
  return leaks;
}

/** The p-th percentile (0-100) of some durations, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
