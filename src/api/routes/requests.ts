import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import type { RequestDetail, RequestListItem } from '../../services/request-status';
import { route, type Route } from '../route';
import type { RequestClock } from '../../services/charter-clock';
import { code, iso, isoOrNull, limit, localizedOutput, page, queryMoment, timestamp } from '../schemas';

/** A reference as people write it: 11 digits, with or without spaces or dashes. */
export const reference = z.string().regex(/^[\d\s.-]{11,20}$/, 'must be the 11-digit reference, e.g. 4821-7730-953');

const clockStates = ['on_time', 'at_risk', 'overdue', 'decided', 'deemed_approved', 'none'] as const;

/** A request's Charter clock (RA 11032): received, due, the one extension, the decision. */
export const requestClock = z.object({
  receivedAt: timestamp,
  dueAt: timestamp.nullable().describe('when the working days run out; null for a request filed before the clock existed'),
  workingDays: z.number().int().nullable(),
  extendedAt: timestamp.nullable(),
  extensionReason: z.string().nullable(),
  actedAt: timestamp.nullable().describe("the office's decision, which stopped the clock"),
  deemedApprovedAt: timestamp.nullable(),
  state: z.enum(clockStates).describe('at_risk: less than one working day left'),
});

export const presentClock = (clock: RequestClock): z.input<typeof requestClock> => ({
  receivedAt: iso(clock.receivedAt),
  dueAt: isoOrNull(clock.dueAt),
  workingDays: clock.workingDays,
  extendedAt: isoOrNull(clock.extendedAt),
  extensionReason: clock.extensionReason,
  actedAt: isoOrNull(clock.actedAt),
  deemedApprovedAt: isoOrNull(clock.deemedApprovedAt),
  state: clock.state,
});

const requestItem = z.object({
  reference: z.string(),
  service: code,
  ministry: code,
  status: z.string(),
  municipality: code.nullable(),
  channel: z.string().describe('the channel the request was made on'),
  createdAt: timestamp,
  updatedAt: timestamp,
  clock: requestClock,
});

const requestDetail = requestItem.extend({
  serviceName: localizedOutput,
  workflow: z.array(z.string()),
  answers: z.record(z.string(), z.string()).describe("the citizen's answers to the form; visible only to the owning ministry"),
  locale: z.string().nullable().describe("the citizen's language; null when never chosen"),
  history: z.array(z.object({ status: z.string(), note: z.string().nullable(), actor: z.string(), at: timestamp })),
});

const notification = z.union([
  z.object({ queued: z.literal(true), channel: z.string(), outboxId: z.number().int() }),
  z.object({ queued: z.literal(false), reason: z.string() }),
]);

const presentItem = (r: RequestListItem): z.input<typeof requestItem> => ({
  reference: r.reference,
  service: r.service,
  ministry: r.ministry,
  status: r.status,
  municipality: r.municipality,
  channel: r.channel,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  clock: presentClock(r.clock),
});

const presentDetail = (r: RequestDetail): z.input<typeof requestDetail> => ({
  ...presentItem(r),
  serviceName: r.serviceName,
  workflow: r.workflow,
  answers: r.answers,
  locale: r.locale,
  history: r.history.map((event) => ({ status: event.status, note: event.note, actor: event.actor, at: iso(event.at) })),
});

/** Citizens' requests, as the owning ministry sees and moves them. */
export function requestRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listRequests',
      method: 'get',
      path: '/requests',
      tag: 'requests',
      summary: 'List requests, newest first',
      description: "A ministry's key sees its own ministry's requests. Pages follow `nextCursor`.",
      query: z.strictObject({
        ministry: code.optional(),
        status: code.optional(),
        service: code.optional(),
        municipality: code.optional(),
        from: queryMoment.optional().describe('created at or after (a date or date-time)'),
        to: queryMoment.optional().describe('created before (a date or date-time)'),
        limit,
        cursor: z.string().max(200).optional(),
        order: z.enum(['newest', 'due']).default('newest').describe('due: the soonest due first (requests with a Charter clock only)'),
        clock: z.enum(['open', 'on_time', 'at_risk', 'overdue', 'decided', 'deemed_approved']).optional().describe('where the Charter clock stands'),
      }),
      response: page(requestItem),
      handle: async ({ actor, query }) => {
        const result = await services.requests.list(actor, query);
        return { items: result.items.map(presentItem), nextCursor: result.nextCursor };
      },
    }),
    route({
      operationId: 'getRequest',
      method: 'get',
      path: '/requests/:reference',
      tag: 'requests',
      summary: 'Get a request with its answers and history',
      params: z.strictObject({ reference }),
      response: requestDetail,
      handle: async ({ actor, params }) => presentDetail(await services.requests.detail(actor, params.reference)),
    }),
    route({
      operationId: 'changeRequestStatus',
      method: 'post',
      path: '/requests/:reference/status',
      tag: 'requests',
      summary: 'Move a request to a new status and tell the citizen',
      description:
        "The status must be in the service's workflow and come after the current one, unless `allowBackwards` is true. " +
        'The citizen gets the reference, the service, the new status and the note, on the channel they used last and in their language; ' +
        'the notification is queued in the same transaction as the change.',
      params: z.strictObject({ reference }),
      body: z.strictObject({
        status: code,
        note: z.string().trim().min(1).max(300).optional().describe('sent to the citizen with the new status'),
        allowBackwards: z.boolean().default(false),
      }),
      response: z.object({ request: requestDetail, notification }),
      errors: [409],
      handle: async ({ actor, params, body }) => {
        const { request, notification: sent } = await services.requests.changeStatus(actor, params.reference, body);
        return { request: presentDetail(request), notification: sent };
      },
    }),
  ];
}
