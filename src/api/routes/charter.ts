import { z } from 'zod';
import type { AdminServices } from '../../services/admin';
import { CALENDAR_KINDS, type CalendarEntry } from '../../services/calendar';
import { PROCESSING_TIME_COLUMNS } from '../../services/charter-clock';
import { toCsv } from '../csv';
import { route, type Route } from '../route';
import { code, numericId, queryMoment } from '../schemas';
import { presentClock, reference, requestClock } from './requests';

/** A local day as the calendar keeps it. */
const day = z.iso.date().describe('YYYY-MM-DD, in the deployment\'s time zone (TIME_ZONE)');

const calendarEntry = z.object({
  id: z.number().int(),
  day,
  kind: z.enum(CALENDAR_KINDS),
  municipality: code.nullable().describe('null: everywhere the deployment serves'),
  name: z.string(),
  from: z.string().nullable().describe('HH:MM: offices close at this time (a half day); null for the whole day'),
  sample: z.boolean(),
});

const presentEntry = (entry: CalendarEntry): z.input<typeof calendarEntry> => entry;

const entryChange = z.object({ entry: calendarEntry, clocksRestarted: z.number().int().describe('open requests whose due date was computed again') });

const periodQuery = z.strictObject({
  ministry: code.optional(),
  from: queryMoment.optional().describe('filed at or after (a date or date-time)'),
  to: queryMoment.optional().describe('filed before (a date or date-time)'),
});

const clockCounts = z.object({
  service: code,
  ministry: code,
  office: z.string(),
  classification: z.string().describe('simple, complex, highly_technical or custom'),
  workingDays: z.number().int(),
  filed: z.number().int(),
  onTime: z.number().int().describe('clock running, more than a working day left'),
  atRisk: z.number().int().describe('clock running, less than a working day left'),
  overdue: z.number().int().describe('clock run out, not yet swept to deemed approved'),
  decidedOnTime: z.number().int(),
  decidedLate: z.number().int(),
  deemedApproved: z.number().int(),
  extended: z.number().int(),
});

/** The Citizen's Charter: the working calendar, a request's one extension, and the clock dashboard. */
export function charterRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'listCalendar',
      method: 'get',
      path: '/calendar',
      tag: 'charter',
      summary: 'List the non-working days the processing-time clocks skip',
      query: z.strictObject({ from: day.optional(), to: day.optional(), municipality: code.optional().describe("the days that hold there: its own and everyone's") }),
      response: z.object({ items: z.array(calendarEntry) }),
      handle: async ({ query }) => ({ items: (await services.calendar.list(query)).map(presentEntry) }),
    }),
    route({
      operationId: 'addCalendarDay',
      method: 'post',
      path: '/calendar',
      tag: 'charter',
      summary: 'Add a non-working day (a holiday, a declared suspension)',
      description: 'Open requests whose clock runs over the day get a later due date, in the same transaction. Audited.',
      superAdminOnly: true,
      status: 201,
      body: z
        .strictObject({
          day,
          kind: z.enum(CALENDAR_KINDS),
          municipality: code.optional(),
          name: z.string().trim().min(1).max(80),
          from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM').optional().describe('a half day: offices close at this time'),
        })
        .refine((entry) => entry.kind !== 'local' || entry.municipality !== undefined, { message: 'a local holiday names its municipality', path: ['municipality'] }),
      response: entryChange,
      errors: [409],
      handle: async ({ actor, body }) => {
        const result = await services.calendar.add(actor, body);
        return { entry: presentEntry(result.entry), clocksRestarted: result.clocksRestarted };
      },
    }),
    route({
      operationId: 'removeCalendarDay',
      method: 'delete',
      path: '/calendar/:id',
      tag: 'charter',
      summary: 'Remove a non-working day (a suspension lifted)',
      description: 'Open requests whose clock ran over the day get their due date computed again. Audited.',
      superAdminOnly: true,
      params: z.strictObject({ id: numericId }),
      response: entryChange,
      handle: async ({ actor, params }) => {
        const result = await services.calendar.remove(actor, params.id);
        return { entry: presentEntry(result.entry), clocksRestarted: result.clocksRestarted };
      },
    }),
    route({
      operationId: 'extendRequest',
      method: 'post',
      path: '/requests/:reference/extension',
      tag: 'charter',
      summary: "Extend a request's processing time, once, and tell the citizen why",
      description:
        "RA 11032 allows one extension, of the service's working days again. The citizen gets the reason and the new due date in their language, " +
        'queued with the change. Refused (409) once extended, decided or past due.',
      params: z.strictObject({ reference }),
      body: z.strictObject({ reason: z.string().trim().min(3).max(160).describe('sent to the citizen') }),
      response: z.object({
        clock: requestClock,
        notification: z.union([z.object({ queued: z.literal(true), channel: z.string() }), z.object({ queued: z.literal(false), reason: z.string() })]),
      }),
      errors: [409],
      handle: async ({ actor, params, body }) => {
        const result = await services.clocks.extend(actor, params.reference, body.reason);
        return { clock: presentClock(result.clock), notification: result.notification };
      },
    }),
    route({
      operationId: 'clockCounts',
      method: 'get',
      path: '/charter/clocks',
      tag: 'charter',
      summary: 'Requests per service by where their clocks stand: on time, at risk, overdue, decided, deemed approved',
      query: periodQuery,
      response: z.object({ items: z.array(clockCounts) }),
      handle: async ({ actor, query }) => ({ items: await services.clocks.counts(actor, query) }),
    }),
    route({
      operationId: 'processingTimesReport',
      method: 'get',
      path: '/reports/processing-times',
      tag: 'reports',
      summary: 'Processing-time compliance per service and office, for a period (JSON, or CSV to Accept: text/csv)',
      description:
        'One row per service with requests filed in the period (`from`, `to`: when filed). `complianceRate` is the share of decided requests ' +
        'decided within their processing time (a deemed approval counts as not on time); null while none is decided.',
      query: periodQuery,
      response: z.object({ items: z.array(clockCounts.extend({ complianceRate: z.number().nullable() })) }),
      csv: (result) => toCsv(PROCESSING_TIME_COLUMNS, result.items),
      handle: async ({ actor, query }) => ({ items: await services.clocks.processingTimes(actor, query) }),
    }),
  ];
}
