/**
 * Working-day arithmetic for the Citizen's Charter clock (RA 11032), pure: no store, no clock.
 *
 * The model: offices work from OFFICE_HOURS.start to OFFICE_HOURS.end (08:00–17:00) local time,
 * Monday to Friday, except on the calendar's non-working days (a whole day, or from a time on: a
 * half-day suspension). A request's N working days are N full office days of working time,
 * counted from the instant it was received: filed Monday 10:00 with 3 days, it is due Thursday
 * 10:00; filed on a Saturday, the clock starts Monday 08:00 and runs out Wednesday 17:00 (the
 * first instant the time is used up, never the next morning's 08:00).
 *
 * Local time is read with Intl in the deployment's zone, never the host's. Asia/Manila (and
 * Asia/Dhaka) keep one offset all year, which is what the conversion from a local wall time to
 * an instant assumes; in a zone with daylight saving the hour of a changeover day may be off.
 */

/** Office hours, in minutes after local midnight. */
export const OFFICE_HOURS = { start: 8 * 60, end: 17 * 60 } as const;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** One working day of working time, in milliseconds. */
export const WORKING_DAY_MS = (OFFICE_HOURS.end - OFFICE_HOURS.start) * MINUTE;

/** Farther than any clock can run (20 working days, extended once, over a year of holidays). */
const MAX_DAYS_WALKED = 3 * 366;

/** A non-working day: `day` YYYY-MM-DD local; `from` HH:MM when only the rest of the day is off. */
export interface NonWorkingDay {
  day: string;
  from?: string | null;
}

/** A local date as a day number (days since 1970-01-01), which makes walking and weekdays plain. */
type DayNumber = number;

function dayNumberOf(iso: string): DayNumber {
  const [year, month, day] = iso.split('-').map(Number);
  return Date.UTC(year, month - 1, day) / DAY;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** 1970-01-01 was a Thursday; 0 is Sunday, 6 Saturday. */
function weekday(day: DayNumber): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The working days of one place: the weekend and its non-working days skipped, in one zone. */
export class WorkingCalendar {
  /** Per day number: the minute offices close early, or 0 for a whole day off. */
  private readonly closed = new Map<DayNumber, number>();
  private readonly parts: Intl.DateTimeFormat;

  constructor(
    days: readonly NonWorkingDay[],
    readonly timeZone: string,
  ) {
    for (const { day, from } of days) {
      const closesAt = from ? minutesOf(from) : 0;
      const key = dayNumberOf(day);
      // Two entries for one day: the earlier closing wins.
      this.closed.set(key, Math.min(closesAt, this.closed.get(key) ?? Infinity));
    }
    this.parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  }

  /** The working window of a local day, in ms after local midnight, or undefined when none. */
  private window(day: DayNumber): { start: number; end: number } | undefined {
    const dow = weekday(day);
    if (dow === 0 || dow === 6) return undefined;
    const closesAt = Math.min(OFFICE_HOURS.end, this.closed.get(day) ?? Infinity);
    return closesAt > OFFICE_HOURS.start ? { start: OFFICE_HOURS.start * MINUTE, end: closesAt * MINUTE } : undefined;
  }

  /** The zone's offset from UTC at `at`, in ms (Manila: +8 h). */
  private offset(at: number): number {
    const values: Record<string, number> = {};
    for (const part of this.parts.formatToParts(at)) if (part.type !== 'literal') values[part.type] = Number(part.value);
    const wall = Date.UTC(values.year, values.month - 1, values.day, values.hour, values.minute, values.second);
    return wall - (at - (at % 1000 + 1000) % 1000);
  }

  /** The local day and the ms after its midnight of an instant. */
  private local(at: number): { day: DayNumber; ms: number } {
    const wall = at + this.offset(at);
    const day = Math.floor(wall / DAY);
    return { day, ms: wall - day * DAY };
  }

  private instant(day: DayNumber, ms: number): Date {
    const wall = day * DAY + ms;
    return new Date(wall - this.offset(wall - this.offset(wall)));
  }

  /** Whether offices work at `at`. */
  isWorking(at: Date): boolean {
    const { day, ms } = this.local(at.getTime());
    const window = this.window(day);
    return window !== undefined && ms >= window.start && ms < window.end;
  }

  /**
   * The instant `workingDays` working days after `from`: when that much working time has passed
   * since `from` (or since the next opening, when `from` is outside office hours).
   */
  addWorkingDays(from: Date, workingDays: number): Date {
    let need = Math.round(workingDays * WORKING_DAY_MS);
    const start = this.local(from.getTime());
    for (let day = start.day; day < start.day + MAX_DAYS_WALKED; day++) {
      const window = this.window(day);
      if (!window) continue;
      const begin = day === start.day ? Math.max(window.start, start.ms) : window.start;
      if (begin >= window.end) continue;
      if (need <= window.end - begin) return this.instant(day, begin + need);
      need -= window.end - begin;
    }
    throw new RangeError(`no ${workingDays} working days within ${MAX_DAYS_WALKED} days of ${from.toISOString()}`);
  }

  /** Working time between two instants, in ms; negative when `to` is before `from`. */
  workingMsBetween(from: Date, to: Date): number {
    if (to.getTime() < from.getTime()) return -this.workingMsBetween(to, from);
    const a = this.local(from.getTime());
    const b = this.local(to.getTime());
    let total = 0;
    for (let day = a.day; day <= b.day; day++) {
      const window = this.window(day);
      if (!window) continue;
      const begin = Math.max(window.start, day === a.day ? a.ms : 0);
      const end = Math.min(window.end, day === b.day ? b.ms : DAY);
      if (end > begin) total += end - begin;
    }
    return total;
  }

  /** Working days left from `now` until `due` (fractional; negative once overdue, counted in working time). */
  workingDaysLeft(now: Date, due: Date): number {
    return this.workingMsBetween(now, due) / WORKING_DAY_MS;
  }
}
