import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import { route, type Route } from '../route';
import { code, iso, limit, page, queryMoment, timestamp } from '../schemas';

const entry = z.object({
  id: z.number().int(),
  keyId: z.number().int().nullable().describe('the API key that made the change; null for the admin command and ADMIN_API_KEY'),
  actor: z.string().describe('key:12, cli or env'),
  ministry: code.nullable().describe('the ministry whose records changed; null for shared ones'),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
  at: timestamp,
});

/** The audit log: every change, with the key and the time. */
export function auditRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listAuditLog',
      method: 'get',
      path: '/audit',
      tag: 'audit',
      summary: 'Read the audit log, newest first',
      description: "A ministry's key sees the changes to its own ministry's records.",
      query: z.strictObject({
        ministry: code.optional(),
        keyId: z.coerce.number().int().min(1).optional(),
        action: z.string().regex(/^[a-z]+\.[a-z]+$/, 'must be like request.status').optional(),
        from: queryMoment.optional(),
        to: queryMoment.optional(),
        limit,
        cursor: z.string().regex(/^\d{1,15}$/).optional(),
      }),
      response: page(entry),
      handle: async ({ actor, query }) => {
        const result = await services.audit.list(actor, { ...query, before: query.cursor ? Number(query.cursor) : undefined });
        return {
          items: result.items.map((item) => ({
            id: item.id,
            keyId: item.keyId,
            actor: item.actor,
            ministry: item.ministryCode,
            action: item.action,
            target: item.target,
            details: item.details,
            at: iso(item.at),
          })),
          nextCursor: result.nextCursor,
        };
      },
    }),
  ];
}
