import { assign, setup } from 'xstate';
import type { CatalogService, Named } from '../services/catalog';
import { pick } from '../services/localized';
import { charterScreen, formatPeso } from './charter-screen';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, text, type Text } from './screen';

interface BrowseContext {
  category?: string;
  service?: string;
  /** Words searched for (SMS `INFO <word>`): the dialog starts at the services that match. */
  search?: string;
  apply: boolean;
  /** Started by CHARTER <word>: a chosen service opens on its Citizen's Charter. */
  charter: boolean;
}

const chosen = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' ? event.value : undefined);

const machine = setup({
  types: { context: {} as BrowseContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'browse',
  initial: 'start',
  context: ({ input }) => ({ category: input.params.category, service: input.params.service, search: input.params.search, apply: false, charter: input.params.charter === '1' }),
  states: {
    // Entered with a service (back from its form) or a category, the dialog starts there.
    start: {
      always: [
        { guard: ({ context }) => context.service !== undefined && context.charter, target: 'charter' },
        { guard: ({ context }) => context.service !== undefined, target: 'detail' },
        { guard: ({ context }) => context.search !== undefined, target: 'results' },
        { guard: ({ context }) => context.category !== undefined, target: 'services' },
        { target: 'categories' },
      ],
    },
    categories: {
      on: { CHOOSE: { target: 'services', actions: assign({ category: chosen }) }, BACK: 'done' },
    },
    services: {
      on: { CHOOSE: { target: 'detail', actions: assign({ service: chosen }) }, BACK: 'categories' },
    },
    results: {
      on: {
        CHOOSE: [
          { guard: ({ event }) => event.value === 'menu', target: 'done' },
          { guard: ({ context }) => context.charter, target: 'charter', actions: assign({ service: chosen }) },
          { target: 'detail', actions: assign({ service: chosen }) },
        ],
        BACK: 'done',
      },
    },
    detail: {
      on: {
        CHOOSE: [
          { guard: ({ event }) => event.value === 'apply', target: 'done', actions: assign({ apply: true }) },
          { guard: ({ event }) => event.value === 'charter', target: 'charter' },
        ],
        BACK: [
          { guard: ({ context }) => context.search !== undefined, target: 'results' },
          { guard: ({ context }) => context.category !== undefined, target: 'services' },
          { target: 'done' },
        ],
      },
    },
    charter: {
      on: { BACK: 'detail' },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => (context.apply && context.service ? { next: 'apply', params: { service: context.service } } : TO_MENU),
});

/** Browse the catalog: category, then service, then what to bring, the fee, the office and the time it takes. */
export const browseDialog: Dialog<BrowseContext> = {
  name: 'browse',
  version: 2,
  machine,
  screens: {
    categories: async ({ services, locale }) => {
      const categories = await services.catalog.categories();
      return choiceScreen(
        [text('browse.categories')],
        categories.map((category) => ({ label: text('common.item', { name: pick(category.name, locale) }), value: category.code })),
      );
    },
    services: async ({ context, services, locale }) => {
      const list = await services.catalog.servicesIn(context.category ?? '');
      return choiceScreen(
        [text('browse.services')],
        list.map((service) => ({ label: text('common.item', { name: pick(service.name, locale) }), value: service.code })),
      );
    },
    results: async ({ context, services, locale }) => {
      const word = context.search ?? '';
      const found = await searchServices(services.catalog, word);
      if (found.length === 0) return choiceScreen([text('browse.no_results', { word })], [{ label: text('common.menu'), value: 'menu' }], false);
      return choiceScreen(
        [text('browse.results', { word })],
        found.map((service) => ({ label: text('common.item', { name: pick(service.name, locale) }), value: service.code })),
        false,
      );
    },
    detail: async ({ context, services, locale }) => {
      const service = await services.catalog.service(context.service ?? '');
      if (!service) return choiceScreen([text('browse.unknown_service')], []);
      // The name, then the action, then the detail (what to bring, the fee, the office, the
      // time): on USSD, Apply is on the first page in every language (Bangla's 80 characters too).
      const body: Text[] = [
        text('common.item', { name: pick(service.name, locale) }),
        text('browse.bring', { items: service.requirements.map((item) => pick(item, locale)).join('; ') || '-' }),
        service.feePhp > 0 ? text('browse.fee', { amount: formatPeso(service.feePhp) }) : text('browse.free'),
        text('browse.office', { office: pick(service.office, locale) }),
        text('browse.time', { time: pick(service.processingTime, locale) }),
      ];
      const options = [
        ...(service.form ? [{ label: text('browse.apply'), value: 'apply' }] : []),
        ...(service.charter ? [{ label: text('charter:screen.option'), value: 'charter' }] : []),
      ];
      return { ...choiceScreen(body, options), lead: 1 };
    },
    charter: async ({ context, services, locale }) => {
      const service = await services.catalog.service(context.service ?? '');
      return service ? charterScreen(service, locale) : choiceScreen([text('browse.unknown_service')], []);
    },
  },
};

/** Most services a search lists; a citizen texting one word wants a short list. */
const MAX_RESULTS = 12;

/** Lower case without accents, for matching what was typed against names in any language. */
const folded = (text: string) => text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLocaleLowerCase();

/**
 * Services whose name, or whose category's name, in any language, contains every word of
 * `query`, in catalog order. Reads through the catalog's cached lists.
 */
async function searchServices(catalog: CatalogService, query: string): Promise<Named[]> {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const matches = (names: Named['name']) =>
    words.every((word) => Object.values(names).some((name) => name !== undefined && folded(name).includes(word)));
  const found: Named[] = [];
  for (const category of await catalog.categories()) {
    const inCategory = matches(category.name);
    for (const service of await catalog.servicesIn(category.code)) {
      if (found.length >= MAX_RESULTS) return found;
      if (inCategory || matches(service.name)) found.push(service);
    }
  }
  return found;
}
