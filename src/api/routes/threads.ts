import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import { MAX_MESSAGE, type ThreadDetail, type ThreadListItem } from '../../services/threads';
import { route, type Route } from '../route';
import { code, iso, isoOrNull, limit, list, locale, numericId, timestamp } from '../schemas';

/** A thread's reference as people write it: 11 digits, with or without spaces or dashes. */
const reference = z.string().regex(/^[\d\s.-]{11,20}$/, 'must be the 11-digit reference, e.g. 4821-7730-953');

const statusName = z.enum(['open', 'answered', 'closed']);

const threadItem = z.object({
  reference: z.string(),
  status: z.enum(['drafting', 'open', 'answered', 'closed']),
  category: z.string().nullable(),
  ministry: z.string().nullable().describe('null: not routed yet (a super-admin routes it)'),
  municipality: z.string().nullable(),
  service: z.string().nullable(),
  anonymous: z.boolean().describe('the citizen asked that officers not know who wrote: no contact, no request'),
  flagged: z.boolean().describe('a flag word (threat, self-harm: DESK_FLAG_WORDS) is in a message; listed first'),
  assignedKeyId: z.number().int().nullable(),
  channel: z.string().describe('the channel the thread was filed on'),
  createdAt: timestamp,
  updatedAt: timestamp,
  firstResponseAt: timestamp.nullable(),
  closedAt: timestamp.nullable(),
  firstResponseDue: timestamp.describe('the first-response target (DESK_TARGETS) of its category'),
  resolutionDue: timestamp,
});

const threadDetail = threadItem.extend({
  contact: z.string().nullable().describe("the citizen's phone, masked (+63917•••4567); null when anonymous or chat-only"),
  request: z.string().nullable(),
  locale: z.string().nullable(),
  resolution: z.string().nullable(),
  messages: z.array(
    z.object({
      id: z.number().int(),
      author: z.enum(['citizen', 'officer', 'note']).describe('note: internal, never sent'),
      actor: z.string(),
      body: z.string().describe("'' once purged by RETENTION_DAYS after closing"),
      channel: z.string().nullable(),
      at: timestamp,
    }),
  ),
});

const delivery = z.union([
  z.object({ queued: z.literal(true), channel: z.string(), outboxId: z.number().int(), parts: z.number().int().describe('SMS parts the message takes as sent') }),
  z.object({ queued: z.literal(false), reason: z.string() }),
]);

/** An officer's text for a citizen's phone: trimmed, not empty, within one long SMS. */
const message = z.string().trim().min(1).max(MAX_MESSAGE);

const presentItem = (t: ThreadListItem): z.input<typeof threadItem> => ({
  reference: t.reference,
  status: t.status,
  category: t.category,
  ministry: t.ministry,
  municipality: t.municipality,
  service: t.service,
  anonymous: t.anonymous,
  flagged: t.flagged,
  assignedKeyId: t.assignedKeyId,
  channel: t.channel,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
  firstResponseAt: isoOrNull(t.firstResponseAt),
  closedAt: isoOrNull(t.closedAt),
  firstResponseDue: iso(t.firstResponseDue),
  resolutionDue: iso(t.resolutionDue),
});

const presentDetail = (t: ThreadDetail): z.input<typeof threadDetail> => ({
  ...presentItem(t),
  contact: t.contact,
  request: t.request,
  locale: t.locale,
  resolution: t.resolution,
  messages: t.messages.map((m) => ({ id: m.id, author: m.author, actor: m.actor, body: m.body, channel: m.channel, at: iso(m.at) })),
});

const measuresItem = z.object({
  ministry: z.string().nullable(),
  municipality: z.string().nullable(),
  open: z.number().int(),
  awaitingFirstResponse: z.number().int(),
  flagged: z.number().int(),
  closed: z.number().int(),
  medianFirstResponseMinutes: z.number().nullable(),
  medianResolutionMinutes: z.number().nullable(),
  pastTarget: z.number().int().describe('threads whose first response or resolution came, or is still missing, after its target'),
});

