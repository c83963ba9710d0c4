import fc from 'fast-check';
import { OFFICE_HOURS, WORKING_DAY_MS, WorkingCalendar, type NonWorkingDay } from '../../src/services/working-days';

const MANILA = 'Asia/Manila';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Instants between 2025 and 2028, at any millisecond. */
const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }).map((ms) => new Date(ms));
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Up to 40 non-working days in 2025–2028, some of them half days. */
const holidays = fc.array(
  fc.record({
    day: fc.integer({ min: Date.UTC(2025, 0, 1) / DAY, max: Date.UTC(2028, 0, 1) / DAY }).map((n) => isoDay(n * DAY)),
    from: fc.option(fc.constantFrom('12:00', '13:00', '15:30'), { nil: undefined }),
  }),
  { maxLength: 40 },
);
const workingDays = fc.integer({ min: 1, max: 40 });

/** Manila's wall clock of an instant, read without Intl: UTC+8 all year (no daylight saving). */
function manila(at: Date): { day: string; minutes: number; weekday: number } {
  const wall = new Date(at.getTime() + 8 * HOUR);
  return { day: wall.toISOString().slice(0, 10), minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes() + wall.getUTCSeconds() / 60 + wall.getUTCMilliseconds() / 60_000, weekday: wall.getUTCDay() };
}

/** An oracle written another way: whole office days counted from the opening of a working day. */
function oracleWholeDays(startDay: string, n: number, off: Set<string>): Date {
  let day = Date.parse(`${startDay}T00:00:00Z`);
  let left = n;
  for (;;) {
    const date = new Date(day);
    const iso = date.toISOString().slice(0, 10);
    if (date.getUTCDay() !== 0 && date.getUTCDay() !== 6 && !off.has(iso)) left--;
    if (left === 0) return new Date(day + OFFICE_HOURS.end * 60_000 - 8 * HOUR);
    day += DAY;
  }
}

