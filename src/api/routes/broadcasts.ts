import { z } from 'zod';
import { InvalidError } from '../../services/access';
import type { AdminServices } from '../../services/admin';
import { SUBSCRIBER_DIMENSIONS } from '../../services/audience';
import type { Broadcast, BroadcastPreview } from '../../services/broadcasts';
import { route, type Route } from '../route';
import { channelName, code, iso, isoOrNull, limit, locale, page, timestamp } from '../schemas';

const broadcastStatus = z.enum(['draft', 'pending_approval', 'scheduled', 'sending', 'completed', 'stopped']);

const texts = z
  .partialRecord(locale, z.string().trim().min(1).max(1600))
  .refine((value) => Object.keys(value).length > 0, 'give the text in at least one language')
  .describe('the text per language; citizens whose language has none get the default locale\u2019s');

const broadcast = z.object({
  id: z.number().int(),
  ministry: code,
  topic: code,
  municipalities: z.array(code).nullable().describe('null: every municipality'),
  channels: z.array(z.string()).nullable().describe('null: every channel'),
  languages: z.array(z.string()).nullable().describe('null: every language'),
  texts: z.record(z.string(), z.string()),
  defaultLocale: z.string(),
  emergency: z.boolean(),
  status: broadcastStatus,
  scheduledAt: timestamp.nullable(),
  recipients: z.number().int().nullable().describe('counted when scheduled, fixed at fan-out'),
  createdBy: z.number().int(),
  scheduledBy: z.number().int().nullable(),
  approvedBy: z.number().int().nullable(),
  stoppedBy: z.number().int().nullable(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
  stoppedAt: timestamp.nullable(),
});

const smsSize = z.object({ encoding: z.enum(['gsm7', 'ucs2']), units: z.number().int(), segments: z.number().int() });

const preview = z.object({
  recipients: z.number().int(),
  notReached: z.number().int().describe('subscribers in the audience with no address on the allowed channels that are on'),
  channels: z.array(
    z.object({ channel: z.string(), recipients: z.number().int(), ratePerSecond: z.number(), costPhp: z.number(), seconds: z.number().int() }),
  ),
  locales: z.array(z.object({ locale: z.string(), recipients: z.number().int(), textLocale: z.string(), sms: smsSize })),
  byChannelAndLocale: z.array(z.object({ channel: z.string(), locale: z.string(), recipients: z.number().int() })),
  costPhp: z.number(),
  estimatedSeconds: z.number().int(),
  startsAt: timestamp,
  heldByQuietHours: z.boolean(),
  needsApproval: z.boolean(),
  approvalThreshold: z.number().int(),
});

const progress = z.object({
  id: z.number().int(),
  status: broadcastStatus,
  recipients: z.number().int().nullable(),
  queued: z.number().int().describe('waiting or being sent'),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
});

const subscriberCounts = z.object({
  total: z.number().int().describe('distinct citizens matching the filters'),
  groups: z.array(
    z.object({ topic: code.optional(), municipality: code.optional(), channel: z.string().optional(), language: z.string().optional(), subscribers: z.number().int() }),
  ),
});

const groupBy = z
  .string()
  .regex(new RegExp(`^(${SUBSCRIBER_DIMENSIONS.join('|')})(,(${SUBSCRIBER_DIMENSIONS.join('|')}))*$`), `must be a comma-separated list of ${SUBSCRIBER_DIMENSIONS.join(', ')}`)
  .transform((value) => value.split(',') as (typeof SUBSCRIBER_DIMENSIONS)[number][]);

const idParams = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

const presentBroadcast = (b: Broadcast): z.input<typeof broadcast> => ({
  id: b.id,
  ministry: b.ministryCode,
  topic: b.topic,
  municipalities: b.municipalities ? [...b.municipalities] : null,
  channels: b.channels ? [...b.channels] : null,
  languages: b.languages ? [...b.languages] : null,
  texts: b.texts,
  defaultLocale: b.defaultLocale,
  emergency: b.emergency,
  status: b.status,
  scheduledAt: isoOrNull(b.scheduledAt),
  recipients: b.recipients,
  createdBy: b.createdBy,
  scheduledBy: b.scheduledBy,
  approvedBy: b.approvedBy,
  stoppedBy: b.stoppedBy,
  createdAt: iso(b.createdAt),
  startedAt: isoOrNull(b.startedAt),
  completedAt: isoOrNull(b.completedAt),
  stoppedAt: isoOrNull(b.stoppedAt),
});

const presentPreview = (p: BroadcastPreview): z.input<typeof preview> => ({ ...p, startsAt: iso(p.startsAt) });

/** Subscriber counts, and broadcasts from draft to progress. */
export function broadcastRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'countSubscribers',
      method: 'get',
      path: '/subscribers',
      tag: 'broadcasts',
      summary: 'Count subscribers by topic, municipality, channel and language',
      description:
        'Counts only (no citizen is named), so every key may read them. `channel` is the channel that would reach the citizen now, or `none`. Opted-out citizens are not counted.',
      query: z.strictObject({
        topic: code.optional(),
        municipality: code.optional(),
        channel: channelName.optional(),
        language: locale.optional(),
        groupBy: groupBy.default(['topic', 'municipality', 'channel', 'language']).describe('comma-separated: topic, municipality, channel, language (default: all four)'),
      }),
      response: subscriberCounts,
      handle: async ({ actor, query }) => services.subscribers(actor, query),
    }),
    route({
      operationId: 'listBroadcasts',
      method: 'get',
      path: '/broadcasts',
      tag: 'broadcasts',
      summary: 'List broadcasts, newest first',
      query: z.strictObject({ ministry: code.optional(), status: broadcastStatus.optional(), limit, cursor: z.string().regex(/^\d{1,15}$/).optional() }),
      response: page(broadcast),
      handle: async ({ actor, query }) => {
        const result = await services.broadcasts.list(actor, { ministry: query.ministry, status: query.status, limit: query.limit, before: query.cursor ? Number(query.cursor) : undefined });
        return { items: result.items.map(presentBroadcast), nextCursor: result.nextCursor };
      },
    }),
    route({
      operationId: 'createBroadcast',
      method: 'post',
      path: '/broadcasts',
      tag: 'broadcasts',
      summary: 'Draft a broadcast',
      description:
        'Audience: the subscribers of `topic`, optionally only in some municipalities, on some channels and in some languages; opted-out citizens never. ' +
        "A ministry's key drafts for its own ministry; a super-admin names the ministry. Nothing is sent until it is scheduled (and, if large, approved).",
      body: z.strictObject({
        ministry: code.optional().describe("defaults to the key's ministry"),
        topic: code,
        municipalities: z.array(code).min(1).max(500).optional(),
        channels: z.array(channelName).min(1).max(10).optional(),
        languages: z.array(locale).min(1).optional(),
        texts,
        defaultLocale: locale.optional().describe('whose text goes to citizens whose language has none; DEFAULT_LOCALE when absent'),
        emergency: z.boolean().default(false).describe('skips quiet hours and goes ahead of other broadcasts'),
      }),
      response: broadcast,
      status: 201,
      handle: async ({ actor, body }) => {
        const ministryCode = body.ministry ?? actor.ministryCode;
        if (!ministryCode) throw new InvalidError('a super-admin key must name the ministry the broadcast is from');
        const created = await services.broadcasts.create(actor, {
          ministryCode,
          topic: body.topic,
          municipalities: body.municipalities ?? null,
          channels: body.channels ?? null,
          languages: body.languages ?? null,
          texts: Object.fromEntries(Object.entries(body.texts).filter((entry): entry is [string, string] => entry[1] !== undefined)),
          defaultLocale: body.defaultLocale ?? services.config.DEFAULT_LOCALE,
          emergency: body.emergency,
        });
        return presentBroadcast(created);
      },
    }),
    route({
      operationId: 'getBroadcast',
      method: 'get',
      path: '/broadcasts/:id',
      tag: 'broadcasts',
      summary: 'Get a broadcast',
      params: idParams,
      response: broadcast,
      handle: async ({ actor, params }) => presentBroadcast(await services.broadcasts.get(actor, params.id)),
    }),
    route({
      operationId: 'previewBroadcast',
      method: 'get',
      path: '/broadcasts/:id/preview',
      tag: 'broadcasts',
      summary: 'Preview recipients, SMS segments, cost and duration',
      description:
        'Recipients per channel and locale; per locale the text they get with its SMS encoding and segments (160/153 GSM-7, 70/67 UCS-2); ' +
        'the cost at SMS_PRICE_PHP per segment and TELEGRAM_PRICE_PHP per message; the duration at each channel\u2019s rate; whether quiet hours hold it.',
      params: idParams,
      response: preview,
      handle: async ({ actor, params }) => presentPreview(await services.broadcasts.preview(actor, params.id)),
    }),
    route({
      operationId: 'scheduleBroadcast',
      method: 'post',
      path: '/broadcasts/:id/schedule',
      tag: 'broadcasts',
      summary: 'Schedule a draft (now, or at a time)',
      description: 'Above BROADCAST_APPROVAL_THRESHOLD recipients the broadcast waits in `pending_approval` for a second person\'s approval.',
      params: idParams,
      body: z.strictObject({ at: timestamp.optional().describe('when to start; now when absent') }),
      response: broadcast,
      errors: [409],
      handle: async ({ actor, params, body }) => presentBroadcast(await services.broadcasts.schedule(actor, params.id, body.at ? new Date(body.at) : undefined)),
    }),
    route({
      operationId: 'approveBroadcast',
      method: 'post',
      path: '/broadcasts/:id/approve',
      tag: 'broadcasts',
      summary: "Approve a broadcast waiting for a second person's approval",
      description:
        'The approving key must be held by another person than the holders of the keys that drafted and scheduled it, ' +
        'and must not have been made by either of them (409 otherwise). The audit entry names both holders.',
      params: idParams,
      response: broadcast,
      errors: [409],
      handle: async ({ actor, params }) => presentBroadcast(await services.broadcasts.approve(actor, params.id)),
    }),
    route({
      operationId: 'stopBroadcast',
      method: 'post',
      path: '/broadcasts/:id/stop',
      tag: 'broadcasts',
      summary: 'Stop a broadcast; what has not gone out is cancelled',
      params: idParams,
      response: z.object({ broadcast, cancelled: z.number().int().describe('messages cancelled before they went out') }),
      errors: [409],
      handle: async ({ actor, params }) => {
        const { broadcast: stopped, cancelled } = await services.broadcasts.stop(actor, params.id);
        return { broadcast: presentBroadcast(stopped), cancelled };
      },
    }),
    route({
      operationId: 'broadcastProgress',
      method: 'get',
      path: '/broadcasts/:id/progress',
      tag: 'broadcasts',
      summary: 'Progress: queued, sent, delivered, failed, cancelled',
      params: idParams,
      response: progress,
      handle: async ({ actor, params }) => {
        const p = await services.broadcasts.progress(actor, params.id);
        return { ...p, startedAt: isoOrNull(p.startedAt), completedAt: isoOrNull(p.completedAt) };
      },
    }),
  ];
}
