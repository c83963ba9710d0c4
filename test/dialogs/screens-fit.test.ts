import { getShortestPaths } from 'xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import { SUPPORTED_LOCALES } from '../../src/config';
import { paginate } from '../../src/text/pages';
import { spokenSeconds, voicePages, wordsIn } from '../../src/channels/voice/pages';
import { encodedLength } from '../../src/text/gsm7';
import { formatReference } from '../../src/services/reference';
import { createDialogs } from '../../src/dialogs';
import { MENU_ENTRIES } from '../../src/dialogs/menu';
import type { DeskEffects } from '../../src/dialogs/complaint';
import type { Dialog, DialogEffects, DialogEvent, DialogInput, DialogName, PrivacyEffects, ScreenServices, TrustEffects } from '../../src/dialogs/dialog';
import { createI18n, resolveScreen } from '../../src/i18n';
import { CatalogService, type ServiceDetail } from '../../src/services/catalog';
import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import { CitizenService } from '../../src/services/citizens';
import { ProfileError, ProfileService, RELATIONSHIPS } from '../../src/services/profiles';
import { RequestService } from '../../src/services/requests';
import { SubscriptionService } from '../../src/services/subscriptions';
import type { DataHeld } from '../../src/services/data-rights';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';

/**
 * Every screen of every dialog, in every locale, fits one USSD string. The states are not
 * hand-picked: xstate/graph walks each machine with every event its screens offer (every
 * option of the sample catalog, a valid answer for every form field, back, and the outcomes
 * of every effect), and each state reached is drawn and laid out at the USSD limits.
 */
const USSD_LIMITS = { gsm7: 182, ucs2: 80 };
/** The voice line's spoken budget (VOICE_SCREEN_SECONDS and VOICE_WORDS_PER_MINUTE at their defaults). */
const VOICE_BUDGET = { seconds: 35, wordsPerMinute: 150 };
/** Fake effects: traversal never runs them (it is pure), the done/error events stand in. */
/** What MYDATA shows: counts, and consent changes long enough to test the screen (every channel, both actions). */
const HELD: DataHeld = {
  phones: 1,
  chats: 1,
  requests: 12,
  topics: 3,
  messages: 140,
  locale: 'en',
  consents: [
    { purpose: 'announcements', action: 'withdrawn', channel: 'telegram', at: new Date('2026-12-30T10:00:00Z') },
    { purpose: 'surveys', action: 'given', channel: 'ussd', at: new Date('2026-12-30T09:00:00Z') },
    { purpose: 'announcements', action: 'given', channel: 'sms', at: new Date('2026-09-28T09:00:00Z') },
  ],
};

const effects: DialogEffects & PrivacyEffects & TrustEffects & DeskEffects = {
  saveLanguage: async () => undefined,
  loadForm: async () => ({ fieldCount: 0 }),
  submitRequest: async () => ({ reference: '48217730953' }),
  subscribe: async () => undefined,
  unsubscribe: async () => undefined,
  lookupRequest: async () => 'found',
  dataHeld: async () => HELD,
  eraseCitizen: async () => undefined,
  verifyMessage: async () => ({ kind: 'unknown' }),
  confirmAssisted: async () => null,
  declineAssisted: async () => false,
  addProfile: async () => ({ id: 1 }),
  removeProfile: async () => true,
  requestProof: async () => 'sent',
  checkProof: async () => ({ kind: 'proven' }),
  openThread: async () => ({ reference: '48217730953', writeBy: 'sms' }),
};

/** The longest name a family profile may have (40 characters), to draw the widest screens. */
const LONG_NAME = 'Maria Clara Santos de la Cruz Mangudadat';

interface Catalog {
  categories: string[];
  servicesIn: Map<string, string[]>;
  services: Map<string, ServiceDetail>;
  provinces: string[];
  municipalitiesIn: Map<string, string[]>;
  topics: string[];
}

