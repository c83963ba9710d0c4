import { z } from 'zod';

/**
 * Every setting Lingkod reads, in one place. Each comes from an environment variable of the
 * same name; each has a default that works for a one-municipality pilot on one machine.
 * `loadConfig` fails fast with one line per bad value, naming the variable, so an operator
 * can fix it without reading code.
 */

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const intInRange = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

export const SUPPORTED_LOCALES = ['en', 'fil', 'bn'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

const configSchema = z.object({
  /** HTTP port of the one Express app. */
  PORT: intInRange(0, 65535, 3000),
  /** Public base URL, as providers see it; needed to verify Twilio signatures. */
  PUBLIC_URL: optionalUrl,
  /** Where the embedded PGlite database lives when DATABASE_URL is not set. */
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  /** PostgreSQL connection string; when absent, PGlite in DATA_DIR is used. */
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  /** Redis connection string; when absent, ephemeral state is kept in memory. */
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  /** While set, a super-admin API key with this value exists. */
  ADMIN_API_KEY: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Language for citizens who have not chosen one. */
  DEFAULT_LOCALE: z.preprocess(emptyToUndefined, z.enum(SUPPORTED_LOCALES).default('en')),
  /** Characters in one USSD screen of GSM 7-bit text (160 octets of packed septets). */
  USSD_MAX_CHARS: intInRange(40, 182, 182),
  /** Characters in one USSD screen that needs UCS-2 (160 octets / 2). */
  USSD_MAX_CHARS_UCS2: intInRange(20, 80, 80),
  /**
   * How long a dialog is remembered after the last input, in seconds. A form left half-way is
   * offered for resumption on the next dial within this time.
   */
  SESSION_TTL: intInRange(60, 7 * 24 * 3600, 24 * 3600),
  /** Telephone country codes that may be served and sent to, comma-separated. */
  ALLOWED_COUNTRY_CODES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{1,3}(,\d{1,3})*$/, 'must be country calling codes separated by commas, e.g. 63,880')
      .default('63,880')
      .transform((codes) => codes.split(',')),
  ),
  /** Whether to load the sample catalog into an empty database at start-up. */
  LOAD_SAMPLE_DATA: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** After this many attempts a message that keeps failing is marked failed. */
  OUTBOX_MAX_ATTEMPTS: intInRange(1, 50, 8),
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: optionalString,
  KANNEL_SENDSMS_URL: optionalUrl,
  KANNEL_USERNAME: optionalString,
  KANNEL_PASSWORD: optionalString,
  KANNEL_TOKEN: optionalString,
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  TELEGRAM_MODE: z.preprocess(emptyToUndefined, z.enum(['webhook', 'polling']).default('webhook')),
  TELEGRAM_API_ROOT: z.preprocess(emptyToUndefined, z.url().default('https://api.telegram.org')),
});

export type Config = z.infer<typeof configSchema>;

/** A configuration error whose message is meant for the operator, one line per variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = String(issue.path[0]);
    // Secrets and URLs (which may hold passwords) are never echoed back.
    const secret = /TOKEN|KEY|PASSWORD|SECRET|URL|SID/.test(variable);
    const shown = env[variable] === undefined || secret ? '' : ` (got "${String(env[variable]).slice(0, 40)}")`;
    return `${variable}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
