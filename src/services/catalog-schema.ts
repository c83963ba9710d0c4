import { z } from 'zod';
import { SUPPORTED_LOCALES, type Locale } from '../config';

/**
 * The shape of a catalog file (JSON or YAML): what a ministry writes to describe its places,
 * services and forms. `npm run catalog:import -- FILE` validates a file against this schema,
 * and the sample catalog in `data/` follows it too.
 */

const code = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, "-" or "_" (at most 40)');

const oneText = z.string().min(1).max(400);

/**
 * Text in one or more languages, any of the supported ones (mdh, mrw, tsg too); English is
 * required. A language a text lacks reads its fallback's (Maguindanaon: Filipino, then English:
 * src/services/localized.ts). A plain string is English.
 */
export const localizedText = z.union([
  oneText,
  z.object({ en: oneText, ...(Object.fromEntries(SUPPORTED_LOCALES.filter((locale) => locale !== 'en').map((locale) => [locale, oneText.optional()])) as Record<Exclude<Locale, 'en'>, z.ZodOptional<typeof oneText>>) }).strict(),
], { error: 'must be text, or {en, fil, bn} with at least en' });
export type LocalizedTextInput = z.infer<typeof localizedText>;
/** Localised text as stored: a map from locale to text, with `en` always present. */
export type LocalizedText = { en: string } & Partial<Record<string, string>>;

const fieldBase = {
  key: z.string().regex(/^[a-z][a-z0-9_]{0,29}$/, 'must be a short lower-case identifier'),
  label: localizedText,
  required: z.boolean().default(true),
};

/** One question of a request form. */
export const formField = z.discriminatedUnion('type', [
  z.object({ ...fieldBase, type: z.literal('text'), minLength: z.number().int().min(1).default(2), maxLength: z.number().int().max(160).default(60) }).strict(),
  z.object({ ...fieldBase, type: z.literal('digits'), minLength: z.number().int().min(1).default(1), maxLength: z.number().int().max(20).default(12) }).strict(),
  z
    .object({
      ...fieldBase,
      type: z.literal('choice'),
      options: z.array(z.object({ value: code, label: localizedText }).strict()).min(2).max(20),
    })
    .strict(),
  z.object({ ...fieldBase, type: z.literal('date'), range: z.enum(['past', 'future', 'any']).default('any') }).strict(),
]);
export type FormField = z.infer<typeof formField>;

/** The working days of each classification (RA 11032 §9); `custom` keeps the Charter's own number. */
export const CLASSIFICATION_DAYS = { simple: 3, complex: 7, highly_technical: 20 } as const;

/**
 * A service's Citizen's Charter (RA 11032 §6) as a catalog file, the API and the console write
 * it: the classification that sets the processing time (simple 3, complex 7, highly technical 20
 * working days, or `custom` with its own number), the steps with their duration and responsible
 * unit, the officer or unit responsible (named on the receipt), and how to complain. The fee is
 * the service's `feePhp`, the checklist its `requirements`. Texts are short: a Charter is read on
 * a USSD screen, a page at a time.
 */
export const charterSchema = z
  .object({
    classification: z.enum(['simple', 'complex', 'highly_technical', 'custom']),
    workingDays: z.number().int().min(1).max(250).optional().describe('required for custom; for the others it is the law’s 3, 7 or 20'),
    responsible: localizedText.optional().describe('the officer or unit responsible, as the receipt names it'),
    steps: z
      .array(z.object({ step: localizedText, duration: localizedText, unit: localizedText }).strict())
      .max(8)
      .default([]),
    complaint: localizedText.describe('how to complain, e.g. "Text 8888 or see the Public Assistance Desk"'),
  })
  .strict()
  .superRefine((charter, ctx) => {
    if (charter.classification === 'custom' && charter.workingDays === undefined) {
      ctx.addIssue({ code: 'custom', path: ['workingDays'], message: 'a custom classification gives its number of working days' });
    }
    if (charter.classification !== 'custom' && charter.workingDays !== undefined && charter.workingDays !== CLASSIFICATION_DAYS[charter.classification]) {
      ctx.addIssue({ code: 'custom', path: ['workingDays'], message: `a ${charter.classification} service takes ${CLASSIFICATION_DAYS[charter.classification]} working days; use custom for another number` });
    }
  });
export type CharterInput = z.infer<typeof charterSchema>;

/** A Charter as stored (services.charter) and read: every text localised. */
export interface Charter {
  classification: CharterInput['classification'];
  workingDays: number;
  responsible: LocalizedText | null;
  steps: { step: LocalizedText; duration: LocalizedText; unit: LocalizedText }[];
  complaint: LocalizedText;
}

