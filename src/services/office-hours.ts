import { OFFICE_HOURS_PATTERN } from '../config';

/**
 * Office hours for the desk's targets (DESK_OFFICE_HOURS): a target of 8 hours filed on Friday
 * at 16:00 with `Mon-Fri 08:00-17:00` is due on Monday at 15:00, in the deployment's time zone.
 * `always` counts around the clock. (The Citizen's Charter's working-day calendar, with its
 * holidays, is another module's; this is plain weekly hours.)
 */
export interface OfficeHours {
  /** Days of the week open, 0 = Sunday. */
  days: ReadonlySet<number>;
  /** Minutes after local midnight: opening and closing. */
  open: number;
  close: number;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Parses DESK_OFFICE_HOURS; null for `always`. */
export function parseOfficeHours(text: string): OfficeHours | null {
  const match = OFFICE_HOURS_PATTERN.exec(text.trim());
  if (!match || text.trim() === 'always') return null;
  const [, from, to, openH, openM, closeH, closeM] = match;
  const first = DAY_NAMES.indexOf(from);
  const last = DAY_NAMES.indexOf(to ?? from);
  const days = new Set<number>();
  for (let day = first; ; day = (day + 1) % 7) {
    days.add(day);
    if (day === last) break;
  }
  const open = Number(openH) * 60 + Number(openM);
  const close = Number(closeH) * 60 + Number(closeM);
  if (close <= open) throw new Error(`office hours close (${closeH}:${closeM}) before they open (${openH}:${openM})`);
  return { days, open, close };
}

/** The weekday and the minutes since local midnight of a moment, in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((item) => item.type === type)?.value ?? '0';
  return { day: DAY_NAMES.indexOf(part('weekday')), minutes: Number(part('hour')) * 60 + Number(part('minute')) + (Number(part('second')) + at.getUTCMilliseconds() / 1000) / 60 };
}

/** The moment `hours` of office time after `start` (around the clock when `office` is null). */
export function addOfficeHours(start: Date, hours: number, office: OfficeHours | null, timeZone: string): Date {
  if (office === null) return new Date(start.getTime() + hours * 3_600_000);
  let remaining = hours * 60;
  let cursor = start.getTime();
  // A year of days at most: past it the hours are open so rarely that the target means nothing.
  for (let step = 0; step < 366; step++) {
    const { day, minutes } = localTime(new Date(cursor), timeZone);
    if (office.days.has(day)) {
      const from = Math.max(office.open, minutes);
      const available = office.close - from;
      if (available > 0 && remaining <= available) return new Date(cursor + (from - minutes + remaining) * 60_000);
      if (available > 0) remaining -= available;
    }
    // On to the next local midnight.
    cursor += (1440 - minutes) * 60_000;
  }
  return new Date(cursor);
}
