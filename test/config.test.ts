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

  it('reads the screen sizes of particular USSD gateways, the others keeping USSD_MAX_CHARS', () => {
    expect(loadConfig({ USSD_GATEWAY_LIMITS: 'hubtel=160/70,bdapps=140/64' }).USSD_GATEWAY_LIMITS).toEqual({ hubtel: { gsm7: 160, ucs2: 70 }, bdapps: { gsm7: 140, ucs2: 64 } });
    expect(loadConfig({}).USSD_GATEWAY_LIMITS).toEqual({});
  });

  it.each([
    ['PORT', 'eighty', /^PORT: .+ \(got "eighty"\)$/m],
    ['DEFAULT_LOCALE', 'fr', /^DEFAULT_LOCALE: /m],
    ['USSD_MAX_CHARS', '500', /^USSD_MAX_CHARS: /m],
    ['DATABASE_URL', 'mysql://x', /^DATABASE_URL: must start with postgres/m],
    ['ALLOWED_COUNTRY_CODES', '63;880', /^ALLOWED_COUNTRY_CODES: must be country calling codes/m],
    ['USSD_GATEWAY_LIMITS', 'hubtel:160', /^USSD_GATEWAY_LIMITS: must be name=gsm7\/ucs2 pairs/m],
    ['USSD_GATEWAY_LIMITS', 'hubtel=300/70', /^USSD_GATEWAY_LIMITS: each gateway's GSM-7 size must be 40-182/m],
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

describe('production mode (NODE_ENV=production)', () => {
  /** A key production accepts: 32 characters drawn from letters and digits, no runs. */
  const STRONG_KEY = 'kX9f2QmV7bR4tL1wZ8cN5hJ3pD6sG0yE';
  const PRODUCTION = { NODE_ENV: 'production', ADMIN_API_KEY: STRONG_KEY };
  const USSD_TOKEN = 'Vt7qL2mZ9xR4cN8bW1kJ6hF3sD5gP0aY';

  /** The operator's message for this environment (or '' when it is accepted). */
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };

  it('accepts a strong setup, with the simulator off and the rest as on a developer\'s machine', () => {
    const config = loadConfig({ ...PRODUCTION, PUBLIC_URL: 'https://lingkod.example.gov.ph', USSD_TOKEN, TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef' });
    expect(config.production).toBe(true);
    expect(config.SIMULATOR).toBe('off');
    expect(config.TRUST_PROXY).toBe(false);
    expect(config.HOST).toBeUndefined();
  });

  it('loads no sample catalog into an empty production database unless LOAD_SAMPLE_DATA=true says so', () => {
    expect(loadConfig({ ...PRODUCTION }).LOAD_SAMPLE_DATA).toBe(false);
    expect(loadConfig({ ...PRODUCTION, LOAD_SAMPLE_DATA: 'true' }).LOAD_SAMPLE_DATA).toBe(true);
    expect(loadConfig({}).LOAD_SAMPLE_DATA).toBe(true);
  });

  it('keeps the simulator when SIMULATOR=on says so (a training instance)', () => {
    expect(loadConfig({ ...PRODUCTION, SIMULATOR: 'on' }).SIMULATOR).toBe('on');
  });

  it('accepts no ADMIN_API_KEY at all (keys are made with npm run admin)', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).ADMIN_API_KEY).toBeUndefined();
  });

  it.each([
    ['sixteen times the same letter', 'aaaaaaaaaaaaaaaa'],
    ['a random-looking key of 31 characters', STRONG_KEY.slice(0, 31)],
    ['a long word and digits, repeated', 'password1234password1234password1234'],
  ])('refuses an ADMIN_API_KEY of %s, naming the variable and not echoing the key', (_case, key) => {
    const message = refusal({ NODE_ENV: 'production', ADMIN_API_KEY: key });
    expect(message).toMatch(/^Invalid configuration for NODE_ENV=production:$/m);
    expect(message).toMatch(/^ADMIN_API_KEY: in production it must be at least 32 random characters \(make one with: openssl rand -base64 32\)/m);
    expect(message).not.toContain(key);
  });

  it('accepts the same weak ADMIN_API_KEY outside production (a developer\'s machine)', () => {
    expect(loadConfig({ ADMIN_API_KEY: 'aaaaaaaaaaaaaaaa' }).ADMIN_API_KEY).toBe('aaaaaaaaaaaaaaaa');
  });

  it.each([
    ['Twilio', 'TWILIO_*', { TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', TWILIO_AUTH_TOKEN: '0123456789abcdef0123456789abcdef', TWILIO_FROM: '+15005550006' }],
    ['Kannel', 'KANNEL_*', { KANNEL_SENDSMS_URL: 'http://kannel:13013/cgi-bin/sendsms', KANNEL_USERNAME: 'lingkod', KANNEL_PASSWORD: 'p', KANNEL_TOKEN: USSD_TOKEN }],
    ['Telegram', 'TELEGRAM_BOT_TOKEN in webhook mode', { TELEGRAM_BOT_TOKEN: '123456:ABC-DEF', TELEGRAM_WEBHOOK_SECRET: 'secret-token' }],
    ['USSD', 'USSD_TOKEN', { USSD_TOKEN }],
    ['USSD', 'USSD_ALLOWED_IPS', { USSD_ALLOWED_IPS: '203.0.113.0/24' }],
  ])('refuses %s (%s) without PUBLIC_URL, naming the variable and the channel', (channel, _settings, env) => {
    expect(refusal({ ...PRODUCTION, ...env })).toMatch(new RegExp(`^PUBLIC_URL: in production it is required while a webhook channel is configured \\(${channel}\\)`, 'm'));
  });

  it('needs no PUBLIC_URL for Telegram by long polling (nothing calls us)', () => {
    expect(refusal({ ...PRODUCTION, TELEGRAM_BOT_TOKEN: '123456:ABC-DEF', TELEGRAM_MODE: 'polling' })).toBe('');
  });

  it('refuses a PUBLIC_URL that is not https://', () => {
    expect(refusal({ ...PRODUCTION, PUBLIC_URL: 'http://lingkod.example.gov.ph', USSD_TOKEN })).toMatch(/^PUBLIC_URL: in production it must be an https:\/\/ address/m);
  });

  it('names every refused variable at once, one line each', () => {
    const message = refusal({ NODE_ENV: 'production', ADMIN_API_KEY: 'aaaaaaaaaaaaaaaa', PUBLIC_URL: 'http://lingkod.example.gov.ph' });
    expect(message.split('\n').slice(1).map((line) => line.split(':')[0])).toEqual(['ADMIN_API_KEY', 'PUBLIC_URL']);
  });
});

describe('the listening and proxy settings', () => {
  it.each([
    ['off', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 192.0.2.7', ['10.0.0.0/8', '192.0.2.7']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads TRUST_PROXY=%s as Express\'s trust proxy setting', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['true', 'yes', '10.0.0.0/8,proxy.example'])('refuses TRUST_PROXY=%s (believing every X-Forwarded-For is not offered)', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/^TRUST_PROXY: must be off, a number of proxy hops/m);
  });

  it('reads HOST and METRICS_PORT, and refuses a port out of range', () => {
    expect(loadConfig({ HOST: '127.0.0.1', METRICS_PORT: '9464' })).toMatchObject({ HOST: '127.0.0.1', METRICS_PORT: 9464 });
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/^METRICS_PORT: /m);
  });

  it('refuses a METRICS_TOKEN that is short or easy to guess, without echoing it', () => {
    for (const token of ['short-token', 'metricsmetricsmetricsmetricsmetrics']) {
      expect(() => loadConfig({ METRICS_TOKEN: token })).toThrow(/^METRICS_TOKEN: /m);
      expect(() => loadConfig({ METRICS_TOKEN: token })).not.toThrow(new RegExp(token));
    }
  });
});
