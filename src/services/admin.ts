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
import { isQuiet } from './quiet-hours';
import { RequestStatusService } from './request-status';
import { RequestService } from './requests';

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
  /** Requests filed at service centres for citizens to confirm (centre keys file them). */
  assisted: AssistedService;
  /** Subscriber counts by topic, municipality, channel and language (not personal data: any key may read them). */
  subscribers(actor: Actor, filter: SubscriberCountFilter): Promise<{ total: number; groups: SubscriberGroup[] }>;
  /** True while quiet hours hold ordinary broadcasts; the dispatchers ask before each claim. */
  holdBroadcasts(now: Date): boolean;
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
  now?: () => Date;
}

/** Builds the ministries' services from the configuration (called by the composition root and the admin command). */
export function createAdminServices(deps: AdminDeps): AdminServices {
  const { db, config, i18n, outbox } = deps;
  const now = deps.now ?? (() => new Date());
  const quietHours = parseQuietHours(config.BROADCAST_QUIET_HOURS) ?? null;
  const channelNames = () => deps.sendingChannels.map((channel) => channel.name);
  const apiKeys = new ApiKeyService(db);
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
    requests: new RequestStatusService({ db, outbox, i18n, defaultLocale: config.DEFAULT_LOCALE, sendingChannels: channelNames, queued: deps.queued }),
    broadcasts,
    deliveries: new DeliveryReports(db, broadcasts),
    audit: new AuditLog(db),
    assisted: new AssistedService({
      db,
      outbox,
      i18n,
      requests: new RequestService(db),
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
    subscribers: (_actor, filter) => countSubscribers(db, filter, config.DEFAULT_LOCALE, channelNames()),
    holdBroadcasts: (at) => isQuiet(quietHours, at),
  };
}

