import { loadConfig } from '../../src/config';
import { addOfficeHours, parseOfficeHours } from '../../src/services/office-hours';

/** The desk's targets in office hours (DESK_OFFICE_HOURS), in the deployment's time zone. */
describe('office hours for the desk targets', () => {
  const weekdays = parseOfficeHours('Mon-Fri 08:00-17:00');
  const manila = (local: string) => new Date(`${local}+08:00`);

  it('carries a target over the evening and the weekend: 8 hours from Friday 16:00 is Monday 15:00 in Manila', () => {
    // 2026-11-27 is a Friday.
    expect(addOfficeHours(manila('2026-11-27T16:00:00'), 8, weekdays, 'Asia/Manila')).toEqual(manila('2026-11-30T15:00:00'));
  });

  it('starts counting at opening for a thread filed at night or on a Sunday', () => {
    expect(addOfficeHours(manila('2026-11-29T22:30:00'), 2, weekdays, 'Asia/Manila')).toEqual(manila('2026-11-30T10:00:00'));
    expect(addOfficeHours(manila('2026-11-30T06:00:00'), 0.5, weekdays, 'Asia/Manila')).toEqual(manila('2026-11-30T08:30:00'));
  });

  it('counts a long target in whole office days (120 h = 13 days of 9 hours and 3 h: Monday 30 November 08:00 to Thursday 17 December 11:00) and in Dhaka time', () => {
    expect(addOfficeHours(manila('2026-11-30T08:00:00'), 120, weekdays, 'Asia/Manila')).toEqual(manila('2026-12-17T11:00:00'));
    expect(addOfficeHours(new Date('2026-12-03T10:00:00+06:00'), 1, parseOfficeHours('Sun-Thu 09:00-17:00'), 'Asia/Dhaka')).toEqual(new Date('2026-12-03T11:00:00+06:00'));
    // Thursday 16:30 in Dhaka: half an hour then, half an hour on Sunday (Friday and Saturday are closed).
    expect(addOfficeHours(new Date('2026-12-03T16:30:00+06:00'), 1, parseOfficeHours('Sun-Thu 09:00-17:00'), 'Asia/Dhaka')).toEqual(new Date('2026-12-06T09:30:00+06:00'));
  });

  it('counts around the clock with `always`, and refuses a malformed setting at start-up', () => {
    expect(parseOfficeHours('always')).toBeNull();
    expect(addOfficeHours(manila('2026-11-28T08:00:00'), 8, null, 'Asia/Manila')).toEqual(manila('2026-11-28T16:00:00'));
    expect(() => loadConfig({ DESK_OFFICE_HOURS: 'weekdays 9 to 5' })).toThrow(/DESK_OFFICE_HOURS/);
    expect(() => parseOfficeHours('Mon-Fri 17:00-08:00')).toThrow(/before they open/);
  });
});
