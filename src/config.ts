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
const pesos = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(1000).default(fallback));
const intInRange = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

export const SUPPORTED_LOCALES = ['en', 'fil', 'bn', 'mdh', 'mrw', 'tsg'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** Enough to resist guessing for a secret an operator types into the environment. */
const STRONG_SECRET_BITS = 128;

/**
 * A generous upper bound on the guessing entropy of a typed secret: its length times log2 of
 * the alphabet its characters are drawn from (lower, upper, digits, others). `aaaa…` and
 * `password1234…` score low however long; a random base64 string of 32 characters scores ~190.
 */
export function secretBits(secret: string): number {
  const alphabets = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];
  const sizes = [26, 26, 10, 33];
  const alphabet = alphabets.reduce((sum, pattern, index) => sum + (pattern.test(secret) ? sizes[index] : 0), 0);
  const distinct = new Set(secret).size;
  // Repetition caps it: a string of few distinct characters is no stronger than their count
  // allows, and a repeated run of six (`secret12secret12…`) counts once.
  let length = secret.length;
  for (let start = 0; start + 6 <= secret.length; start++) {
    if (secret.indexOf(secret.slice(start, start + 6), start + 1) >= 0) length--;
  }
  return Math.max(0, length) * Math.log2(Math.max(2, Math.min(alphabet, distinct * 2)));
}

/** A secret of at least `min` characters and STRONG_SECRET_BITS of estimated entropy. */
const strongSecret = (min: number) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(min, `must be at least ${min} characters (make one with: openssl rand -base64 32)`)
      .refine((value) => secretBits(value) >= STRONG_SECRET_BITS, 'is too easy to guess: use random characters (openssl rand -base64 32)')
      .optional(),
  );

/** `a.b.c.d/n` or an IPv6 `x::/n`, or a single address (taken as /32 or /128). */
const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*(?:\/\d{1,3})?)$/;
/** Express's names for address ranges, accepted in TRUST_PROXY. */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const cidrList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((entry) => CIDR.test(entry)), 'must be addresses or CIDR ranges separated by commas, e.g. 203.0.113.0/24,198.51.100.7')
    .optional(),
);

