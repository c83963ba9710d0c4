import { z } from 'zod';
import { parseQuietHours } from './services/quiet-hours';

/**
 * Every setting Lingkod reads, in one place. Each comes from an environment variable of the
 * same name; each has a default that works for a one-municipality pilot on one machine.
 * `loadConfig` fails fast with one line per bad value, naming the variable, so an operator
 * can fix it without reading code.
 */

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const pesos = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(1000).default(fallback));
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
  /** IANA time zone of the dates officers read in the console (days on the dashboard, times in lists). */
  TIME_ZONE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('Asia/Manila')
      .refine((zone) => Intl.supportedValuesOf('timeZone').includes(zone) || zone === 'UTC', 'must be an IANA time zone such as Asia/Manila or UTC'),
  ),
  /** Characters in one USSD screen of GSM 7-bit text (160 octets of packed septets). */
  USSD_MAX_CHARS: intInRange(40, 182, 182),
  /** Characters in one USSD screen that needs UCS-2 (160 octets / 2). */
  USSD_MAX_CHARS_UCS2: intInRange(20, 80, 80),
  /**
   * A USSD screen longer than this many pages is also sent whole by SMS ("we will send the rest
   * by SMS"), once per session, when SMS is on; the citizen can keep paging on USSD meanwhile.
   */
  USSD_SMS_FINISH_PAGES: intInRange(1, 50, 3),
  /**
   * Milliseconds a USSD hop may take before the citizen is told "we will send the answer by
   * SMS" and the session ends (a slow ministry system); the answer follows by SMS when the
   * work is done. Keep it under the gateway's own wait for an answer (a few seconds).
   */
  USSD_SMS_FINISH_AFTER_MS: intInRange(10, 60_000, 4000),
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
  /**
   * The phone simulator at /simulator: `on` (the default, so a first start has something to
   * try) or `off` in production, where nobody should chat with the live service as a made-up phone.
   */
  SIMULATOR: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
  /** Whether to load the sample catalog into an empty database at start-up. */
  LOAD_SAMPLE_DATA: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** After this many attempts a message that keeps failing is marked failed. */
  OUTBOX_MAX_ATTEMPTS: intInRange(1, 50, 8),
  /**
   * When ordinary broadcasts wait (emergencies do not): `HH:MM-HH:MM` local time, optionally
   * followed by an IANA time zone (Asia/Manila when absent), or `off`.
   */
  BROADCAST_QUIET_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('21:00-07:00 Asia/Manila')
      .refine((spec) => parseQuietHours(spec) !== undefined, 'must be HH:MM-HH:MM with an optional time zone (e.g. 21:00-07:00 Asia/Manila), or off'),
  ),
  /** A broadcast to more recipients than this needs a second API key's approval. */
  BROADCAST_APPROVAL_THRESHOLD: intInRange(0, 100_000_000, 1000),
  /** Price of one SMS segment in PHP, for broadcast cost estimates. */
  SMS_PRICE_PHP: pesos(0.35),
  /** Price of one Telegram message in PHP (the Bot API is free). */
  TELEGRAM_PRICE_PHP: pesos(0),
  /** Most SMS parts one reply may take (a part is 153 GSM-7 or 67 UCS-2 characters). */
  SMS_MAX_SEGMENTS: intInRange(1, 10, 3),
  /** Seconds of silence after which an SMS conversation starts afresh at the main menu. */
  SMS_SESSION_TTL: intInRange(60, 24 * 3600, 15 * 60),
  /** Replies one phone number may get per minute; beyond it, texts are not answered (floods, SMS pumping). */
  SMS_REPLIES_PER_MINUTE: intInRange(1, 1000, 10),
  /** Days message texts are kept (outbox, simulator inbox); older ones are purged by a job every hour (Data Privacy Act). */
  RETENTION_DAYS: intInRange(1, 3650, 90),
  /** Status lookups of references that do not exist allowed per citizen per hour; then lookups wait (reference guessing). */
  STATUS_LOOKUP_MISSES_PER_HOUR: intInRange(1, 1000, 5),
  /** Twilio: the Account SID; Twilio SMS is on while it, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_URL are set. */
  TWILIO_ACCOUNT_SID: optionalString,
  /** Twilio: the Auth Token, which also signs Twilio's webhooks. */
  TWILIO_AUTH_TOKEN: optionalString,
  /** Twilio: the sending number (E.164) or a Messaging Service SID (`MG…`). */
  TWILIO_FROM: optionalString,
  /** Twilio messages sent per second by all instances together (a long code sends 1; toll-free 3; short code 100). */
  TWILIO_RATE_PER_SECOND: intInRange(1, 1000, 1),
  /** Kannel: smsbox's sendsms URL, e.g. http://kannel:13013/cgi-bin/sendsms; Kannel SMS is on while the four KANNEL_ settings are set. */
  KANNEL_SENDSMS_URL: optionalUrl,
  /** Kannel: the sendsms-user's username. */
  KANNEL_USERNAME: optionalString,
  /** Kannel: the sendsms-user's password. */
  KANNEL_PASSWORD: optionalString,
  /** Kannel: the shared secret Kannel puts in the get-url and dlr-url (`?token=`). */
  KANNEL_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Kannel: the sender (the short code) for sendsms; when unset, the sendsms-user's default-sender is used. */
  KANNEL_FROM: optionalString,
  /** Kannel messages sent per second by all instances together (the operator's SMPP throughput). */
  KANNEL_RATE_PER_SECOND: intInRange(1, 1000, 10),
  /** The bot's token from BotFather; the Telegram channel is on only while it is set. */
  TELEGRAM_BOT_TOKEN: optionalString,
  /**
   * The `secret_token` given to setWebhook; Telegram sends it back in every webhook call.
   * Required in webhook mode. 1-256 characters: letters, digits, `_` and `-` (Telegram's rule).
   */
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -').optional(),
  ),
  /** `webhook` (Telegram posts to /telegram/webhook) or `polling` (we ask Telegram; no public URL needed). */
  TELEGRAM_MODE: z.preprocess(emptyToUndefined, z.enum(['webhook', 'polling']).default('webhook')),
  /** The Bot API server: the official one, a local `telegram-bot-api` server, or a fake in tests. */
  TELEGRAM_API_ROOT: z.preprocess(emptyToUndefined, z.url().default('https://api.telegram.org')),
  /** Telegram messages sent per second, by all instances together (Telegram allows about 30). */
  TELEGRAM_RATE_PER_SECOND: intInRange(1, 1000, 25),
  /** Hours a request filed at a service centre waits for the citizen's confirmation before it expires. */
  ASSISTED_EXPIRY_HOURS: intInRange(1, 168, 24),
  /** Requests filed at centres that one phone may have waiting at once (a leaked centre key cannot flood a number). */
  ASSISTED_PENDING_PER_PHONE: intInRange(1, 20, 3),
  /** "Is this message genuine?" lookups (VERIFY <code>) one citizen may make per hour, so codes cannot be guessed. */
  VERIFY_LOOKUPS_PER_HOUR: intInRange(1, 1000, 10),
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
