import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import { ASSISTED_STATUSES, type AssistedRequest } from '../../services/assisted';
import { RELATIONSHIPS } from '../../services/profiles';
import { route, type Route } from '../route';
import { code, iso, isoOrNull, limit, locale, localizedOutput, page, timestamp } from '../schemas';

const person = z.object({ name: z.string().trim().min(2).max(40), relationship: z.enum(RELATIONSHIPS) });

const assisted = z.object({
  id: z.number().int(),
  centre: code,
  centreName: z.string(),
  ministry: code.describe('the ministry that answers for the centre key that filed it'),
  keyId: z.number().int().describe('the centre key that filed it'),
  operator: z.string().nullable().describe('who at the counter filed it, as they gave their name'),
  phone: z.string().describe("the citizen's phone with its middle digits hidden"),
  service: code,
  serviceName: localizedOutput,
  person: person.nullable().describe('the person on the phone it is for, when not the phone holder'),
  status: z.enum(ASSISTED_STATUSES).describe('pending until the citizen answers; expired when they did not in time'),
  createdAt: timestamp,
  expiresAt: timestamp,
  decidedAt: timestamp.nullable(),
  reference: z.string().nullable().describe("the request's reference, once the citizen confirmed it"),
});

const notification = z.union([
  z.object({ queued: z.literal(true), channel: z.string(), outboxId: z.number().int() }),
  z.object({ queued: z.literal(false), reason: z.string() }),
]);

const present = (a: AssistedRequest): z.input<typeof assisted> => ({
  id: a.id,
  centre: a.centre,
  centreName: a.centreName,
  ministry: a.ministry,
  keyId: a.keyId,
  operator: a.operator,
  phone: a.phone,
  service: a.service,
  serviceName: a.serviceName,
  person: a.person ? { name: a.person.name, relationship: a.person.relationship as (typeof RELATIONSHIPS)[number] } : null,
  status: a.status,
  createdAt: iso(a.createdAt),
  expiresAt: iso(a.expiresAt),
  decidedAt: isoOrNull(a.decidedAt),
  reference: a.reference,
});

/** Requests filed at service centres on citizens' behalf, waiting for (or given) their confirmation. */
export function assistedRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'fileAssistedRequest',
      method: 'post',
      path: '/assisted-requests',
      tag: 'assisted',
      summary: 'File a request for a citizen at a service centre',
      description:
        "Service centre keys only. The request waits for the citizen's confirmation: they get an SMS with a six-digit code to reply with, " +
        'and are asked when they next dial. Nothing reaches the ministry until they confirm; unconfirmed requests expire (ASSISTED_EXPIRY_HOURS). ' +
        "`answers` are keyed by the service form's field keys, dates as YYYY-MM-DD. The audit log records the key, `operator` and the centre.",
      forCentres: true,
      body: z.strictObject({
        phone: z.string().trim().min(5).max(20).describe("the citizen's mobile number"),
        service: code,
        answers: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,29}$/), z.string().max(200)).default({}),
        operator: z.string().trim().min(1).max(80).optional().describe('who at the counter is filing it'),
        person: person.optional().describe('the person on this phone it is for, when not the phone holder (a family profile)'),
        locale: locale.optional().describe("the citizen's language, used when they have not chosen one"),
      }),
      response: z.object({ request: assisted, notification }),
      status: 201,
      errors: [409],
      handle: async ({ actor, body }) => {
        const { request, notification: told } = await services.assisted.file(actor, body);
        return { request: present(request), notification: told };
      },
    }),
    route({
      operationId: 'listAssistedRequests',
      method: 'get',
      path: '/assisted-requests',
      tag: 'assisted',
      summary: 'List assisted requests, newest first',
      description:
        "A centre's key sees its centre's; a ministry's key those of the centre keys it answers for; a super-admin all. " +
        '`status=pending` is what the centre still waits for. Never the answers.',
      forCentres: true,
      query: z.strictObject({
        status: z.enum(ASSISTED_STATUSES).optional(),
        centre: code.optional(),
        ministry: code.optional(),
        limit,
        cursor: z.string().regex(/^\d{1,15}$/).optional(),
      }),
      response: page(assisted),
      handle: async ({ actor, query }) => {
        const result = await services.assisted.list(actor, {
          status: query.status,
          centre: query.centre,
          ministry: query.ministry,
          limit: query.limit,
          before: query.cursor ? Number(query.cursor) : undefined,
        });
        return { items: result.items.map(present), nextCursor: result.nextCursor };
      },
    }),
  ];
}