// --- desk ---
/** DESK_OFFICE_HOURS: `always`, or days and hours such as `Mon-Fri 08:00-17:00` (parsed by services/office-hours.ts). */
export const OFFICE_HOURS_PATTERN = /^(?:always|(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(?:-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))? ([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d))$/;

const configSchema = z.object({
  /**
   * `production` makes the unsafe conveniences refuse to start or stay off (see
   * productionProblems below): the simulator, weak ADMIN_API_KEY, webhooks without PUBLIC_URL,
   * an unguarded /metrics. Anything else (or unset) is a developer's machine.
   */
  NODE_ENV: z.preprocess(emptyToUndefined, z.string().default('development')),
  /** HTTP port of the one Express app. */
  PORT: intInRange(0, 65535, 3000),
  /** Address to listen on: all interfaces when unset; 127.0.0.1 behind a reverse proxy on the same machine. */
  HOST: optionalString,
  /**
   * Which forwarded client addresses (`X-Forwarded-For`) are believed: `off` (the default: the
   * socket's address is the client), a number of proxy hops in front of Lingkod, or the proxies'
   * addresses/CIDR ranges. Sign-in limits, guessing limits and USSD_ALLOWED_IPS use the result.
   */
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('off')
      .transform((value): false | number | string[] => {
        if (value === 'off') return false;
        if (/^\d{1,2}$/.test(value)) return Number(value);
        return value.split(',').map((entry) => entry.trim());
      })
      .refine((value) => value === false || typeof value === 'number' || value.every((entry) => CIDR.test(entry) || PROXY_NAMES.includes(entry)), 'must be off, a number of proxy hops (e.g. 1), or proxy addresses/CIDR ranges (or loopback, linklocal, uniquelocal) separated by commas'),
  ),
  /** Bearer token that /metrics requires (`Authorization: Bearer …`); in production /metrics is off without it or METRICS_PORT. */
  METRICS_TOKEN: strongSecret(32),
  /** Serve /metrics on this port of 127.0.0.1 only (for a scraper on the same machine), instead of the main port. */
  METRICS_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
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
  /**
   * While set, a super-admin API key with this value exists. At least 16 characters; in
   * production at least 32 and hard to guess (productionProblems).
   */
  ADMIN_API_KEY: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Language for citizens who have not chosen one. */
  DEFAULT_LOCALE: z.preprocess(emptyToUndefined, z.enum(SUPPORTED_LOCALES).default('en')),
  /** IANA time zone of every date a person reads: citizens' screens (src/text/dates.ts), a form's "today", the console. */
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
  /**
   * Screen sizes of particular USSD gateways, where one differs from USSD_MAX_CHARS and
   * USSD_MAX_CHARS_UCS2: `name=gsm7/ucs2` pairs separated by commas (`hubtel=160/70,bdapps=160/70`),
   * named as in the gateway's path (/ussd/<name>).
   */
  USSD_GATEWAY_LIMITS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-z][a-z0-9-]*=\d{2,3}\/\d{2,3}(,[a-z][a-z0-9-]*=\d{2,3}\/\d{2,3})*$/, 'must be name=gsm7/ucs2 pairs separated by commas, e.g. hubtel=160/70')
      .optional()
      .transform((value) =>
        Object.fromEntries(
          (value ? value.split(',') : []).map((pair) => {
            const [name, sizes] = pair.split('=');
            const [gsm7, ucs2] = sizes.split('/').map(Number);
            return [name, { gsm7, ucs2 }];
          }),
        ) as Record<string, { gsm7: number; ucs2: number }>,
      )
      .refine(
        (limits) => Object.values(limits).every(({ gsm7, ucs2 }) => gsm7 >= 40 && gsm7 <= 182 && ucs2 >= 20 && ucs2 <= 91),
        'each gateway\'s GSM-7 size must be 40-182 and its UCS-2 size 20-91 characters',
      ),
  ),
  /**
   * Seconds a USSD session may sit between two hops, and last in all, before its next hop starts
   * over (a form in progress is offered back). Gateways end idle sessions themselves (networks
   * allow about 180 s in all); these bound the ones that keep the path on our side.
   */
  USSD_SESSION_IDLE_SECONDS: intInRange(10, 3600, 180),
  USSD_SESSION_MAX_SECONDS: intInRange(30, 7200, 600),
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
   * The phone simulator at /simulator: `on` or `off`. Unset, it is on (a first start has
   * something to try) except in production, where nobody should chat with the live service as
   * a made-up phone; `SIMULATOR=on` keeps it in production (a training instance).
   */
  SIMULATOR: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).optional()),
  /**
   * Whether to load the sample catalog into an empty database at start-up. Unset, it does
   * except in production, where invented fees and offices must never reach a citizen.
   */
  LOAD_SAMPLE_DATA: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).optional()),
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** After this many attempts a message that keeps failing is marked failed. */
  OUTBOX_MAX_ATTEMPTS: intInRange(1, 50, 8),
  /** Hours after which a message still not sent is failed, not retried (GovStack: 24 h). */
  OUTBOX_GIVE_UP_HOURS: intInRange(1, 168, 24),
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
  /** The longest any copy is kept, in days: each purpose's retention (data/purposes.yaml) is capped by it; purged by a job every hour (Data Privacy Act). */
  RETENTION_DAYS: intInRange(1, 3650, 90),
  /** Status lookups of references that do not exist allowed per citizen per hour; then lookups wait (reference guessing). */
  STATUS_LOOKUP_MISSES_PER_HOUR: intInRange(1, 1000, 5),
  /** Misses allowed per hour from one gateway and mobile network together (numbers are free to a guesser; networks are not). */
  STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR: intInRange(1, 100_000, 50),
  /** Misses allowed per hour from everyone together; past it, lookups by reference wait for the hour (a distributed guesser). */
  STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR: intInRange(1, 1_000_000, 500),
  // The USSD code, for gateways that do not send it or send a shared code's extension as input.
  /**
   * The code citizens dial, as `*347#` (or a shared code with its extension, `*920*12#`), so a
   * direct dial such as `*347*2*1#` on a gateway that sends no service code (Nalo, Arkesel) is
   * taken as the dial and then 2, then 1, and a shared code's extension (which Advanta sends as
   * the first input) is never taken as an answer. Unset: the dialled string's first part is the code.
   */
  USSD_SERVICE_CODE: z.preprocess(emptyToUndefined, z.string().regex(/^\*\d+(\*\d+)*#$/, 'must be a USSD code such as *347# or *920*12#').optional()),
  // hSenid TAP USSD (Robi bdapps, Banglalink Applink; src/channels/bdapps): on while the URL, the
  // application id and the password are all set; /ussd/bdapps answers 503 until then.
  /** Where screens are POSTed as MT requests: `https://developer.bdapps.com/ussd/send` on bdapps; https in production. */
  USSD_TAP_URL: optionalUrl,
  /** The application's id as provisioned (`APP_…`): sent in every MT; a hop for another application is refused. */
  USSD_TAP_APP_ID: optionalString,
  /** The application's password, sent in every MT request; a secret (never logged). */
  USSD_TAP_PASSWORD: optionalString,
  /** Seconds a screen is retried (network errors, 5xx, the platform's passing errors) before it is given up: about as long as a phone waits. */
  USSD_TAP_RETRY_SECONDS: intInRange(1, 600, 30),
  /**
   * The USSD gateway's shared secret: every USSD endpoint requires it as `?token=` in the
   * callback URL (compared in constant time). At least 32 characters. With neither it nor
   * USSD_ALLOWED_IPS set, USSD answers 403.
   */
  // SMPP USSD through Kannel (src/channels/kannel-ussd): the operator's USSD gateway speaks SMPP
  // to Kannel, smsbox calls GET /ussd/kannel, the screen goes back through sendsms with the
  // ussd_service_op and its_session_info TLVs as meta-data. Off until KANNEL_USSD_SMSC is set.
  /**
   * The smsc-id of Kannel's SMPP link to the operator's USSD gateway; screens are sent with
   * `smsc=<it>` through KANNEL_SENDSMS_URL, KANNEL_USERNAME and KANNEL_PASSWORD. Unset: off.
   */
  KANNEL_USSD_SMSC: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be a Kannel smsc-id (letters, digits, _ . -)').optional()),
  /** Milliseconds one sendsms of a USSD screen may take; a screen is sent at most once, within the session's life. */
  KANNEL_USSD_SEND_TIMEOUT_MS: intInRange(200, 20_000, 4000),
  // Infobip SMS (src/channels/infobip), two-way: texts forwarded as MO_JSON_2 to POST /sms/infobip,
  // sent through /sms/2/text/advanced, delivery reports to POST /sms/infobip/dlr. Off until
  // INFOBIP_BASE_URL, INFOBIP_API_KEY, INFOBIP_SENDER and a webhook authentication are set.
  /** Infobip: the account's own API base URL (the portal's home page shows it, e.g. https://xxxxx.api.infobip.com); no default; https in production. */
  INFOBIP_BASE_URL: optionalUrl,
  /** Infobip: the API key, sent as `Authorization: App <key>`; never logged. */
  INFOBIP_API_KEY: optionalString,
  /** Infobip: the sender (the number or registered alphanumeric sender ID) texts go out from. */
  INFOBIP_SENDER: optionalString,
  /** Infobip: the user of the HTTP Basic credentials set on the number's forwarding (with INFOBIP_WEBHOOK_PASSWORD). */
  INFOBIP_WEBHOOK_USER: optionalString,
  /** Infobip: the password of those Basic credentials; at least 16 characters. */
  INFOBIP_WEBHOOK_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Infobip: a shared secret put in the forwarding and notify URLs as `?token=`; at least 16 characters. */
  INFOBIP_WEBHOOK_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Infobip messages sent per second by all instances together. */
  INFOBIP_RATE_PER_SECOND: intInRange(1, 1000, 10),
  // Outbound SMS aggregators (src/channels/semaphore, src/channels/m360, src/channels/sslwireless):
  // send-only HTTP APIs, each off until its settings are set; phones still reach us through the
  // two-way providers. Keys, passwords and tokens are secrets (never logged).
  /** Semaphore's API (or a sandbox or test fake); production requires https. */
  SEMAPHORE_API_URL: z.preprocess(emptyToUndefined, z.url().default('https://api.semaphore.co')),
  /** Semaphore: the account's API key; Semaphore is on while it and SEMAPHORE_SENDER are set. */
  SEMAPHORE_API_KEY: optionalString,
  /** Semaphore: the sender name registered to the account (`sendername`). */
  SEMAPHORE_SENDER: optionalString,
  /** M360's HTTP API base, e.g. https://api.m360.com.ph; M360 is on while the four M360_ settings are set. */
  M360_API_URL: optionalUrl,
  /** M360: the account's app key (`app_key`). */
  M360_USERNAME: optionalString,
  /** M360: the account's app secret (`app_secret`). */
  M360_PASSWORD: optionalString,
  /** M360: the provisioned sender mask (`shortcode_mask`). */
  M360_SHORTCODE_MASK: optionalString,
  /** M360 messages sent per second by all instances together (the account's agreed throughput). */
  M360_RATE_PER_SECOND: intInRange(1, 1000, 10),
  /** SSL Wireless's API base, e.g. https://smsplus.sslwireless.com; on while the three SSLWIRELESS_ settings are set. */
  SSLWIRELESS_API_URL: optionalUrl,
  /** SSL Wireless: the API token (`api_token`). */
  SSLWIRELESS_API_TOKEN: optionalString,
  /** SSL Wireless: the SID (sender / stakeholder id) registered to the account. */
  SSLWIRELESS_SID: optionalString,
  /** SSL Wireless messages sent per second by all instances together (the account's TPS). */
  SSLWIRELESS_RATE_PER_SECOND: intInRange(1, 1000, 10),
  // Globe Labs SMS (issue 14, src/channels/globelabs): two-way through the app's short code.
  // Inbound texts at POST /sms/globelabs, subscriber opt-in and unsubscribe notifications at
  // /sms/globelabs/subscriptions, both with ?token=GLOBELABS_WEBHOOK_TOKEN (Globe Labs signs
  // nothing). Off until GLOBELABS_SHORTCODE, GLOBELABS_APP_ID, GLOBELABS_APP_SECRET and
  // GLOBELABS_WEBHOOK_TOKEN are all set.
  /** The Globe Labs API's base URL (a sandbox, or a loopback fake in tests); https in production. */
  GLOBELABS_API_URL: z.preprocess(emptyToUndefined, z.url().default('https://devapi.globelabs.com.ph')),
  /** The app's short code, e.g. 21581234; texts are sent from its last four digits, as Globe Labs asks. */
  GLOBELABS_SHORTCODE: z.preprocess(emptyToUndefined, z.string().regex(/^\d{4,12}$/, 'must be the app\'s short code (digits)').optional()),
  /** The app's id at Globe Labs. */
  GLOBELABS_APP_ID: optionalString,
  /** The app's secret at Globe Labs; subscribers' access tokens are sealed at rest under a key derived from it. */
  GLOBELABS_APP_SECRET: optionalString,
  /** The secret put in the Notify and Redirect URIs as ?token=; at least 32 characters. */
  GLOBELABS_WEBHOOK_TOKEN: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  /** Seconds the parts of a multipart text are waited for; then what arrived is handled as the text. */
  GLOBELABS_MULTIPART_WAIT_SECONDS: intInRange(1, 600, 30),
  /** Messages per second sent through Globe Labs, shared by every dispatcher. */
  GLOBELABS_RATE_PER_SECOND: intInRange(1, 1000, 5),
  // --- voice ---
  /**
   * The voice line (Twilio Programmable Voice): the number citizens call, in E.164. Voice is on
   * while it, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_URL are set; call-backs are made from it.
   */
  VOICE_FROM: z.preprocess(emptyToUndefined, z.string().regex(/^\+\d{6,15}$/, 'must be the voice number in E.164, e.g. +6326000000').optional()),
  /**
   * Text-to-speech per locale, `locale=language:voice` comma-separated, as Twilio's <Say> names
   * them (https://www.twilio.com/docs/voice/twiml/say/text-speech). A locale not listed is not
   * spoken: its callers hear the first listed locale, told so (see README, "The voice line").
   */
  VOICE_SAY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('en=en-US:Google.en-US-Standard-C,fil=fil-PH:Google.fil-PH-Standard-A,bn=bn-IN:Google.bn-IN-Standard-A')
      .refine((spec) => parseVoices(spec) !== undefined, 'must be locale=language:voice pairs separated by commas, e.g. en=en-US:Google.en-US-Standard-C')
      .transform((spec) => parseVoices(spec) ?? {}),
  ),
  /** Longest a voice screen may take to speak, in seconds; longer screens are spoken in parts ("press 98 for more"). */
  VOICE_SCREEN_SECONDS: intInRange(10, 120, 35),
  /** Speaking rate assumed for the budget, words per minute (text-to-speech speaks at about 150). */
  VOICE_WORDS_PER_MINUTE: intInRange(60, 300, 150),
  /** Seconds a caller has to press a key before the prompt is repeated (once), then the call ends. */
  VOICE_GATHER_SECONDS: intInRange(3, 30, 7),
  /** Missed calls ("flashes") called back per number per day (Asia/Manila days); 0 turns call-backs off. */
  VOICE_CALLBACK_PER_NUMBER_PER_DAY: intInRange(0, 20, 2),
  /** Call-backs per day for the whole service, whoever flashed: the budget's ceiling (a call-back costs us money). */
  VOICE_CALLBACK_PER_DAY: intInRange(0, 1_000_000, 200),
  /** When call-backs are made: `HH:MM-HH:MM` local time with an optional time zone (Asia/Manila), or `off` for never. */
  VOICE_CALLBACK_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('08:00-17:00 Asia/Manila')
      .refine((spec) => parseQuietHours(spec) !== undefined, 'must be HH:MM-HH:MM with an optional time zone (e.g. 08:00-17:00 Asia/Manila), or off'),
  ),
  /**
   * `on`: a call that comes in is declined unanswered (<Reject reason="busy">, which costs the
   * caller nothing) and called back at once, whenever a call-back is allowed (hours, limits);
   * otherwise it is answered. `off`: calls are answered, and only flashes are called back.
   */
  VOICE_CALLBACK_FIRST: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('off')),
  /** A call this short (seconds), or not answered, is a flash: the caller wants to be called back. */
  VOICE_CALLBACK_FLASH_SECONDS: intInRange(0, 30, 5),
  /** An office line a caller may be connected to (<Dial>), in E.164; unset: no hand-over. */
  VOICE_HANDOVER_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^\+\d{6,15}$/, 'must be the office line in E.164, e.g. +63641234567').optional()),
  /** When the office line answers: `HH:MM-HH:MM` local time with an optional time zone (Asia/Manila). */
  VOICE_HANDOVER_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('08:00-17:00 Asia/Manila')
      .refine((spec) => parseQuietHours(spec) !== undefined, 'must be HH:MM-HH:MM with an optional time zone (e.g. 08:00-17:00 Asia/Manila), or off'),
  ),
  // --- desk ---
  // The grievance desk (issue 17, src/services/threads.ts): complaints and questions answered by people.
  /** Threads one citizen may open in 24 hours; past it the filing is refused politely (flooding). */
  DESK_THREADS_PER_DAY: intInRange(1, 100, 3),
  /** Messages one citizen may add to their threads in 24 hours; past it a text is not kept and they are told. */
  DESK_MESSAGES_PER_DAY: intInRange(1, 1000, 20),
  /** Hours after an officer's reply during which the citizen's next text (not a keyword) lands in the thread. */
  DESK_REPLY_HOURS: intInRange(1, 24 * 30, 72),
  /** Minutes after the citizen's own message during which a follow-up text lands in the same thread. */
  DESK_FOLLOW_UP_MINUTES: intInRange(1, 24 * 60, 15),
  /**
   * Targets in hours, `first/resolution`, per category (`health=2/48,*=8/120`): the queue shows
   * how long each thread has left. `*` is every category not named (and threads with none).
   */
  DESK_TARGETS: z.preprocess(emptyToUndefined, z.string().regex(/^\s*(?:[a-z0-9*][a-z0-9_-]*=\d+\/\d+)(?:\s*,\s*[a-z0-9*][a-z0-9_-]*=\d+\/\d+)*\s*$/, 'must be category=first/resolution hours, comma-separated, e.g. health=2/48,*=8/120').default('*=8/120')),
  /**
   * The hours the desk's targets count, in TIME_ZONE: `always` (around the clock), or days and
   * hours such as `Mon-Fri 08:00-17:00` (an 8-hour target filed on Friday at 16:00 is then due
   * on Monday at 15:00).
   */
  DESK_OFFICE_HOURS: z.preprocess(emptyToUndefined, z.string().trim().regex(OFFICE_HOURS_PATTERN, 'must be always, or days and hours such as Mon-Fri 08:00-17:00').default('always')),
  /** Words that flag a thread to the top of its queue (threats, self-harm), comma-separated, matched anywhere in a message. */
  DESK_FLAG_WORDS: z.preprocess(
    emptyToUndefined,
    z.string().default('kill,suicide,bomb,gun,hurt myself,end my life,patayin,papatayin,magpakamatay,bomba,baril,saktan ko ang sarili,আত্মহত্যা,মেরে ফেল,বোমা,খুন'),
  ),
  // --- lang ---
  /**
   * The languages the language menu offers, in order (all supported ones by default). A
   * deployment offers those its citizens speak: with Bangla's script on the list the menu goes
   * out in UCS-2 and takes two USSD pages; en,fil,mdh,mrw,tsg fits one (README: languages).
   */
  LANGUAGES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(SUPPORTED_LOCALES.join(','))
      .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
      .pipe(z.array(z.enum(SUPPORTED_LOCALES, { error: `must be language codes separated by commas, from ${SUPPORTED_LOCALES.join(', ')}` })).min(1)),
  ),
  // --- privacy ---
  /** The purposes file (lawful basis, data, recipients, retention per purpose); unset: data/purposes.yaml. Validated at start. */
  PURPOSES_FILE: optionalString,
  // --- route ---
  /**
   * SMS routes (src/outbox/routing/routes.ts): `;`-separated, each a provider then
   * `networks=globe,smart kinds=reply,status,broadcast,emergency cost=0.25 priority=1 distrust=smart`.
   * Empty: every SMS provider that is on, for everything, in the fixed order (README "Routing SMS").
   */
  SMS_ROUTES: optionalString,
  /** Refusals in a row by one route for one network that open its circuit breaker. */
  SMS_BREAKER_FAILURES: intInRange(1, 1000, 5),
  /** The rolling window over which a route's delivery reports per network are counted. */
  SMS_BREAKER_WINDOW_SECONDS: intInRange(10, 86_400, 600),
  /** Delivery reports needed in the window before a low delivery rate opens the breaker. */
  SMS_BREAKER_MIN_REPORTS: intInRange(1, 100_000, 20),
  /** A route's delivery rate (per cent) for a network below which its breaker opens. */
  SMS_BREAKER_MIN_DELIVERY_PERCENT: intInRange(0, 100, 50),
  /** Seconds an open breaker keeps traffic on other routes before one probe message tries it again. */
  SMS_BREAKER_COOLDOWN_SECONDS: intInRange(1, 86_400, 60),
  /** A "delivered" reported sooner than this after sending is not believed (kept as sent, flagged); 0: no such check. */
  SMS_DELIVERED_MIN_SECONDS: intInRange(0, 3600, 0),
  USSD_TOKEN: strongSecret(32),
  /** The USSD gateway's source addresses (CIDR list); with USSD_TOKEN too, both must match. */
  USSD_ALLOWED_IPS: cidrList,
  /**
   * Opt-outs providers may report in an hour (Twilio 21610: "unsubscribed at the carrier"),
   * across every instance; past it none is applied and an alert is logged (an outage must not
   * unsubscribe a region).
   */
  CARRIER_OPT_OUTS_PER_HOUR: intInRange(1, 100_000, 100),
  /**
   * Unsolicited SMS (finish-by-SMS and anything else sent to a phone that has not texted us):
   * how many one number may get per day. Shared by every instance through the ephemeral store.
   */
  UNSOLICITED_SMS_PER_NUMBER_PER_DAY: intInRange(0, 1000, 3),
  /** Unsolicited SMS caused through one gateway (a USSD gateway, a network) per hour. */
  UNSOLICITED_SMS_PER_GATEWAY_PER_HOUR: intInRange(0, 1_000_000, 300),
  /** Unsolicited SMS from every cause together per hour. */
  UNSOLICITED_SMS_PER_HOUR: intInRange(0, 10_000_000, 1000),
  /** Refused API keys and console sign-ins allowed per client address in 15 minutes; then 429. */
  AUTH_FAILURES_PER_CLIENT: intInRange(1, 10_000, 20),
  /** Refused API keys and console sign-ins allowed from everyone together in 15 minutes; then 429 for unknown keys. */
  AUTH_FAILURES_TOTAL: intInRange(1, 1_000_000, 1000),
  /** Minutes a console session lasts without activity. */
  CONSOLE_SESSION_IDLE_MINUTES: intInRange(1, 24 * 60, 60),
  /** Hours a console session lasts at most, however active (then sign in again). */
  CONSOLE_SESSION_MAX_HOURS: intInRange(1, 7 * 24, 12),
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