const place = z.object({ code, name: z.string().min(1).max(60) }).strict();

export const catalogSchema = z
  .object({
    /** True for the sample catalog shipped with Lingkod; a ministry's own file leaves it out. */
    sample: z.boolean().default(false),
    ministries: z.array(z.object({ code, name: localizedText }).strict()).min(1),
    provinces: z
      .array(
        place.extend({
          kind: z.enum(['province', 'city', 'special_area']).default('province'),
          municipalities: z.array(
            place.extend({
              centres: z
                .array(
                  z
                    .object({
                      code,
                      name: z.string().min(1).max(80),
                      address: z.string().min(1).max(120),
                      hours: z.string().min(1).max(60),
                      phone: z.string().max(20).optional(),
                    })
                    .strict(),
                )
                .default([]),
            }),
          ),
        }),
      )
      .min(1),
    categories: z.array(z.object({ code, name: localizedText }).strict()).min(1),
    topics: z.array(z.object({ code, name: localizedText }).strict()).default([]),
    services: z
      .array(
        z
          .object({
            code,
            category: code,
            ministry: code,
            name: localizedText,
            requirements: z.array(localizedText).default([]),
            feePhp: z.number().min(0).max(1_000_000),
            processingTime: localizedText,
            office: localizedText,
            form: z.array(formField).min(1).max(10).optional(),
            workflow: z.array(code).min(2).optional(),
            charter: charterSchema.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((catalog, ctx) => {
    // References between sections must resolve, and codes must be unique, so a bad file is
    // refused with the exact place to fix rather than failing half-way through the import.
    const ministries = new Set(catalog.ministries.map((m) => m.code));
    const categories = new Set(catalog.categories.map((c) => c.code));
    catalog.services.forEach((service, index) => {
      if (!ministries.has(service.ministry)) {
        ctx.addIssue({ code: 'custom', path: ['services', index, 'ministry'], message: `unknown ministry "${service.ministry}"` });
      }
      if (!categories.has(service.category)) {
        ctx.addIssue({ code: 'custom', path: ['services', index, 'category'], message: `unknown category "${service.category}"` });
      }
      const keys = new Set<string>();
      service.form?.forEach((field, fieldIndex) => {
        const at = ['services', index, 'form', fieldIndex];
        if (keys.has(field.key)) {
          ctx.addIssue({ code: 'custom', path: [...at, 'key'], message: `duplicate field key "${field.key}"` });
        }
        keys.add(field.key);
        // A field no answer can satisfy, or a choice with two identical values, would trap the citizen.
        if ((field.type === 'text' || field.type === 'digits') && field.minLength > field.maxLength) {
          ctx.addIssue({ code: 'custom', path: [...at, 'minLength'], message: `minLength ${field.minLength} is more than maxLength ${field.maxLength}` });
        }
        if (field.type === 'choice') {
          const values = field.options.map((option) => option.value);
          values.forEach((value, optionIndex) => {
            if (values.indexOf(value) !== optionIndex) {
              ctx.addIssue({ code: 'custom', path: [...at, 'options', optionIndex, 'value'], message: `duplicate option value "${value}"` });
            }
          });
        }
      });
      service.workflow?.forEach((status, statusIndex) => {
        if (service.workflow?.indexOf(status) !== statusIndex) {
          ctx.addIssue({ code: 'custom', path: ['services', index, 'workflow', statusIndex], message: `duplicate status "${status}"` });
        }
      });
    });
    const seen = new Map<string, string>();
    const unique = (kind: string, codeValue: string, path: (string | number)[]) => {
      const key = `${kind}:${codeValue}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path, message: `duplicate ${kind} code "${codeValue}"` });
      seen.set(key, codeValue);
    };
    catalog.ministries.forEach((m, i) => unique('ministry', m.code, ['ministries', i, 'code']));
    catalog.categories.forEach((c, i) => unique('category', c.code, ['categories', i, 'code']));
    catalog.services.forEach((s, i) => unique('service', s.code, ['services', i, 'code']));
    catalog.topics.forEach((t, i) => unique('topic', t.code, ['topics', i, 'code']));
    catalog.provinces.forEach((p, i) => {
      unique('province', p.code, ['provinces', i, 'code']);
      p.municipalities.forEach((m, j) => {
        unique('municipality', m.code, ['provinces', i, 'municipalities', j, 'code']);
        m.centres.forEach((c, k) => unique('centre', c.code, ['provinces', i, 'municipalities', j, 'centres', k, 'code']));
      });
    });
  });

export type Catalog = z.infer<typeof catalogSchema>;