describe('working-day arithmetic (Asia/Manila)', () => {
  it('a due date always falls in office hours on a working day, after the receipt', () => {
    fc.assert(
      fc.property(instant, workingDays, holidays, (from, n, days) => {
        const calendar = new WorkingCalendar(days, MANILA);
        const due = calendar.addWorkingDays(from, n);
        expect(due.getTime()).toBeGreaterThan(from.getTime());
        const wall = manila(due);
        expect([0, 6]).not.toContain(wall.weekday);
        expect(wall.minutes).toBeGreaterThan(OFFICE_HOURS.start);
        const holiday = days.filter((d) => d.day === wall.day);
        expect(holiday.every((d) => d.from !== undefined && wall.minutes <= Number(d.from.slice(0, 2)) * 60 + Number(d.from.slice(3)))).toBe(true);
        expect(wall.minutes).toBeLessThanOrEqual(OFFICE_HOURS.end);
      }),
    );
  });

  it('exactly N working days of working time lie between the receipt and the due date', () => {
    fc.assert(
      fc.property(instant, workingDays, holidays, (from, n, days) => {
        const calendar = new WorkingCalendar(days, MANILA);
        expect(calendar.workingMsBetween(from, calendar.addWorkingDays(from, n))).toBe(n * WORKING_DAY_MS);
        expect(calendar.workingDaysLeft(calendar.addWorkingDays(from, n), from)).toBe(-n);
      }),
    );
  });

  it('adds up: N days then M days is N + M days', () => {
    fc.assert(
      fc.property(instant, workingDays, workingDays, holidays, (from, n, m, days) => {
        const calendar = new WorkingCalendar(days, MANILA);
        expect(calendar.addWorkingDays(calendar.addWorkingDays(from, n), m).getTime()).toBe(calendar.addWorkingDays(from, n + m).getTime());
      }),
    );
  });

  it('a later receipt is never due earlier, and a holiday never brings a due date forward', () => {
    fc.assert(
      fc.property(instant, instant, workingDays, holidays, holidays, (a, b, n, days, more) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        const calendar = new WorkingCalendar(days, MANILA);
        expect(calendar.addWorkingDays(early, n).getTime()).toBeLessThanOrEqual(calendar.addWorkingDays(late, n).getTime());
        const busier = new WorkingCalendar([...days, ...more], MANILA);
        expect(busier.addWorkingDays(early, n).getTime()).toBeGreaterThanOrEqual(calendar.addWorkingDays(early, n).getTime());
      }),
    );
  });

  it('agrees with a whole-day count from the opening of a working day (weekends and whole holidays skipped)', () => {
    fc.assert(
      fc.property(instant, workingDays, holidays, (at, n, days) => {
        const whole = days.map((d) => ({ day: d.day }));
        const off = new Set(whole.map((d) => d.day));
        const calendar = new WorkingCalendar(whole, MANILA);
        // The opening (08:00 Manila) of the day `at` falls on, or of the next working day.
        const opening = new Date(Date.parse(`${manila(at).day}T00:00:00Z`) + OFFICE_HOURS.start * 60_000 - 8 * HOUR);
        expect(calendar.addWorkingDays(opening, n).getTime()).toBe(oracleWholeDays(manila(at).day, n, off).getTime());
      }),
    );
  });

  it('reads days in Manila, not UTC and not the host: 4 Dec 2026 01:30 Manila is a Friday (3 Dec 17:30 UTC)', () => {
    const previous = process.env.TZ;
    try {
      for (const zone of ['UTC', 'America/New_York', 'Pacific/Kiritimati']) {
        process.env.TZ = zone;
        // Friday 4 Dec 2026 is a holiday: filed just after midnight Manila, the clock starts Monday 7 Dec 08:00.
        const calendar = new WorkingCalendar([{ day: '2026-12-04' }], MANILA);
        const filed = new Date('2026-12-03T17:30:00Z');
        expect(calendar.isWorking(filed)).toBe(false);
        expect(calendar.addWorkingDays(filed, 3).toISOString()).toBe('2026-12-09T09:00:00.000Z'); // Wed 9 Dec 17:00 Manila
      }
    } finally {
      process.env.TZ = previous;
    }
  });

  it('a half-day suspension leaves the morning: filed Monday 10:00 with the Tuesday afternoon off', () => {
    const calendar = new WorkingCalendar([{ day: '2026-12-08', from: '12:00' }], MANILA);
    // Monday 10:00–17:00 is 7 h of the 9; Tuesday's first 2 h finish the day: due Tuesday 10:00.
    expect(calendar.addWorkingDays(new Date('2026-12-07T02:00:00Z'), 1).toISOString()).toBe('2026-12-08T02:00:00.000Z');
    // Two days (18 h): 7 on Monday, 4 on Tuesday's morning, 7 on Wednesday: due Wednesday 15:00.
    expect(calendar.addWorkingDays(new Date('2026-12-07T02:00:00Z'), 2).toISOString()).toBe('2026-12-09T07:00:00.000Z');
  });

  it('holds in another zone without daylight saving (Asia/Dhaka, UTC+6): due at 17:00 Dhaka', () => {
    const calendar = new WorkingCalendar([], 'Asia/Dhaka');
    // Saturday 5 Dec 2026 in Dhaka: the clock starts Monday (Lingkod keeps a Monday-to-Friday week).
    expect(calendar.addWorkingDays(new Date('2026-12-05T04:00:00Z'), 1).toISOString()).toBe('2026-12-07T11:00:00.000Z');
  });

  it('counts time left in working days, negative once overdue', () => {
    const calendar = new WorkingCalendar([], MANILA);
    const due = new Date('2026-12-09T09:00:00Z'); // Wed 17:00 Manila
    expect(calendar.workingDaysLeft(new Date('2026-12-07T00:00:00Z'), due)).toBe(3);
    expect(calendar.workingDaysLeft(new Date('2026-12-11T09:00:00Z'), due)).toBe(-2);
    expect(calendar.workingDaysLeft(new Date('2026-12-12T09:00:00Z'), due)).toBe(-2); // a Saturday adds nothing
  });

  it('refuses a non-working year rather than walking forever', () => {
    const everyDay: NonWorkingDay[] = Array.from({ length: 3 * 366 + 2 }, (_, i) => ({ day: isoDay(Date.UTC(2026, 0, 1) + i * DAY) }));
    expect(() => new WorkingCalendar(everyDay, MANILA).addWorkingDays(new Date('2026-01-01T00:00:00Z'), 1)).toThrow(RangeError);
  });
});