type ParsedConfig = z.infer<typeof configSchema>;

/** The validated configuration, with the settings that depend on others resolved. */
export type Config = Omit<ParsedConfig, 'SIMULATOR' | 'LOAD_SAMPLE_DATA'> & {
  SIMULATOR: 'on' | 'off';
  LOAD_SAMPLE_DATA: boolean;
  /** NODE_ENV is `production`. */
  production: boolean;
};

/**
 * What production refuses, one line per variable: settings that are fine on a developer's
 * machine and dangerous on a public one.
 */
function productionProblems(config: ParsedConfig): string[] {
  const problems: string[] = [];
  if (config.ADMIN_API_KEY !== undefined && (config.ADMIN_API_KEY.length < 32 || secretBits(config.ADMIN_API_KEY) < STRONG_SECRET_BITS)) {
    problems.push('ADMIN_API_KEY: in production it must be at least 32 random characters (make one with: openssl rand -base64 32), or unset (make keys with npm run admin)');
  }
  const webhooks = [
    config.TWILIO_ACCOUNT_SID && 'Twilio',
    config.KANNEL_SENDSMS_URL && 'Kannel',
    config.INFOBIP_BASE_URL && 'Infobip',
    config.GLOBELABS_SHORTCODE && 'Globe Labs',
    config.TELEGRAM_BOT_TOKEN && config.TELEGRAM_MODE === 'webhook' && 'Telegram',
    (config.USSD_TOKEN || config.USSD_ALLOWED_IPS) && 'USSD',
  ].filter(Boolean);
  if (webhooks.length > 0 && !config.PUBLIC_URL) {
    problems.push(`PUBLIC_URL: in production it is required while a webhook channel is configured (${webhooks.join(', ')}): the https:// address providers reach Lingkod at`);
  }
  // Providers' APIs that Lingkod calls with a secret (a key, a password, a token) in every request.
  const providerApis: Array<[string, string | undefined, unknown]> = [
    ['USSD_TAP_URL', config.USSD_TAP_URL, config.USSD_TAP_PASSWORD],
    ['INFOBIP_BASE_URL', config.INFOBIP_BASE_URL, config.INFOBIP_API_KEY],
    ['SEMAPHORE_API_URL', config.SEMAPHORE_API_URL, config.SEMAPHORE_API_KEY],
    ['M360_API_URL', config.M360_API_URL, config.M360_USERNAME],
    ['SSLWIRELESS_API_URL', config.SSLWIRELESS_API_URL, config.SSLWIRELESS_API_TOKEN],
    // Subscribers' access tokens travel in every Globe Labs request.
    ['GLOBELABS_API_URL', config.GLOBELABS_API_URL, config.GLOBELABS_SHORTCODE],
  ];
  for (const [variable, url, secret] of providerApis) {
    if (secret && url && !url.startsWith('https://')) problems.push(`${variable}: in production it must be an https:// address (the account's secret travels in every request)`);
  }
  if (config.PUBLIC_URL && !config.PUBLIC_URL.startsWith('https://')) {
    problems.push('PUBLIC_URL: in production it must be an https:// address (providers send secrets and phone numbers to it)');
  }
  return problems;
}

