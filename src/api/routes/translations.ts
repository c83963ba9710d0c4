import { z } from 'zod';
import { shippedLocales } from '../../i18n';
import { SOURCE_LOCALE } from '../../translations/locales';
import { COUNTED_STATES, localeStrings, localeSummaries } from '../../translations/status';
import { route, type Route } from '../route';
import { list, locale } from '../schemas';

const state = z.enum(['source', 'reviewed', 'draft', 'stale', 'fallback']).describe('stale: reviewed, but English has changed since; fallback: not translated, citizens read the fallback language');

const summary = z.object({
  code: z.string(),
  name: z.string().describe('in its own language'),
  english: z.string(),
  fallback: z.string().nullable().describe('where a missing or hidden string comes from'),
  drafts: z.enum(['show', 'fallback']).describe('whether citizens see unreviewed strings, or the fallback language in their place'),
  direction: z.enum(['ltr', 'rtl']),
  total: z.number().int().describe("English's strings"),
  counts: z.object(Object.fromEntries(COUNTED_STATES.map((name) => [name, z.number().int()])) as Record<(typeof COUNTED_STATES)[number], z.ZodNumber>),
});

const string = z.object({
  key: z.string().describe('namespace:key'),
  source: z.string().describe('the English text'),
  text: z.string().nullable(),
  state,
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
});

/** The review state of the translations as they are served (read-only: changes go through npm run i18n). */
export function translationRoutes(): Route[] {
  return [
    route({
      operationId: 'listTranslations',
      method: 'get',
      path: '/translations',
      tag: 'translations',
      summary: "Each language's review state",
      description: 'How many strings of each locale are reviewed, drafts, stale or not translated, and what citizens see of its drafts.',
      response: list(summary),
      handle: async () => ({ items: localeSummaries(shippedLocales()) }),
    }),
    route({
      operationId: 'listTranslationStrings',
      method: 'get',
      path: '/translations/:locale',
      tag: 'translations',
      summary: "One language's strings and their review state",
      params: z.strictObject({ locale }),
      query: z.strictObject({ state: state.optional() }),
      response: list(string),
      handle: async ({ params, query }) => {
        const locales = shippedLocales();
        const english = locales.find((item) => item.code === SOURCE_LOCALE)!.texts;
        const items = localeStrings(locales.find((item) => item.code === params.locale)!, english);
        return { items: query.state ? items.filter((item) => item.state === query.state) : items };
      },
    }),
  ];
}
