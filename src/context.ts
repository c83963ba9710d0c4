import type { i18n } from 'i18next';
import { africasTalkingUssd } from './channels/africastalking/ussd';
import { canSend, type Channel } from './channels/channel';
import type { Config } from './config';
import type { DialogEffects } from './dialogs/dialog';
import { DialogEngine } from './dialogs/engine';
import { createDialogs } from './dialogs';
import { createI18n } from './i18n';
import { createLogger, type Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { Dispatcher } from './outbox/dispatcher';
import { Outbox } from './outbox/outbox';
import { CatalogService } from './services/catalog';
import { loadSampleCatalogIfEmpty } from './services/catalog-import';
import { CitizenService } from './services/citizens';
import { RequestService } from './services/requests';
import { SubscriptionService } from './services/subscriptions';
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
  channels: Channel[];
  outbox: Outbox;
  /** Sends what the outbox holds; started by `main` (and by tests that need it). */
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Parts a test (or an embedding program) may supply instead of having them built. */
export interface ContextOverrides {
  log?: Logger;
  db?: Database;
  store?: EphemeralStore;
  now?: () => Date;
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
  const requests = new RequestService(db);
  const subscriptions = new SubscriptionService(db);

  const effects: DialogEffects = {
    saveLanguage: (citizenId, locale) => citizens.setLocale(citizenId, locale),
    loadForm: async (serviceCode) => ({ fieldCount: (await catalog.service(serviceCode))?.form?.length ?? 0 }),
    submitRequest: async ({ citizenId, channel, serviceCode, answers }) => {
      const form = (await catalog.service(serviceCode))?.form ?? [];
      const byKey = Object.fromEntries(form.map((field, index) => [field.key, answers[index] ?? '']));
      return requests.submit({ citizenId, serviceCode, answers: byKey, channel });
    },
    subscribe: ({ citizenId, topic, municipality }) => subscriptions.subscribe(citizenId, topic, municipality),
    unsubscribe: async ({ citizenId, topic, municipality }) => {
      await subscriptions.unsubscribe(citizenId, topic, municipality);
    },
  };
  const engine = new DialogEngine({
    dialogs: createDialogs(effects),
    services: { catalog, requests, subscriptions },
    citizens,
    store,
    i18n,
    defaultLocale: config.DEFAULT_LOCALE,
    sessionTtl: config.SESSION_TTL,
    now: overrides.now,
  });

  const outbox = new Outbox(db);
  const deps = { config, engine, i18n, log, metrics, outbox };
  // The one list of channels; each adapter decides from the configuration whether it is on.
  const channels: Channel[] = [africasTalkingUssd(deps)];
  const dispatcher = new Dispatcher({
    outbox,
    channels: channels.filter(canSend),
    log: log.child({ name: 'outbox' }),
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  });

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
    channels,
    outbox,
    dispatcher,
    async close() {
      await dispatcher.stop();
      await store.close();
      await db.close();
    },
  };
}
