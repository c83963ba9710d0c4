import type { Router } from 'express';
import type { i18n } from 'i18next';
import { createApiRouter } from './api';
import { canSend, type Channel, type SendingChannel } from './channels/channel';
import { createConversation, type Conversation } from './conversation';
import { Desk } from './conversation/desk';
import { simulatorChannel } from './channels/simulator';
import { SMS_CHANNEL, phoneChannel, phoneProviders, smsChannels } from './channels/sms';
import { telegramChannels } from './channels/telegram';
import { ussdGateways } from './channels/ussd-gateways';
import { voiceChannels } from './channels/voice';
import { SUPPORTED_LOCALES, type Config } from './config';
import { NO_CITIZEN, type Caller, type DialogEffects, type PrivacyEffects, type TrustEffects } from './dialogs/dialog';
import type { DeskEffects } from './dialogs/complaint';
import { DialogEngine } from './dialogs/engine';
import { createDialogs } from './dialogs';
import { createI18n } from './i18n';
import { createLogger, type Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { Dispatcher } from './outbox/dispatcher';
import { Outbox, PRIORITY } from './outbox/outbox';
import { MemoryRateLimiter, RedisRateLimiter } from './outbox/rate-limiter';
import { smsRouter } from './outbox/routing';
import { createAdminServices, sendingProcessors, type AdminServices } from './services/admin';
import { CatalogService } from './services/catalog';
import { loadSampleCatalogIfEmpty } from './services/catalog-import';
import { CitizenService } from './services/citizens';
import { DataRightsService } from './services/data-rights';
import { addressKind } from './address';
import { HopTrail } from './services/hop-trail';
import { LookupGuard } from './services/lookup-guard';
import { PhoneProofService, type ProofSender } from './services/phone-proof';
import { ProfileService } from './services/profiles';
import { RequestService } from './services/requests';
import { RetentionJob, retentionFrom } from './services/retention';
import { sweepDeemedApproved } from './services/charter-clock';
import { SubscriptionService } from './services/subscriptions';
import { ThreadLimitError } from './services/threads';
import { pick } from './services/localized';
import { unsolicitedSmsBudget, type UnsolicitedSmsBudget } from './services/unsolicited-sms';
import { VerificationService, verificationStamp } from './services/verification';
import type { EphemeralStore } from './store/ephemeral';
import { migrate } from './store/migrate';
import { openDatabase, openEphemeralStore } from './store/open';
import type { Database } from './store/sql';

/** Everything one Lingkod instance is made of, built from the configuration in one place. */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Database;
  store: EphemeralStore;
  i18n: i18n;
  metrics: Metrics;
  catalog: CatalogService;
  citizens: CitizenService;
  requests: RequestService;
  subscriptions: SubscriptionService;
  engine: DialogEngine;
  /** What every channel adapter hands its parsed messages to. */
  conversation: Conversation;
  channels: Channel[];
  outbox: Outbox;
  /** Sends what the outbox holds; started by `main` (and by tests that need it). */
  dispatcher: Dispatcher;
  /** The forensic trail of USSD hops (gateway, network, source, session; no content). */
  hops: HopTrail;
  /** Purges message texts and numbers after their purpose's retention (at most RETENTION_DAYS), hourly; started by `main`. */
  retention: RetentionJob;
  /** What is held about a citizen, and erasure on request (the "My data" dialog, MYDATA and DELETE). */
  dataRights: DataRightsService;
  /** The ministries' side: API keys, catalog changes, request statuses, broadcasts, audit. */
  admin: AdminServices;
  /** Take every SMS to a phone that has not texted us from this budget first (finish-by-SMS, codes, notices). */
  unsolicitedSms: UnsolicitedSmsBudget;
  /** The ministries' REST API, mounted by the app at /api/v1. */
  api: Router;
  close(): Promise<void>;
}

/** Parts a test (or an embedding program) may supply instead of having them built. */
export interface ContextOverrides {
  log?: Logger;
  db?: Database;
  store?: EphemeralStore;
  now?: () => Date;
  /** Channels added to the configured ones (tests: a fake provider). */
  extraChannels?: Channel[];
}

