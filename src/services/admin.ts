import type { i18n } from 'i18next';
import type { Config } from '../config';
import type { Outbox } from '../outbox/outbox';
import type { Database } from '../store/sql';
import type { Actor } from './access';
import { ApiKeyService } from './api-keys';
import { AssistedService } from './assisted';
import type { UnsolicitedSmsBudget } from './unsolicited-sms';
import { countSubscribers, type SubscriberCountFilter, type SubscriberGroup } from './audience';
import { AuditLog } from './audit';
import { BroadcastService } from './broadcasts';
import { ConsoleSessionService } from './console-sessions';
import { DeliveryReports } from './deliveries';
import { FirstStartService } from './first-start';
import { CatalogAdmin } from './catalog-admin';
import { MinistryService } from './ministries';
import { ProfileService } from './profiles';
import { parseQuietHours } from '../config';
import { VoicePromptService } from './voice-prompts';
import { isQuiet } from './quiet-hours';
import { RequestStatusService } from './request-status';
import { parseOfficeHours } from './office-hours';
import { parseTargets, ThreadService } from './threads';
import { RequestService, type RequestServiceOptions } from './requests';
import { CalendarService } from './calendar';
import { CharterClockService, clockRestarter } from './charter-clock';
import { receiptSender } from './charter-receipt';
import { BreachService } from './breaches';
import { ConsentLedger } from './consents';
import { loadPurposes, PurposeRegistry, type Processors } from './purposes';

/** The ministries' side of Lingkod: what the admin API and the admin command act through. */
export interface AdminServices {
  config: Config;
  apiKeys: ApiKeyService;
  /** Signed-in consoles: a session id in the cookie, never the key. */
  consoleSessions: ConsoleSessionService;
  /** A first start's one-time sign-in link, while no key exists. */
  firstStart: FirstStartService;
  ministries: MinistryService;
  catalog: CatalogAdmin;
  requests: RequestStatusService;
  broadcasts: BroadcastService;
  /** What became of broadcasts' messages, per SMS route and network (the console's delivery pages). */
  deliveries: DeliveryReports;
  audit: AuditLog;
  /** Recordings of the voice line's prompts, per string and locale (super-admin uploads). */
  prompts: VoicePromptService;
  /** Requests filed at service centres for citizens to confirm (centre keys file them). */
  assisted: AssistedService;
  /** The grievance desk: citizens' complaints and questions, and the officers' answers. */
  threads: ThreadService;
  /** The Citizen's Charter: the calendar of non-working days and every request's processing-time clock. */
  calendar: CalendarService;
  clocks: CharterClockService;
  /** How every filing is made (the clock's zone, the receipt): the composition root's RequestService uses it too. */
  filing: RequestServiceOptions;
  /** Subscriber counts by topic, municipality, channel and language (not personal data: any key may read them). */
  subscribers(actor: Actor, filter: SubscriberCountFilter): Promise<{ total: number; groups: SubscriberGroup[] }>;
  /** True while quiet hours hold ordinary broadcasts; the dispatchers ask before each claim. */
  holdBroadcasts(now: Date): boolean;
  /** The purposes file (PURPOSES_FILE), with this deployment's processors. */
  purposes: PurposeRegistry;
  /** The append-only consent history: recorded by subscribe, STOP, START and survey opt-ins; read by the privacy officer. */
  consents: ConsentLedger;
  /** Breach notices to the people affected, and the NPC report. */
  breaches: BreachService;
}

export interface AdminDeps {
  db: Database;
  config: Config;
  i18n: i18n;
  outbox: Outbox;
  /**
   * Channels that can push messages in this deployment, by name and rate. Read when used, never
   * copied: the composition root fills this list once its channels are built.
   */
  sendingChannels: readonly { name: string; ratePerSecond: number }[];
  /** Wakes the dispatchers when something was queued. */
  queued: () => void;
  /** Called after a catalog change, so cached catalog reads are refreshed. */
  catalogChanged: () => void;
  /** What a centre's filing texts the citizen is taken from (they have not written to us). */
  unsolicitedSms: UnsolicitedSmsBudget;
  /** The processors each recipient kind of the purposes is in this deployment; by default the SMS and Telegram channels that send. */
  processors?: () => Processors;
  now?: () => Date;
}

