import { z } from 'zod';
import { LAWFUL_BASES, RECIPIENTS } from '../../services/purposes';
import type { AdminServices } from '../../services/admin';
import { route, type Route } from '../route';
import { iso, limit, list, page, queryMoment, timestamp } from '../schemas';

const purpose = z.object({
  code: z.string(),
  name: z.string(),
  lawfulBasis: z.enum(LAWFUL_BASES).describe("as the GovStack Consent BB's DataAgreement.lawfulBasis"),
  legalReference: z.string(),
  data: z.array(z.string()).describe('the data fields it uses (the registration pack describes each)'),
  recipients: z.array(z.enum(RECIPIENTS)),
  processors: z.array(z.string()).describe('the SMS providers, USSD gateways and Telegram bot this deployment sends through for it'),
  messageKinds: z.array(z.string()).describe("the outbox messages it sends, whose text and number go after retentionDays"),
  retentionDays: z.number().int().nullable().describe('null: not purged by age (see recordsNote)'),
  recordsNote: z.string(),
  version: z.number().int().describe('the purposes file version; consent records cite it'),
});

const consent = z.object({
  id: z.number().int(),
  citizen: z.number().int().describe("the citizen's key: no number, chat or name (after erasure it leads to no one)"),
  purpose: z.string(),
  scope: z.string().describe("'topic/municipality' for one subscription; empty for the whole purpose"),
  action: z.enum(['given', 'withdrawn']),
  channel: z.string(),
  noticeKey: z.string(),
  noticeLocale: z.string(),
  noticeText: z.string().describe('the exact text the citizen saw'),
  noticeSha256: z.string(),
  purposesVersion: z.number().int(),
  at: timestamp,
});

/** What Lingkod processes personal data for, and the consent history (GovStack Consent BB's audit view). */
export function privacyRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listPurposes',
      method: 'get',
      path: '/purposes',
      tag: 'privacy',
      summary: 'List the purposes personal data is processed for',
      description: 'From the purposes file (PURPOSES_FILE): lawful basis, data, recipients with the processors this deployment uses, and retention.',
      response: list(purpose),
      handle: async () => ({ items: services.purposes.list().map((item) => ({ ...item, version: services.purposes.version })) }),
    }),
    route({
      operationId: 'listConsents',
      method: 'get',
      path: '/consents',
      tag: 'privacy',
      summary: 'Read the consent records, newest first',
      description: "The privacy officer's key (role `privacy`) or a super-admin's only. Read-only; every read is itself audited (`consent.read`).",
      query: z.strictObject({
        purpose: z.string().regex(/^[a-z][a-z_]{1,40}$/).optional(),
        citizen: z.coerce.number().int().min(1).optional(),
        from: queryMoment.optional(),
        to: queryMoment.optional(),
        limit,
        cursor: z.string().regex(/^\d{1,15}$/).optional(),
      }),
      response: page(consent),
      handle: async ({ actor, query }) => {
        const result = await services.consents.list(actor, {
          purpose: query.purpose,
          citizenId: query.citizen,
          from: query.from,
          to: query.to,
          limit: query.limit,
          before: query.cursor ? Number(query.cursor) : undefined,
        });
        return { items: result.items.map(({ citizenId, at, ...rest }) => ({ ...rest, citizen: citizenId, at: iso(at) })), nextCursor: result.nextCursor };
      },
    }),
  ];
}
