/**
 * Dates and times as a person reads them: in the deployment's time zone (TIME_ZONE, Asia/Manila
 * by default), never UTC, and in the format of their language. At 01:30 on 4 December in
 * Manila (17:30 UTC on the 3rd) every screen says 4 December.
 */

/**
 * The Intl locale each of our languages is written in. English is day-first (en-GB), like the
 * DD-MM-YYYY the forms ask for; Filipino and Bangla as their own locales write them; the
 * region's languages (no Intl data of their own) as Filipino does, as their manifests say.
 */
const INTL_LOCALES: Record<string, string> = { en: 'en-GB', fil: 'fil-PH', bn: 'bn-BD', mdh: 'fil-PH', mrw: 'fil-PH', tsg: 'fil-PH' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions, kind: string): Intl.DateTimeFormat {
  const key = `${kind}\u0000${locale}\u0000${timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(INTL_LOCALES[locale] ?? locale, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

/** The calendar day at `at` in `timeZone`, as YYYY-MM-DD (for comparing with a typed date). */
export function localDay(at: Date, timeZone: string): string {
  return formatter('en-CA', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'iso').format(at);
}

/** A day as `locale` writes it, in `timeZone`: 4 Dec 2026, Dis 4, 2026, ৪ ডিসে, ২০২৬. */
export function readableDay(at: Date, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, { day: 'numeric', month: 'short', year: 'numeric' }, 'day').format(at);
}

/** A day and time as `locale` writes them, in `timeZone` (24-hour clock): 4 Dec 2026, 01:30. */
export function readableTime(at: Date, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, 'time').format(at);
}

/** A day and time without the year, for an SMS that must stay one segment: 14 Dec, 10:00. */
export function shortTime(at: Date, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, 'short').format(at);
}

/**
 * A date a citizen typed into a form (kept as YYYY-MM-DD), echoed the way the form asked for
 * it in every language: DD-MM-YYYY. Anything else is returned as it is.
 */
export function formDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return match ? `${match[3]}-${match[2]}-${match[1]}` : iso;
}

/**
 * A local wall-clock time already in the deployment's zone (`YYYY-MM-DD HH:MM`, as the
 * verification lookup gives it), written as `locale` writes a day and time.
 */
export function readableLocalTime(local: string, locale: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(local);
  if (!match) return local;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  return readableTime(new Date(Date.UTC(year, month - 1, day, hour, minute)), locale, 'UTC');
}

/** A time of day in `timeZone` on the 24-hour clock (13:05), for a list where the day is plain. */
export function clockTime(at: Date, timeZone: string): string {
  return formatter('en-GB', timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, 'clock').format(at);
}