/**
 * The composition root: opens the stores the configuration names (PostgreSQL or PGlite,
 * Redis or memory), migrates, loads the sample catalog into an empty database, and wires
 * services, dialogs and channels. Teardown mirrors construction.
 */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL);
  const db = overrides.db ?? (await openDatabase(config));
  const store = overrides.store ?? openEphemeralStore(config);
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  if (config.LOAD_SAMPLE_DATA && (await loadSampleCatalogIfEmpty(db))) log.info('sample catalog loaded (SAMPLE DATA: replace it with npm run catalog:import)');

  const i18n = createI18n(config.DEFAULT_LOCALE);
  const metrics = createMetrics();
  const catalog = new CatalogService(db);
  const citizens = new CitizenService(db);
  const subscriptions = new SubscriptionService(db);
  const lookups = new LookupGuard({
    db,
    store,
    limits: { perCitizen: config.STATUS_LOOKUP_MISSES_PER_HOUR, perNetwork: config.STATUS_LOOKUP_MISSES_PER_NETWORK_PER_HOUR, total: config.STATUS_LOOKUP_MISSES_TOTAL_PER_HOUR },
    log,
  });
  const profiles = new ProfileService(db);
  const verification = new VerificationService(db, { store, perHour: config.VERIFY_LOOKUPS_PER_HOUR, timeZone: config.TIME_ZONE });
  const unsolicitedSms = unsolicitedSmsBudget(config, { db, store, log, metrics });
  const hops = new HopTrail(db, log);
  // Every message pushed (not a direct reply) ends with a code the citizen can VERIFY.
  const outbox = new Outbox(db, verificationStamp(i18n, SUPPORTED_LOCALES, config.DEFAULT_LOCALE));

  // The channels are built last (they need the conversation layer, which needs the engine, whose
  // effects need the ministries' services); what comes before them reaches the channels that can
  // send, and the dispatcher that sends for them, only through `sending`, filled once below.
  const sending = new SendingChannels();
  // The channels, once built: the purposes name the processors among them.
  let built: readonly Channel[] = [];
  const admin = createAdminServices({
    db,
    config,
    i18n,
    outbox,
    sendingChannels: sending.list,
    queued: () => sending.nudge(),
    catalogChanged: () => catalog.invalidate(),
    unsolicitedSms,
    processors: () => ({ ...sendingProcessors(built.filter(canSend).map((channel) => channel.name)), ussd: built.filter((channel) => !canSend(channel) && !channel.name.startsWith('telegram')).map((channel) => channel.name) }),
    now: overrides.now,
  });
  await admin.apiKeys.syncEnvKey(config.ADMIN_API_KEY);
  // Every filing starts its Charter clock and queues its receipt (services/charter-receipt.ts).
  const requests = new RequestService(db, undefined, admin.filing);
  const dataRights = new DataRightsService(db, log, admin.consents);

  // Every one-time code that proves a phone leaves through this one function: by SMS to a phone,
  // within the unsolicited-SMS budget (codes are asked for over USSD, where the number is only the
  // gateway's word), or to the simulator's inbox for a simulated one; false when it cannot go.
  const sendProof: ProofSender = async ({ address, body, locale }) => {
    const kind = addressKind(address);
    const channel = kind === 'sim' ? 'simulator' : 'sms';
    // Only a phone (or a simulated one): a chat or a masked subscriber (address.ts) has no number to text.
    if ((kind !== 'tel' && kind !== 'sim') || !sending.has(channel)) return false;
    if (channel === 'sms' && !(await unsolicitedSms.take({ address, cause: { kind: 'one-time-code', source: 'ussd' } })).allowed) return false;
    await outbox.enqueue({ address, channel, body, kind: 'reply', priority: PRIORITY.reply, locale });
    sending.nudge();
    return true;
  };
  const proofs = new PhoneProofService({ store, i18n, send: sendProof });
  // A subscription's topic and place as its confirmation screen names them, in `locale`.
  const subscriptionNames = async (topic: string, municipality: string, locale: string) => {
    const [found, place] = await Promise.all([catalog.topic(topic), catalog.municipality(municipality)]);
    return { topic: found ? pick(found.name, locale) : '', place: place?.name ?? '' };
  };
  // A caller becomes a citizen (a row, their address) only when something of theirs is kept.
  const citizenFor = async ({ citizenId, address, channel }: Caller) => (citizenId !== NO_CITIZEN ? citizenId : (await citizens.findOrCreate(address, channel)).id);
  const desk = new Desk({ threads: admin.threads, citizens, i18n, defaultLocale: config.DEFAULT_LOCALE });
  const effects: DialogEffects & PrivacyEffects & TrustEffects & DeskEffects = {
    saveLanguage: async ({ locale, ...caller }) => {
      if (caller.citizenId === NO_CITIZEN) await citizens.create(caller.address, caller.channel, locale);
      else await citizens.setLocale(caller.citizenId, locale);
    },
    loadForm: async (serviceCode, citizenId) => ({
      fieldCount: (await catalog.service(serviceCode))?.form?.length ?? 0,
      profileCount: await profiles.count(citizenId),
    }),
    submitRequest: async ({ serviceCode, answers, profileId, ...caller }) => {
      const form = (await catalog.service(serviceCode))?.form ?? [];
      const byKey = Object.fromEntries(form.map((field, index) => [field.key, answers[index] ?? '']));
      return requests.submit({ citizenId: await citizenFor(caller), serviceCode, answers: byKey, channel: caller.channel, profileId });
    },
    // Nothing was ever sent to a caller who is not a citizen.
    verifyMessage: async ({ citizenId, code }) => (citizenId === NO_CITIZEN ? { kind: 'unknown' } : verification.check(citizenId, code)),
    confirmAssisted: async ({ citizenId, id, code }) => (await admin.assisted.confirm(citizenId, code !== undefined ? { code } : { id: id ?? 0 })) ?? null,
    declineAssisted: ({ citizenId, id }) => admin.assisted.decline(citizenId, id),
    addProfile: async ({ name, relationship, ...caller }) => profiles.add(await citizenFor(caller), { name, relationship }),
    removeProfile: ({ citizenId, profileId }) => profiles.remove(citizenId, profileId),
    requestProof: ({ address, purpose, locale }) => proofs.issue(address, purpose, locale),
    checkProof: ({ address, purpose, code }) => proofs.check(address, purpose, code),
    // Each subscription is a consent record too, with the confirmation the citizen saw, in one transaction.
    subscribe: async ({ topic, municipality, ...caller }) => {
      const citizenId = await citizenFor(caller);
      // Read before the transaction: PGlite's one connection would wait on it for a catalog read.
      const params = await subscriptionNames(topic, municipality, await admin.consents.localeOf(citizenId));
      await db.transaction(async (tx) => {
        if (!(await new SubscriptionService(tx).subscribe(citizenId, topic, municipality))) return;
        const evidence = { channel: caller.channel, noticeKey: 'dialogs:subscribe.subscribed', params };
        await admin.consents.record(tx, { citizenId, purpose: 'announcements', scope: `${topic}/${municipality}`, action: 'given', ...evidence });
      });
    },
    unsubscribe: async ({ citizenId, topic, municipality, channel }) => {
      await db.transaction(async (tx) => {
        if (!(await new SubscriptionService(tx).unsubscribe(citizenId, topic, municipality))) return;
        await admin.consents.record(tx, { citizenId, purpose: 'announcements', scope: `${topic}/${municipality}`, action: 'withdrawn', channel, noticeKey: 'dialogs:subscribe.unsubscribed' });
      });
    },
    // Audited, and misses counted, per citizen: a lookup is kept.
    lookupRequest: async (input) => lookups.lookup({ ...input, citizenId: await citizenFor(input) }),
    dataHeld: (citizenId) => dataRights.held(citizenId),
    eraseCitizen: async ({ citizenId, channel }) => {
      if (citizenId !== NO_CITIZEN) await dataRights.erase(citizenId, channel);
    },
    openThread: async ({ category, municipality, anonymous, locale, ...caller }) => {
      let opened: { reference: string };
      try {
        opened = await admin.threads.file({ citizenId: await citizenFor(caller), channel: caller.channel, categoryCode: category, municipalityCode: municipality, anonymous });
      } catch (error) {
        if (error instanceof ThreadLimitError) return { refused: 'limit' };
        throw error;
      }
      // Free text is hard on a keypad: after USSD the words come by SMS, in reply to one we send
      // (a number the gateway only claims, so within the unsolicited-SMS budget).
      const { address } = caller;
      if (caller.channel !== 'ussd' || addressKind(address) !== 'tel' || !sending.has('sms')) return { reference: opened.reference, writeBy: 'here' };
      if (!(await unsolicitedSms.take({ address, cause: { kind: 'desk-prompt', source: 'ussd' } })).allowed) return { reference: opened.reference, writeBy: 'here' };
      await outbox.enqueue({ address, channel: 'sms', body: desk.prompt(locale, opened.reference), kind: 'notice', priority: PRIORITY.reply, locale });
      sending.nudge();
      return { reference: opened.reference, writeBy: 'sms' };
    },
  };
  const engine = new DialogEngine({
    dialogs: createDialogs(effects),
    services: {
      catalog,
      requests,
      subscriptions,
      profiles,
      assisted: { pendingFor: (citizenId, id) => admin.assisted.pendingFor(citizenId, id) },
      timeZone: config.TIME_ZONE,
      languages: config.LANGUAGES,
    },
    citizens,
    store,
    i18n,
    defaultLocale: config.DEFAULT_LOCALE,
    sessionTtl: config.SESSION_TTL,
    now: overrides.now,
    // A request filed for the citizen at a service centre is asked about before the menu.
    opening: async (citizenId) => {
      const pending = await admin.assisted.pendingFor(citizenId);
      return pending ? { dialog: 'confirm-assisted', params: { id: String(pending.id) } } : undefined;
    },
  });

  const conversation = createConversation({
    config,
    db,
    store,
    engine,
    i18n,
    log,
    metrics,
    outbox,
    citizens,
    trail: hops,
    budget: unsolicitedSms,
    assisted: { isPendingCode: (address, text) => admin.assisted.isPendingCode(address, text) },
    smsOn: () => sending.has('sms'),
    nudge: () => sending.nudge(),
    now: overrides.now,
    desk,
    consents: admin.consents,
  });
  const deps = { config, conversation, i18n, log, metrics, outbox };
  // The one list of channels; each adapter decides from the configuration whether it is on.
  const channels: Channel[] = [
    // Every USSD gateway family (src/channels/ussd-gateways.ts), each behind USSD_TOKEN / USSD_ALLOWED_IPS.
    ...ussdGateways({ ...deps, store }),
    // Needs nothing configured: the phone simulator at /simulator (SIMULATOR=off in production).
    ...(config.SIMULATOR === 'on' ? [simulatorChannel({ ...deps, db })] : []),
    ...telegramChannels({ ...deps, db, store }),
    // Kannel, Twilio and Globe Labs, each on when its credentials are set (src/channels/sms).
    ...smsChannels({ ...deps, store }),
    // The voice line on Twilio, on when VOICE_FROM and Twilio's account are set (src/channels/voice).
    ...voiceChannels({ ...deps, prompts: admin.prompts }),
    ...(overrides.extraChannels ?? []),
  ];
  // Phones are reached through the logical channel `sms`, sent by whichever provider is on.
  const phones = phoneChannel(channels);
  if (phones) channels.push(phones);
  built = channels;
  // Which provider carries each SMS, with a circuit breaker per route and network (src/outbox/routing).
  const routing = smsRouter({ config, store, log, lane: SMS_CHANNEL, providers: phoneProviders(channels) });
  outbox.judgeReports((report) => routing.report(report));

  // Each channel's rate is shared by every instance through Redis (in memory for one process).
  const limiter = config.REDIS_URL ? new RedisRateLimiter(config.REDIS_URL) : new MemoryRateLimiter();
  const dispatcher = new Dispatcher({
    outbox,
    channels: channels.filter(canSend),
    log: log.child({ name: 'outbox' }),
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    limiter,
    routing,
    holdBroadcasts: admin.holdBroadcasts,
    housekeeping: async () => {
      await admin.broadcasts.housekeeping();
      await admin.assisted.housekeeping();
      const failed = await outbox.giveUp(config.OUTBOX_GIVE_UP_HOURS);
      if (failed > 0) log.warn({ failed, hours: config.OUTBOX_GIVE_UP_HOURS }, 'outbox messages not sent in time were given up');
    },
    now: overrides.now,
  });
  sending.ready(channels.filter(canSend), dispatcher);
  const api = createApiRouter(admin, log.child({ name: 'api' }), store);
  // Hourly, beside the purge: requests whose Charter clock ran out with no decision are deemed approved.
  const retention = new RetentionJob({ db, log, retention: retentionFrom(admin.purposes, config.RETENTION_DAYS), chores: [() => sweepDeemedApproved(admin.clocks, log)] });

  return {
    config,
    log,
    db,
    store,
    i18n,
    metrics,
    catalog,
    citizens,
    requests,
    subscriptions,
    engine,
    conversation,
    channels,
    outbox,
    dispatcher,
    admin,
    unsolicitedSms,
    api,
    retention,
    hops,
    dataRights,
    async close() {
      await Promise.all(channels.map((channel) => channel.stop?.()));
      await hops.settled();
      await dispatcher.stop();
      await retention.stop();
      await limiter.close();
      await store.close();
      await db.close();
    },
  };
}

/**
 * The channels that can push messages and the dispatcher that sends for them, for what the
 * composition root builds before them (the ministries' services, one-time codes, the
 * conversation layer): empty, and nudging nothing, until `ready` is called once.
 */
class SendingChannels {
  /** By name and rate; services read it when they use it. */
  readonly list: SendingChannel[] = [];
  private dispatcher?: Dispatcher;

  ready(channels: SendingChannel[], dispatcher: Dispatcher): void {
    this.list.push(...channels);
    this.dispatcher = dispatcher;
  }

  has(name: string): boolean {
    return this.list.some((channel) => channel.name === name);
  }

  /** Wakes the dispatcher after something was queued. */
  nudge(): void {
    this.dispatcher?.nudge();
  }
}
