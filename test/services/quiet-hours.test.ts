import { ConfigError, loadConfig, parseQuietHours } from '../../src/config';
import { isQuiet, quietUntil } from '../../src/services/quiet-hours';

describe('quiet hours', () => {
  const manila = parseQuietHours('21:00-07:00 Asia/Manila') ?? null;

  it('reads a window, with Asia/Manila when no zone is given, and off', () => {
    expect(parseQuietHours('21:00-07:00')).toEqual({ startMinute: 21 * 60, endMinute: 7 * 60, timeZone: 'Asia/Manila' });
    expect(parseQuietHours('22:30 - 06:15 Asia/Dhaka')).toEqual({ startMinute: 22 * 60 + 30, endMinute: 6 * 60 + 15, timeZone: 'Asia/Dhaka' });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('9pm-7am')).toBeUndefined();
    expect(parseQuietHours('21:00-07:00 Mars/Olympus')).toBeUndefined();
    expect(parseQuietHours('25:00-07:00')).toBeUndefined();
  });

  it('is quiet from 21:00 to 07:00 Manila time (UTC+8), across midnight', () => {
    expect(isQuiet(manila, new Date('2026-11-28T12:59:00Z'))).toBe(false); // 20:59
    expect(isQuiet(manila, new Date('2026-11-28T13:00:00Z'))).toBe(true); // 21:00
    expect(isQuiet(manila, new Date('2026-11-28T18:00:00Z'))).toBe(true); // 02:00
    expect(isQuiet(manila, new Date('2026-11-28T22:59:59Z'))).toBe(true); // 06:59:59
    expect(isQuiet(manila, new Date('2026-11-28T23:00:00Z'))).toBe(false); // 07:00
  });

  it('ends at the next 07:00 Manila time', () => {
    expect(quietUntil(manila, new Date('2026-11-28T14:20:30Z'))).toEqual(new Date('2026-11-28T23:00:00Z')); // 22:20:30 → 07:00
    expect(quietUntil(manila, new Date('2026-11-28T18:00:00Z'))).toEqual(new Date('2026-11-28T23:00:00Z')); // 02:00 → 07:00
    expect(quietUntil(manila, new Date('2026-11-28T02:00:00Z'))).toBeUndefined(); // 10:00: not quiet
  });

  it('handles a window that does not cross midnight, and never holds anything when off or empty', () => {
    const lunch = parseQuietHours('12:00-13:00 UTC') ?? null;
    expect(isQuiet(lunch, new Date('2026-11-28T12:30:00Z'))).toBe(true);
    expect(isQuiet(lunch, new Date('2026-11-28T13:30:00Z'))).toBe(false);
    expect(quietUntil(lunch, new Date('2026-11-28T12:30:00Z'))).toEqual(new Date('2026-11-28T13:00:00Z'));
    expect(isQuiet(null, new Date('2026-11-28T14:00:00Z'))).toBe(false);
    expect(isQuiet(parseQuietHours('07:00-07:00') ?? null, new Date('2026-11-28T23:00:00Z'))).toBe(false);
  });
});

describe('the broadcast settings', () => {
  it('default to quiet hours 21:00-07:00 Manila, approval above 1,000 recipients, PHP 0.35 per SMS segment and free Telegram', () => {
    expect(loadConfig({})).toMatchObject({ BROADCAST_QUIET_HOURS: '21:00-07:00 Asia/Manila', BROADCAST_APPROVAL_THRESHOLD: 1000, SMS_PRICE_PHP: 0.35, TELEGRAM_PRICE_PHP: 0 });
  });

  it('refuse a quiet-hours setting that cannot be read, naming the variable', () => {
    expect(() => loadConfig({ BROADCAST_QUIET_HOURS: '9pm to 7am' })).toThrow(ConfigError);
    expect(() => loadConfig({ BROADCAST_QUIET_HOURS: '9pm to 7am' })).toThrow(/BROADCAST_QUIET_HOURS: must be HH:MM-HH:MM/);
    expect(() => loadConfig({ SMS_PRICE_PHP: '-1' })).toThrow(/SMS_PRICE_PHP/);
  });
});