/** The grievance desk: complaints and questions from citizens, answered by the owning ministry's officers. */
export function threadRoutes(services: AdminServices): Route[] {
  const { threads } = services;
  return [
    route({
      operationId: 'listThreads',
      method: 'get',
      path: '/threads',
      tag: 'threads',
      summary: "List the desk's threads: flagged first, then the oldest",
      description: "A ministry's key sees its own ministry's threads; unrouted ones only a super-admin.",
      query: z.strictObject({
        ministry: code.optional(),
        municipality: code.optional(),
        status: statusName.optional(),
        assignedKeyId: numericId.optional(),
        limit,
      }),
      response: list(threadItem),
      handle: async ({ actor, query }) => ({ items: (await threads.list(actor, query)).map(presentItem) }),
    }),
    route({
      operationId: 'threadMeasures',
      method: 'get',
      path: '/threads/measures',
      tag: 'threads',
      summary: 'Time to first response and to resolution, and open counts, per office',
      query: z.strictObject({ ministry: code.optional() }),
      response: list(measuresItem),
      handle: async ({ actor, query }) => ({ items: await threads.measures(actor, query.ministry) }),
    }),
    route({
      operationId: 'previewThreadReply',
      method: 'post',
      path: '/threads/preview',
      tag: 'threads',
      summary: 'What the citizen would receive for a reply, and how many SMS parts it takes',
      body: z.strictObject({ locale, body: z.string().max(MAX_MESSAGE), kind: z.enum(['reply', 'closed']).default('reply') }),
      response: z.object({ text: z.string(), encoding: z.enum(['gsm7', 'ucs2']), units: z.number().int(), parts: z.number().int() }),
      handle: async ({ body }) => {
        const preview = threads.preview(body.locale, body.body, undefined, body.kind);
        return { text: preview.text, encoding: preview.size.encoding, units: preview.size.units, parts: preview.size.segments };
      },
    }),
    route({
      operationId: 'getThread',
      method: 'get',
      path: '/threads/:reference',
      tag: 'threads',
      summary: 'Get a thread with its messages and notes',
      params: z.strictObject({ reference }),
      response: threadDetail,
      handle: async ({ actor, params }) => presentDetail(await threads.detail(actor, params.reference)),
    }),
    route({
      operationId: 'replyThread',
      method: 'post',
      path: '/threads/:reference/reply',
      tag: 'threads',
      summary: "Reply to the citizen (sent on the channel they used last) or add an internal note",
      description: 'With `note: true` the text is an internal note, never sent. A reply is queued in the same transaction that records it.',
      params: z.strictObject({ reference }),
      body: z.strictObject({ body: message, note: z.boolean().default(false) }),
      response: z.object({ thread: threadDetail, delivery: delivery.nullable() }),
      errors: [409],
      handle: async ({ actor, params, body }) => {
        if (body.note) return { thread: presentDetail(await threads.note(actor, params.reference, body.body)), delivery: null };
        const result = await threads.reply(actor, params.reference, body.body);
        return { thread: presentDetail(result.thread), delivery: result.delivery };
      },
    }),
    route({
      operationId: 'assignThread',
      method: 'post',
      path: '/threads/:reference/assign',
      tag: 'threads',
      summary: 'Assign a thread to an officer, or move it to another office or ministry (audited)',
      params: z.strictObject({ reference }),
      body: z
        .strictObject({ keyId: numericId.nullable().optional(), ministry: code.optional(), municipality: code.nullable().optional() })
        .refine((change) => change.keyId !== undefined || change.ministry !== undefined || change.municipality !== undefined, 'name keyId, ministry or municipality'),
      response: threadItem,
      handle: async ({ actor, params, body }) => presentItem(await threads.assign(actor, params.reference, body)),
    }),
    route({
      operationId: 'closeThread',
      method: 'post',
      path: '/threads/:reference/close',
      tag: 'threads',
      summary: 'Close a thread with its resolution, which the citizen is sent',
      params: z.strictObject({ reference }),
      body: z.strictObject({ resolution: message }),
      response: z.object({ thread: threadDetail, delivery }),
      errors: [409],
      handle: async ({ actor, params, body }) => {
        const result = await threads.close(actor, params.reference, body.resolution);
        return { thread: presentDetail(result.thread), delivery: result.delivery };
      },
    }),
  ];
}