describe('every USSD screen of every dialog in every locale', () => {
  let db: Database;
  let citizenId: number;
  let reference: string;
  let catalog: Catalog;
  let services: ScreenServices;
  /** A family profile on the citizen's phone, and the longest names a trust screen can show. */
  let profileId: number;
  let longest: { service: Record<string, string> & { en: string }; centre: string; ministry: Record<string, string> & { en: string } };
  const dialogs = createDialogs(effects);
  // Drafts shown in every locale: a hidden draft is still a text a reviewer may accept tomorrow.
  const i18n = createI18n('en', { drafts: 'show' });

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    await loadSampleCatalogIfEmpty(db);
    const catalogService = new CatalogService(db);
    const [names] = await db.query<{ service: { en: string }; centre: string; ministry: { en: string } }>(
      `SELECT (SELECT name FROM services WHERE form IS NOT NULL ORDER BY length(name->>'en') DESC LIMIT 1) AS service,
              (SELECT name FROM centres ORDER BY length(name) DESC LIMIT 1) AS centre,
              (SELECT name FROM ministries ORDER BY length(name->>'en') DESC LIMIT 1) AS ministry`,
    );
    longest = names;
    const profiles = new ProfileService(db);
    services = {
      catalog: catalogService,
      requests: new RequestService(db),
      subscriptions: new SubscriptionService(db),
      profiles,
      // A request filed at the centre with the longest name, for the service with the longest name, for the longest-named person.
      assisted: { pendingFor: async (_citizenId, id) => ({ id: id ?? 1, serviceName: longest.service, centreName: longest.centre, personName: LONG_NAME }) },
      timeZone: 'Asia/Manila',
    };
    const categories = await catalogService.categories();
    const provinces = await catalogService.provinces();
    catalog = {
      categories: categories.map((c) => c.code),
      servicesIn: new Map(),
      services: new Map(),
      provinces: provinces.map((p) => p.code),
      municipalitiesIn: new Map(),
      topics: (await catalogService.topics()).map((t) => t.code),
    };
    for (const category of categories) {
      const list = await catalogService.servicesIn(category.code);
      catalog.servicesIn.set(category.code, list.map((s) => s.code));
      for (const item of list) catalog.services.set(item.code, (await catalogService.service(item.code))!);
    }
    for (const province of provinces) {
      catalog.municipalitiesIn.set(province.code, (await catalogService.municipalitiesIn(province.code)).map((m) => m.code));
    }
    // A citizen with a request and a subscription, so "my requests" and "stop following" have content.
    citizenId = (await new CitizenService(db).findOrCreate('tel:+639170000100', 'ussd')).id;
    const withForm = [...catalog.services.values()].find((s) => s.form)!;
    reference = (await services.requests.submit({ citizenId, serviceCode: withForm.code, answers: {}, channel: 'ussd' })).reference;
    // A shared phone: "my requests" groups by person and a request form first asks whom it is for.
    profileId = (await new ProfileService(db).add(citizenId, { name: LONG_NAME, relationship: 'grandparent' })).id;
    await services.requests.submit({ citizenId, serviceCode: withForm.code, answers: {}, channel: 'ussd', profileId });
    await services.subscriptions.subscribe(citizenId, catalog.topics[0], catalog.municipalitiesIn.get(catalog.provinces[0])![0]);
  });
  afterAll(async () => {
    await db.close();
  });

  /** Every event the screen of `snapshot` lets a citizen send, from the catalog's real data. */
  function eventsFor(name: DialogName, snapshot: AnyMachineSnapshot): DialogEvent[] {
    const context = snapshot.context;
    const choose = (values: string[]) => values.map((value): DialogEvent => ({ type: 'CHOOSE', value }));
    const done = (id: string, output?: unknown) => ({ type: `xstate.done.actor.${id}`, output }) as unknown as DialogEvent;
    const failed = (id: string) => ({ type: `xstate.error.actor.${id}`, error: new Error('down') }) as unknown as DialogEvent;
    const back: DialogEvent[] = [{ type: 'BACK' }, { type: 'RESUME', proven: false }, { type: 'RESUME', proven: true }];
    const state = `${name}.${String(snapshot.value)}`;
    // Proving the phone (src/dialogs/proof.ts), the same step in every dialog that has it.
    switch (String(snapshot.value)) {
      case 'proofSending':
        return [done('requestProof', 'sent'), done('requestProof', 'locked'), done('requestProof', 'unavailable'), failed('requestProof')];
      case 'proofCode':
      case 'proofRetry':
        return [{ type: 'ANSWER', value: '123456' }, ...back];
      case 'proofChecking':
        return [
          done('checkProof', { kind: 'proven' }),
          done('checkProof', { kind: 'wrong' }),
          done('checkProof', { kind: 'expired' }),
          done('checkProof', { kind: 'locked' }),
          failed('checkProof'),
        ];
    }
    switch (state) {
      case 'menu.menu':
        return choose(MENU_ENTRIES);
      case 'language.choose':
        return [...choose([...SUPPORTED_LOCALES]), ...back];
      case 'language.saving':
        return [done('saveLanguage'), failed('saveLanguage')];
      case 'browse.categories':
        return [...choose(catalog.categories), ...back];
      case 'browse.services':
        return [...choose(catalog.servicesIn.get(context.category) ?? []), ...back];
      case 'browse.detail':
        return [...choose(['apply', 'charter']), ...back];
      // CHARTER <word> (and INFO <word>): every service may be among the results.
      case 'browse.results':
        return [...choose(['menu', ...catalog.services.keys()]), ...back];
      case 'centres.provinces':
      case 'subscribe.provinces':
      case 'complaint.provinces':
        return [...choose(catalog.provinces), ...back];
      case 'centres.municipalities':
      case 'subscribe.municipalities':
      case 'complaint.municipalities':
        return [...choose(catalog.municipalitiesIn.get(context.province) ?? []), ...back];
      case 'subscribe.overview':
        return [...choose(['add', 'remove']), ...back];
      case 'subscribe.topics':
        return [...choose(catalog.topics), ...back];
      case 'subscribe.remove':
        return [...choose([`${catalog.topics[0]}|x`]), ...back];
      case 'subscribe.subscribing':
        return [done('subscribe'), failed('subscribe')];
      case 'subscribe.unsubscribing':
        return [done('unsubscribe'), failed('unsubscribe')];
      case 'apply.loading':
        return [done('loadForm', { fieldCount: catalog.services.get(context.service)?.form?.length ?? 0, profileCount: 1 }), failed('loadForm')];
      case 'apply.who':
        return [...choose(['self', String(profileId)]), ...back];
      case 'apply.field': {
        const field = catalog.services.get(context.service)?.form?.[context.index];
        if (field?.type === 'choice') return [...choose(field.options.map((option) => option.value)), ...back];
        const sample = { text: 'Juan dela Cruz', digits: '12', date: '2000-01-31' }[field?.type ?? 'text'];
        return [{ type: 'ANSWER', value: sample }, ...back];
      }
      case 'apply.review':
        return [...choose(['confirm', 'reveal', 'edit']), ...back];
      case 'apply.proofBySms':
      case 'apply.proofExpired':
      case 'apply.proofLocked':
        return [...choose(['edit']), ...back];
      case 'apply.submitting':
        return [done('submitRequest', { reference: '48217730953' }), failed('submitRequest')];
      case 'status.ask':
        return [{ type: 'ANSWER', value: reference }, { type: 'ANSWER', value: '12345678900' }, ...back];
      case 'status.lookup':
        return [done('lookupRequest', 'found'), done('lookupRequest', 'missing'), done('lookupRequest', 'limited'), failed('lookupRequest')];
      case 'status.result':
        return [...choose(['again']), ...back];
      case 'mydata.loading':
        return [done('dataHeld', HELD), done('dataHeld', { ...HELD, consents: [] }), failed('dataHeld')];
      case 'mydata.summary':
        return [...choose(['delete', 'consents']), ...back];
      case 'mydata.consents':
        return back;
      case 'mydata.confirm':
        return [...choose(['yes', 'no']), ...back];
      case 'mydata.erasing':
        return [done('eraseCitizen'), failed('eraseCitizen')];
      case 'requests.list':
        return [...choose([reference, 'person:self', `person:${profileId}`, 'family']), ...back];
      case 'requests.person':
        return [...choose([reference]), ...back];
      case 'verify.ask':
        return [{ type: 'ANSWER', value: 'KX7 M2Q' }, ...back];
      case 'verify.checking':
        return [
          done('verifyMessage', { kind: 'genuine', when: '2026-11-28 16:05', ministry: longest.ministry, centre: null }),
          done('verifyMessage', { kind: 'genuine', when: '2026-11-28 16:05', ministry: null, centre: longest.centre }),
          done('verifyMessage', { kind: 'genuine', when: '2026-11-28 16:05', ministry: null, centre: null }),
          done('verifyMessage', { kind: 'unknown' }),
          done('verifyMessage', { kind: 'limited' }),
          failed('verifyMessage'),
        ];
      case 'verify.result':
        return [...choose(['again', 'menu']), ...back];
      case 'confirm-assisted.ask':
        return [...choose(['yes:1', 'no:1', 'menu']), ...back];
      case 'confirm-assisted.confirming':
        return [done('confirmAssisted', { reference }), done('confirmAssisted', null), failed('confirmAssisted')];
      case 'confirm-assisted.declining':
        return [done('declineAssisted', true), done('declineAssisted', false), failed('declineAssisted')];
      case 'profiles.list':
        return [...choose(['add', String(profileId)]), ...back];
      case 'profiles.name':
        return [{ type: 'ANSWER', value: LONG_NAME }, ...back];
      case 'profiles.relationship':
        return [...choose([...RELATIONSHIPS]), ...back];
      case 'profiles.adding':
        return [
          done('addProfile', { id: 2 }),
          { type: 'xstate.error.actor.addProfile', error: new ProfileError('full', 'full') } as unknown as DialogEvent,
          { type: 'xstate.error.actor.addProfile', error: new ProfileError('duplicate', 'taken') } as unknown as DialogEvent,
          failed('addProfile'),
        ];
      case 'profiles.person':
        return [...choose(['remove']), ...back];
      case 'profiles.confirmRemove':
        return [...choose(['yes', 'no']), ...back];
      case 'profiles.removing':
        return [done('removeProfile', true), failed('removeProfile')];
      case 'resume.ask':
        return choose(['yes', 'no']);
      case 'complaint.categories':
        return [...choose([...catalog.categories, '-']), ...back];
      case 'complaint.anonymous':
        return [...choose(['shown', 'anonymous']), ...back];
      case 'complaint.opening':
        return [done('open', { reference, writeBy: 'sms' }), done('open', { reference, writeBy: 'here' }), done('open', { refused: 'limit' }), failed('open')];
      default:
        return [...choose(['menu']), ...back];
    }
  }

  /** The inputs each dialog is started with: apply once per service that has a form. */
  function inputsFor(name: DialogName): DialogInput[] {
    // Over USSD, which does not prove the phone: the screens of the proving step are drawn too.
    const base = { citizenId, channel: 'ussd', address: 'tel:+639170000100', locale: 'en', proven: false };
    if (name === 'apply' || name === 'resume') {
      return [...catalog.services.values()].filter((s) => s.form).map((s) => ({ ...base, params: { service: s.code } }));
    }
    // My data opens on the summary from the menu, on the confirmation for DELETE.
    if (name === 'mydata') return [{ ...base, params: {} }, { ...base, params: { step: 'delete' } }];
    // Offered on dial with the waiting request's id; confirmed at once by the code texted back. VERIFY <code> skips the question.
    if (name === 'confirm-assisted') return [{ ...base, params: { id: '1' } }, { ...base, params: { code: '123456' } }];
    if (name === 'verify') return [{ ...base, params: {} }, { ...base, params: { code: 'KX7M2Q' } }];
    // SMS CHARTER <word> opens a chosen service on its Citizen's Charter.
    if (name === 'browse') return [{ ...base, params: {} }, { ...base, params: { charter: '1', search: 'a' } }];
    return [{ ...base, params: {} }];
  }

  it('fits in every state reached, in every locale, at 182 GSM-7 or 80 UCS-2 characters a page, a final screen on one page', async () => {
    const checked = new Set<string>();
    const tooLong: string[] = [];
    /** Final (USSD END) screens laid out on more than one page: the session closes on page 1. */
    const paginatedEnds = new Set<string>();
    let screens = 0;
    /** Spoken pages longer than the voice budget, and final screens whose first paragraph is not spoken whole. */
    const tooLongToSay: string[] = [];
    let longestSpoken = 0;
    for (const [name, dialog] of Object.entries(dialogs) as [DialogName, Dialog<never>][]) {
      for (const input of inputsFor(name)) {
        const paths = getShortestPaths(dialog.machine, {
          input,
          events: (snapshot) => eventsFor(name, snapshot as AnyMachineSnapshot),
          serializeState: (snapshot) => `${String((snapshot as AnyMachineSnapshot).value)}|${JSON.stringify((snapshot as AnyMachineSnapshot).context)}`,
        });
        for (const path of paths) {
          const snapshot = path.state as AnyMachineSnapshot;
          const build = dialog.screens[String(snapshot.value)];
          const key = `${name}|${String(snapshot.value)}|${JSON.stringify(snapshot.context)}`;
          if (!build || checked.has(key)) continue;
          checked.add(key);
          for (const locale of SUPPORTED_LOCALES) {
            const screen = await build({ context: snapshot.context as never, citizenId, locale, services });
            const pages = paginate(resolveScreen(i18n, locale, screen), USSD_LIMITS);
            screens++;
            if (screen.final) {
              // One page, saying first what matters: its first paragraph whole (the reference, on a request's).
              const resolved = resolveScreen(i18n, locale, screen);
              const shown = pages[0].text.split('\n');
              const reference = (snapshot.context as { reference?: string }).reference;
              const id = `${locale} ${name}.${String(snapshot.value)}: ${pages.map((page) => page.text).join(' | ')}`;
              if (pages.length > 1 || !shown.includes(resolved.body[0])) paginatedEnds.add(id);
              if (reference && ['apply', 'confirm-assisted'].includes(name) && !pages[0].text.includes(formatReference(reference))) paginatedEnds.add(`no reference: ${id}`);
            }
            // The same screen on the voice line, with the hand-over line too (the longest it gets).
            const resolved = resolveScreen(i18n, locale, screen);
            for (const spoken of voicePages(resolved, { i18n, ...VOICE_BUDGET, person: true, languages: SUPPORTED_LOCALES })) {
              const seconds = spokenSeconds(spoken, VOICE_BUDGET.wordsPerMinute);
              longestSpoken = Math.max(longestSpoken, seconds);
              const cut = screen.final && wordsIn(spoken.lines[0]) < wordsIn(resolved.body[0] ?? '');
              if (seconds > VOICE_BUDGET.seconds || cut) tooLongToSay.push(`${locale} ${key} (${seconds.toFixed(1)} s): ${spoken.text}`);
            }
            for (const page of pages) {
              const limit = USSD_LIMITS[page.encoding];
              if (encodedLength(page.text, page.encoding) > limit) tooLong.push(`${locale} ${key}: ${page.text}`);
            }
          }
        }
      }
    }
    // Every dialog was walked, and deep enough to reach the screens that end a journey.
    const reached = new Set([...checked].map((key) => key.split('|').slice(0, 2).join('.')));
    expect([...reached]).toEqual(
      expect.arrayContaining([
        'menu.menu', 'language.choose', 'browse.categories', 'browse.services', 'browse.detail', 'browse.results', 'browse.charter', 'centres.centres',
        'apply.field', 'apply.review', 'apply.submitted', 'apply.failed', 'apply.unavailable', 'requests.detail',
        'status.result', 'status.failed', 'apply.who', 'requests.list', 'requests.person', 'verify.ask', 'verify.result', 'verify.failed',
        'confirm-assisted.ask', 'confirm-assisted.confirmed', 'confirm-assisted.declined', 'confirm-assisted.gone', 'confirm-assisted.failed',
        'profiles.list', 'profiles.name', 'profiles.relationship', 'profiles.added', 'profiles.notAdded', 'profiles.person', 'profiles.confirmRemove',
        'profiles.removed', 'mydata.summary', 'mydata.consents', 'mydata.confirm', 'mydata.erased', 'mydata.failed', 'subscribe.subscribed', 'subscribe.unsubscribed', 'help.help', 'resume.ask',
        'mydata.proofCode', 'mydata.proofRetry', 'mydata.proofBySms', 'mydata.proofExpired', 'mydata.proofLocked',
        'apply.proofCode', 'apply.proofRetry', 'apply.proofBySms', 'apply.proofExpired', 'apply.proofLocked',
        'confirm-assisted.proofCode', 'confirm-assisted.proofRetry', 'confirm-assisted.proofBySms', 'confirm-assisted.proofExpired', 'confirm-assisted.proofLocked',
      ]),
    );
    // Including a review whose earlier answers are hidden (a form resumed in a new USSD session).
    expect([...checked].some((key) => key.startsWith('apply|review|') && /"hidden":\[-?\d/.test(key))).toBe(true);
    expect(screens).toBeGreaterThan(500);
    expect(tooLong).toEqual([]);
    // Every spoken page within the voice budget (the longest took 34.8 s of 35 when this was written).
    expect(tooLongToSay).toEqual([]);
    expect(longestSpoken).toBeGreaterThan(VOICE_BUDGET.seconds / 2);
    // An END screen can never be paginated: "98 More" on a session that has closed shows nothing.
    expect([...paginatedEnds]).toEqual([]);
  });
});
