import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import type { Category, ServiceRecord } from '../../services/catalog-admin';
import { charterSchema, formField } from '../../services/catalog-schema';
import { route, type Route } from '../route';
import { code, list, localizedInput, localizedOutput } from '../schemas';

const category = z.object({ code, name: localizedOutput, position: z.number().int() });

const service = z.object({
  code,
  ministry: code,
  category: code,
  name: localizedOutput,
  requirements: z.array(localizedOutput),
  feePhp: z.number(),
  processingTime: localizedOutput,
  office: localizedOutput,
  form: z.array(formField).nullable().describe('null when the service takes no requests by phone'),
  workflow: z.array(code).describe('the statuses a request moves through, in order; the first is where a new request starts'),
  charter: z.record(z.string(), z.unknown()).nullable().describe("the Citizen's Charter as stored (every text localised); null: none written"),
  position: z.number().int(),
});

/** A service as a ministry writes it (the same fields as a catalog file's service). */
const serviceInput = z
  .strictObject({
    ministry: code,
    category: code,
    name: localizedInput,
    requirements: z.array(localizedInput).max(20).default([]),
    feePhp: z.number().min(0).max(1_000_000),
    processingTime: localizedInput,
    office: localizedInput,
    form: z.array(formField).min(1).max(10).optional().describe('the request form; leave out for a service that takes no requests by phone'),
    workflow: z.array(code).min(2).max(20).optional().describe('ordered statuses; leave out for the standard workflow'),
    charter: charterSchema.optional().describe("the Citizen's Charter (RA 11032): classification, steps, responsible unit, how to complain"),
  })
  .superRefine((input, ctx) => {
    // What a catalog file is checked for: a form no citizen could finish, or an ambiguous workflow, is refused.
    const keys = new Set<string>();
    input.form?.forEach((field, index) => {
      if (keys.has(field.key)) ctx.addIssue({ code: 'custom', path: ['form', index, 'key'], message: `duplicate field key "${field.key}"` });
      keys.add(field.key);
      if ((field.type === 'text' || field.type === 'digits') && field.minLength > field.maxLength) {
        ctx.addIssue({ code: 'custom', path: ['form', index, 'minLength'], message: `minLength ${field.minLength} is more than maxLength ${field.maxLength}` });
      }
      if (field.type === 'choice') {
        const values = field.options.map((option) => option.value);
        values.forEach((value, optionIndex) => {
          if (values.indexOf(value) !== optionIndex) ctx.addIssue({ code: 'custom', path: ['form', index, 'options', optionIndex, 'value'], message: `duplicate option value "${value}"` });
        });
      }
    });
    input.workflow?.forEach((status, index) => {
      if (input.workflow?.indexOf(status) !== index) ctx.addIssue({ code: 'custom', path: ['workflow', index], message: `duplicate status "${status}"` });
    });
  });

const presentCategory = (c: Category): z.input<typeof category> => ({ code: c.code, name: c.name, position: c.position });

const presentService = (s: ServiceRecord): z.input<typeof service> => ({
  code: s.code,
  ministry: s.ministry,
  category: s.category,
  name: s.name,
  requirements: s.requirements,
  feePhp: s.feePhp,
  processingTime: s.processingTime,
  office: s.office,
  form: s.form,
  workflow: s.workflow,
  charter: s.charter as Record<string, unknown> | null,
  position: s.position,
});

/** The catalog: categories (shared) and each ministry's services with their forms and workflows. */
export function catalogRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listCategories',
      method: 'get',
      path: '/categories',
      tag: 'catalog',
      summary: 'List categories',
      description: 'Categories are shared by every ministry.',
      response: list(category),
      handle: async () => ({ items: (await services.catalog.categories()).map(presentCategory) }),
    }),
    route({
      operationId: 'putCategory',
      method: 'put',
      path: '/categories/:code',
      tag: 'catalog',
      summary: 'Create or rename a category',
      superAdminOnly: true,
      params: z.strictObject({ code }),
      body: z.strictObject({ name: localizedInput, position: z.number().int().min(0).max(10_000).optional() }),
      response: category,
      handle: async ({ actor, params, body }) => presentCategory(await services.catalog.putCategory(actor, params.code, body)),
    }),
    route({
      operationId: 'listServices',
      method: 'get',
      path: '/services',
      tag: 'catalog',
      summary: 'List services',
      description: "A ministry's key sees its own ministry's services.",
      query: z.strictObject({ ministry: code.optional(), category: code.optional() }),
      response: list(service),
      handle: async ({ actor, query }) => ({ items: (await services.catalog.services(actor, query)).map(presentService) }),
    }),
    route({
      operationId: 'getService',
      method: 'get',
      path: '/services/:code',
      tag: 'catalog',
      summary: 'Get a service with its form and workflow',
      params: z.strictObject({ code }),
      response: service,
      handle: async ({ actor, params }) => presentService(await services.catalog.service(actor, params.code)),
    }),
    route({
      operationId: 'putService',
      method: 'put',
      path: '/services/:code',
      tag: 'catalog',
      summary: 'Create or replace a service',
      description:
        "Replaces the whole service: form, workflow and texts. A ministry's key cannot move a service to, or take one from, another ministry. " +
        'A new workflow must keep every status that requests of the service are in (409 otherwise).',
      params: z.strictObject({ code }),
      body: serviceInput,
      response: service,
      errors: [409],
      handle: async ({ actor, params, body }) => presentService((await services.catalog.putService(actor, params.code, body)).service),
    }),
  ];
}
