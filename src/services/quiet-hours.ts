import type { QuietHours } from '../config';

const MINUTES_PER_DAY = 24 * 60;

/**
 * Quiet hours: a daily window of local time (in one time zone) when ordinary broadcasts wait,
 * so nobody's phone buzzes with an announcement at 2 a.m. Emergencies ignore it. The setting
 * (BROADCAST_QUIET_HOURS) is parsed by config.ts.
 */

/** One formatter per zone: making one costs far more than using it, and the dispatcher asks on every claim. */
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight at `at` in `timeZone`. */
function localMinute(at: Date, timeZone: string): number {
  let formatter = clockFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/** True when `at` falls inside the window (start included, end excluded); an empty window (start = end) is never quiet. */
export function isQuiet(quiet: QuietHours | null, at: Date): boolean {
  if (!quiet || quiet.startMinute === quiet.endMinute) return false;
  const minute = localMinute(at, quiet.timeZone);
  return quiet.startMinute < quiet.endMinute
    ? minute >= quiet.startMinute && minute < quiet.endMinute
    : minute >= quiet.startMinute || minute < quiet.endMinute;
}

/**
 * When the quiet window around `at` ends, or undefined when `at` is not quiet. (On a night a
 * zone changes its clocks the answer can be an hour off; Asia/Manila has no daylight saving.)
 */
export function quietUntil(quiet: QuietHours | null, at: Date): Date | undefined {
  if (!quiet || !isQuiet(quiet, at)) return undefined;
  const minutesLeft = (quiet.endMinute - localMinute(at, quiet.timeZone) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const startOfMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  return new Date(startOfMinute + minutesLeft * 60_000);
}