/** Builds the ministries' services from the configuration (called by the composition root and the admin command). */
export function createAdminServices(deps: AdminDeps): AdminServices {
  const { db, config, i18n, outbox } = deps;
  const now = deps.now ?? (() => new Date());
  const quietHours = parseQuietHours(config.BROADCAST_QUIET_HOURS) ?? null;
  const channelNames = () => deps.sendingChannels.map((channel) => channel.name);
  const apiKeys = new ApiKeyService(db);
  const timeZone = config.TIME_ZONE;
  const filing: RequestServiceOptions = { timeZone, filed: receiptSender({ outbox, i18n, defaultLocale: config.DEFAULT_LOCALE, timeZone, sendingChannels: channelNames, unsolicitedSms: deps.unsolicitedSms }) };
  const purposes = new PurposeRegistry(loadPurposes(config.PURPOSES_FILE), deps.processors ?? (() => sendingProcessors(channelNames())));
  const broadcasts = new BroadcastService(db, outbox, {
    defaultLocale: config.DEFAULT_LOCALE,
    approvalThreshold: config.BROADCAST_APPROVAL_THRESHOLD,
    quietHours,
    channels: deps.sendingChannels,
    pricesPhp: { sms: config.SMS_PRICE_PHP, telegram: config.TELEGRAM_PRICE_PHP },
    now,
    queued: deps.queued,
  });
  return {
    config,
    apiKeys,
    firstStart: new FirstStartService(db, apiKeys, now),
    consoleSessions: new ConsoleSessionService(db, { idleMinutes: config.CONSOLE_SESSION_IDLE_MINUTES, maxHours: config.CONSOLE_SESSION_MAX_HOURS, now }),
    ministries: new MinistryService(db),
    catalog: new CatalogAdmin(db, deps.catalogChanged),
    requests: new RequestStatusService({ db, outbox, i18n, defaultLocale: config.DEFAULT_LOCALE, sendingChannels: channelNames, queued: deps.queued, now }),
    broadcasts,
    deliveries: new DeliveryReports(db, broadcasts),
    audit: new AuditLog(db),
    prompts: new VoicePromptService(db, i18n, now),
    assisted: new AssistedService({
      db,
      outbox,
      i18n,
      requests: new RequestService(db, undefined, filing),
      profiles: new ProfileService(db),
      defaultLocale: config.DEFAULT_LOCALE,
      allowedCountryCodes: config.ALLOWED_COUNTRY_CODES,
      sendingChannels: channelNames,
      expiryHours: config.ASSISTED_EXPIRY_HOURS,
      pendingPerPhone: config.ASSISTED_PENDING_PER_PHONE,
      unsolicitedSms: deps.unsolicitedSms,
      now,
      queued: deps.queued,
    }),
    threads: new ThreadService({
      db,
      outbox,
      i18n,
      defaultLocale: config.DEFAULT_LOCALE,
      sendingChannels: channelNames,
      limits: { threadsPerDay: config.DESK_THREADS_PER_DAY, messagesPerDay: config.DESK_MESSAGES_PER_DAY, replyHours: config.DESK_REPLY_HOURS, followUpMinutes: config.DESK_FOLLOW_UP_MINUTES },
      targets: parseTargets(config.DESK_TARGETS),
      officeHours: parseOfficeHours(config.DESK_OFFICE_HOURS),
      timeZone: config.TIME_ZONE,
      flagWords: config.DESK_FLAG_WORDS.split(','),
      now,
      queued: deps.queued,
    }),
    calendar: new CalendarService(db, clockRestarter(timeZone)),
    clocks: new CharterClockService({ db, outbox, i18n, defaultLocale: config.DEFAULT_LOCALE, timeZone, sendingChannels: channelNames, queued: deps.queued, now }),
    filing,
    subscribers: (_actor, filter) => countSubscribers(db, filter, config.DEFAULT_LOCALE, channelNames()),
    holdBroadcasts: (at) => isQuiet(quietHours, at),
    purposes,
    consents: new ConsentLedger(db, i18n, purposes, config.DEFAULT_LOCALE),
    breaches: new BreachService(db, outbox, { defaultLocale: config.DEFAULT_LOCALE, sendingChannels: channelNames, queued: deps.queued }),
  };
}

/** The processors among sending channels: Telegram's bot, and every SMS provider (not the logical `sms`, nor the simulator). */
export function sendingProcessors(names: readonly string[]): Processors {
  return {
    sms: names.filter((name) => name !== 'sms' && name !== 'simulator' && !name.startsWith('telegram')),
    ussd: [],
    telegram: names.filter((name) => name.startsWith('telegram')),
  };
}

