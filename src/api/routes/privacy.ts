import { z } from 'zod';
import { LAWFUL_BASES, RECIPIENTS } from '../../services/purposes';
import type { AdminServices } from '../../services/admin';
import { route, type Route } from '../route';
import { code, iso, limit, list, numericId, page, queryMoment, timestamp } from '../schemas';

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

const reportText = z.string().trim().min(3).max(2000);
const report = z.strictObject({ nature: reportText, dataInvolved: reportText, measures: reportText, dpoContact: z.string().trim().min(3).max(200), helpOffered: reportText });
const breach = z.object({
  id: z.number().int(),
  report,
  selection: z.record(z.string(), z.unknown()),
  affected: z.number().int().describe('citizens the selection matched'),
  notified: z.number().int().describe('of them, those a notice was queued for (the others have no reachable address)'),
  at: timestamp,
});
const toBreach = ({ createdAt, ...rest }: { createdAt: Date } & Omit<z.input<typeof breach>, 'at'>) => ({ ...rest, at: iso(createdAt) });

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
    route({
      operationId: 'notifyBreach',
      method: 'post',
      path: '/breaches',
      tag: 'privacy',
      summary: 'Notify the people affected by a personal data breach',
      description:
        "The privacy officer's key or a super-admin's. Selects citizens with a request in the time window, of the ministry or service, or with one of the references (all given must hold), " +
        'and queues the notice at once, in their language, ahead of broadcasts and through quiet hours; keeps the NPC report fields (Circular 16-03). Audited as `breach.notify`.',
      body: z.strictObject({
        report,
        selection: z.strictObject({
          from: queryMoment.optional(),
          to: queryMoment.optional(),
          ministry: code.optional(),
          service: code.optional(),
          references: z.array(z.string().regex(/^\d{11}$/, 'an 11-digit reference')).max(10_000).optional(),
        }),
        texts: z.record(z.string().regex(/^[a-z]{2,3}$/), z.string().trim().min(1).max(459)),
      }),
      response: breach,
      status: 201,
      handle: async ({ actor, body }) => toBreach(await services.breaches.notify(actor, body)),
    }),
    route({
      operationId: 'breachReport',
      method: 'get',
      path: '/breaches/:id/report',
      tag: 'privacy',
      summary: "Export a breach's NPC report fields and counts",
      description: "The privacy officer's key or a super-admin's; audited as `breach.report`.",
      params: z.strictObject({ id: numericId }),
      response: breach,
      handle: async ({ actor, params }) => toBreach(await services.breaches.report(actor, params.id)),
    }),
  ];
}