/** A configuration error whose message is meant for the operator, one line per variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) {
    const production = result.data.NODE_ENV === 'production';
    const problems = production ? productionProblems(result.data) : [];
    if (problems.length > 0) throw new ConfigError(`Invalid configuration for NODE_ENV=production:\n${problems.join('\n')}`);
    return {
      ...result.data,
      production,
      SIMULATOR: result.data.SIMULATOR ?? (production ? 'off' : 'on'),
      LOAD_SAMPLE_DATA: (result.data.LOAD_SAMPLE_DATA ?? (production ? 'false' : 'true')) === 'true',
    };
  }
  const lines = result.error.issues.map((issue) => {
    const variable = String(issue.path[0]);
    // Secrets and URLs (which may hold passwords) are never echoed back.
    const secret = /TOKEN|KEY|PASSWORD|SECRET|URL|SID/.test(variable);
    const shown = env[variable] === undefined || secret ? '' : ` (got "${String(env[variable]).slice(0, 40)}")`;
    return `${variable}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * Quiet hours: a daily window of local time (in one time zone) when ordinary broadcasts wait,
 * so nobody's phone buzzes with an announcement at 2 a.m. Emergencies ignore it. Written as
 * `21:00-07:00 Asia/Manila` (the zone is optional; Asia/Manila by default), or `off`.
 */
