import { ConfigError, loadConfig } from '../src/config';

describe('configuration from the environment', () => {
  it('has a default for everything, so a fresh machine starts with no variable set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      DEFAULT_LOCALE: 'en',
      USSD_MAX_CHARS: 182,
      USSD_MAX_CHARS_UCS2: 80,
      ALLOWED_COUNTRY_CODES: ['63', '880'],
      TELEGRAM_MODE: 'webhook',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reads and converts the values it is given', () => {
    const config = loadConfig({ PORT: '8080', DEFAULT_LOCALE: 'bn', ALLOWED_COUNTRY_CODES: '63', DATABASE_URL: 'postgres://u@db/lingkod' });
    expect(config.PORT).toBe(8080);
    expect(config.DEFAULT_LOCALE).toBe('bn');
    expect(config.ALLOWED_COUNTRY_CODES).toEqual(['63']);
    expect(config.DATABASE_URL).toBe('postgres://u@db/lingkod');
  });

  it.each([
    ['PORT', 'eighty', /^PORT: .+ \(got "eighty"\)$/m],
    ['DEFAULT_LOCALE', 'fr', /^DEFAULT_LOCALE: /m],
    ['USSD_MAX_CHARS', '500', /^USSD_MAX_CHARS: /m],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL: must start with postgres/m],
    ['ALLOWED_COUNTRY_CODES', '63;880', /^ALLOWED_COUNTRY_CODES: must be country calling codes/m],
  ])('stops on a bad %s with one line naming the variable', (variable, value, message) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(message);
  });

  it('never echoes a secret or a URL back in its message', () => {
    try {
      loadConfig({ ADMIN_API_KEY: 'short-secret', REDIS_URL: 'http://user:hunter2@cache' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/^ADMIN_API_KEY: /m);
      expect(message).toMatch(/^REDIS_URL: /m);
      expect(message).not.toContain('short-secret');
      expect(message).not.toContain('hunter2');
    }
  });
});
