import { z } from 'zod';
import type { ApiKeyRecord } from '../../services/api-keys';
import type { AdminServices } from '../../services/admin';
import type { Ministry } from '../../services/ministries';
import { localized } from '../../services/catalog-import';
import { route, type Route } from '../route';
import { code, flag, iso, isoOrNull, list, localizedInput, localizedOutput, numericId, timestamp } from '../schemas';

const ministry = z.object({ code, name: localizedOutput, sample: z.boolean() });

const apiKey = z.object({
  id: z.number().int(),
  ministry: code.nullable().describe('null for a super-admin key'),
  kind: z.enum(['officer', 'centre']).describe("an officer's key, or a service centre's (it files assisted requests only)"),
  centre: code.nullable().describe("a centre key's centre; null for an officer's"),
  name: z.string(),
  holder: z.string().describe('who holds the key: a person, or a centre\'s operator; two-person approval compares holders'),
  role: z.enum(['admin', 'officer', 'privacy']).describe("a ministry's `admin` key makes and revokes its keys; an `officer`'s makes none; `privacy` is the Data Protection Officer's (consent records, breach notices); super-admin keys are `admin`"),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  source: z.enum(['api', 'cli', 'env', 'first-start']),
  createdBy: z.number().int().nullable(),
  createdAt: timestamp,
  revokedAt: timestamp.nullable(),
});

const presentMinistry = (m: Ministry): z.input<typeof ministry> => ({ code: m.code, name: m.name, sample: m.sample });

const presentKey = (k: ApiKeyRecord): z.input<typeof apiKey> => ({
  id: k.id,
  ministry: k.ministryCode,
  kind: k.kind,
  centre: k.centreCode,
  name: k.name,
  holder: k.holder,
  role: k.role,
  prefix: k.prefix,
  source: k.source,
  createdBy: k.createdBy,
  createdAt: iso(k.createdAt),
  revokedAt: isoOrNull(k.revokedAt),
});

/** Ministries and their API keys. */
export function ministryRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listMinistries',
      method: 'get',
      path: '/ministries',
      tag: 'ministries',
      summary: 'List ministries',
      description: "A ministry's key sees its own ministry only.",
      response: list(ministry),
      handle: async ({ actor }) => ({ items: (await services.ministries.list(actor)).map(presentMinistry) }),
    }),
    route({
      operationId: 'createMinistry',
      method: 'post',
      path: '/ministries',
      tag: 'ministries',
      summary: 'Add a ministry',
      superAdminOnly: true,
      body: z.strictObject({ code, name: localizedInput }),
      response: ministry,
      status: 201,
      errors: [409],
      handle: async ({ actor, body }) => presentMinistry(await services.ministries.create(actor, { code: body.code, name: localized(body.name) })),
    }),
    route({
      operationId: 'getMinistry',
      method: 'get',
      path: '/ministries/:code',
      tag: 'ministries',
      summary: 'Get a ministry',
      params: z.strictObject({ code }),
      response: ministry,
      handle: async ({ actor, params }) => presentMinistry(await services.ministries.get(actor, params.code)),
    }),
    route({
      operationId: 'renameMinistry',
      method: 'patch',
      path: '/ministries/:code',
      tag: 'ministries',
      summary: 'Rename a ministry',
      params: z.strictObject({ code }),
      body: z.strictObject({ name: localizedInput }),
      response: ministry,
      handle: async ({ actor, params, body }) => presentMinistry(await services.ministries.rename(actor, params.code, localized(body.name))),
    }),
    route({
      operationId: 'listApiKeys',
      method: 'get',
      path: '/keys',
      tag: 'keys',
      summary: 'List API keys',
      description: "Never the keys themselves. A ministry's key sees its own ministry's keys.",
      query: z.strictObject({ ministry: code.optional(), includeRevoked: flag.optional() }),
      response: list(apiKey),
      handle: async ({ actor, query }) => ({
        items: (await services.apiKeys.list(actor, { ministry: query.ministry, includeRevoked: query.includeRevoked })).map(presentKey),
      }),
    }),
    route({
      operationId: 'createApiKey',
      method: 'post',
      path: '/keys',
      tag: 'keys',
      summary: 'Create an API key',
      description:
        'The key is in the answer and nowhere else: it is stored hashed and cannot be shown again. ' +
        '`holder` names the person who will hold it (or the centre operator). ' +
        "`ministry: null` makes a super-admin key (super-admin keys only); a super-admin or a ministry's `admin` key makes keys for that ministry " +
        "(an `officer`'s key makes none), with `role` `officer` unless `admin` is asked for. " +
        "With `centre`, the key is that service centre's (kind `centre`): it can file assisted requests for its ministry's services and list its own, nothing else; " +
        "it belongs to the ministry given, which must answer for the centre (a super-admin's first centre key for the pair makes it answer; then the ministry's admins may make more).",
      body: z.strictObject({
        ministry: code.nullable(),
        name: z.string().trim().min(1).max(80),
        holder: z.string().trim().min(2).max(80).describe('the person who holds the key, or the centre operator'),
        role: z.enum(['admin', 'officer', 'privacy']).optional().describe("`officer` (the default), `admin` (makes and revokes the ministry's keys) or `privacy` (the Data Protection Officer's)"),
        centre: code.optional().describe("makes a service centre's key for this centre"),
      }),
      response: apiKey.extend({ key: z.string().describe('the key; shown only this once') }),
      status: 201,
      handle: async ({ actor, body }) => {
        const { key, record } = await services.apiKeys.create(actor, { ministryCode: body.ministry, name: body.name, holder: body.holder, role: body.role, centreCode: body.centre });
        return { ...presentKey(record), key };
      },
    }),
    route({
      operationId: 'getApiKey',
      method: 'get',
      path: '/keys/:id',
      tag: 'keys',
      summary: 'Get an API key',
      params: z.strictObject({ id: numericId }),
      response: apiKey,
      handle: async ({ actor, params }) => presentKey(await services.apiKeys.get(actor, params.id)),
    }),
    route({
      operationId: 'revokeApiKey',
      method: 'post',
      path: '/keys/:id/revoke',
      tag: 'keys',
      summary: 'Revoke an API key',
      description:
        "From the next request on, the key gets 401 and its console sessions end. A super-admin or the ministry's `admin` key revokes. " +
        'The ADMIN_API_KEY key is revoked by removing the variable.',
      params: z.strictObject({ id: numericId }),
      response: apiKey,
      errors: [409],
      handle: async ({ actor, params }) => presentKey(await services.apiKeys.revoke(actor, params.id)),
    }),
  ];
}