export interface QuietHours {
  /** Minutes after local midnight when the window opens and closes; it may wrap past midnight. */
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

const QUIET_HOURS_SPEC = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)(?:\s+(\S+))?$/;
const QUIET_HOURS_DEFAULT_ZONE = 'Asia/Manila';

/** Parses a quiet-hours setting: the window, `null` for `off`, or `undefined` when it is not valid. */
export function parseQuietHours(spec: string): QuietHours | null | undefined {
  const trimmed = spec.trim();
  if (trimmed.toLowerCase() === 'off') return null;
  const match = QUIET_HOURS_SPEC.exec(trimmed);
  if (!match) return undefined;
  const timeZone = match[5] ?? QUIET_HOURS_DEFAULT_ZONE;
  if (!isTimeZone(timeZone)) return undefined;
  return { startMinute: Number(match[1]) * 60 + Number(match[2]), endMinute: Number(match[3]) * 60 + Number(match[4]), timeZone };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One locale's text-to-speech: Twilio's <Say> `language` and `voice`. */
export interface SayVoice {
  language: string;
  voice: string;
}

/** Parses VOICE_SAY (`en=en-US:Google.en-US-Standard-C,…`); undefined when it is not of that form. */
export function parseVoices(spec: string): Record<string, SayVoice> | undefined {
  const voices: Record<string, SayVoice> = {};
  for (const pair of spec.split(',')) {
    const match = /^\s*([a-z]{2,3})=([A-Za-z]{2,3}-[A-Za-z0-9]{2,4}):([A-Za-z0-9.-]{1,60})\s*$/.exec(pair);
    if (!match) return undefined;
    voices[match[1]] = { language: match[2], voice: match[3] };
  }
  return voices;
}
