import { z } from 'zod';
import { SUPPORTED_LOCALES } from '../config';
import { localizedText } from '../services/catalog-schema';

/**
 * Schemas shared by the API's routes. The same zod schema validates a request and describes
 * it in the OpenAPI document, so the two cannot drift apart.
 */

/** A catalog code: lower-case letters, digits, `-` and `_`. */
export const code = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, "-" or "_" (at most 40)');

/** A channel name, as outbox rows and citizens' addresses record it. */
export const channelName = z.string().regex(/^[a-z][a-z0-9_-]{0,29}$/, 'must be a channel name such as sms or telegram');

/** A supported language. */
export const locale = z.enum(SUPPORTED_LOCALES);

/** Localised text as a ministry writes it: a plain string (English) or {en, fil, bn}. */
export const localizedInput = localizedText;

/** Localised text as stored and returned: always with `en`. */
export const localizedOutput = z.object({ en: z.string() }).catchall(z.string().optional());

/** A moment, as ISO 8601 with an offset; returned in UTC. */
export const timestamp = z.iso.datetime({ offset: true });

/** A moment in a query: a date (midnight UTC) or a date-time. */
export const queryMoment = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

/** Page size of a list. */
export const limit = z.coerce.number().int().min(1).max(200).default(50);

/** A numeric id in a path. */
export const numericId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A query flag written as true or false. */
export const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Every error the API answers: a sentence for people, and for a validation error each problem with its place. */
export const errorBody = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** A page of a list: the items and the cursor of the next page (null on the last). */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A list that is not paginated. */
export function list<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/** ISO text of a moment, for a response. */
export function iso(value: Date): string {
  return value.toISOString();
}

/** ISO text of a moment that may be absent. */
export function isoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
