import type { Queryable } from '../store/sql';

/**
 * Who a broadcast reaches, as SQL: the subscribers of a topic (optionally only in some
 * municipalities and of some languages) who have not opted out, each once, at the address
 * status updates would use (reachability.ts's rule: the most recently used address that is
 * not marked unreachable; a phone goes by SMS) among the channels that are on and that the
 * broadcast allows. Preview, approval and fan-out all read this one query, so the count a
 * ministry approves is the count that is sent.
 */
export interface AudienceFilter {
  topic: string;
  /** null: every municipality. */
  municipalities: readonly string[] | null;
  /** null: every channel that is on. */
  channels: readonly string[] | null;
  /** null: every language. */
  languages: readonly string[] | null;
}

/** The channel that pushes to an address (see pushChannelFor in reachability.ts): a phone by SMS, a chat by its bot. */
const PUSH_CHANNEL = `CASE WHEN a.address LIKE 'tel:%' THEN 'sms' WHEN a.address LIKE 'telegram:%' THEN 'telegram' ELSE a.channel END`;

/** The citizen's best address among `channels` (a text[] parameter), or no row. */
function reachSql(channelsParam: string): string {
  return `SELECT a.address, ${PUSH_CHANNEL} AS channel
            FROM citizen_addresses a
           WHERE a.citizen_id = c.id AND a.unreachable_since IS NULL AND ${PUSH_CHANNEL} = ANY(${channelsParam})
           ORDER BY a.last_seen_at DESC, a.address
           LIMIT 1`;
}

/**
 * The audience as a subquery of rows (citizen_id, address, channel, locale); `address` and
 * `channel` are NULL for a subscriber who cannot be reached on the allowed channels.
 * Parameters are numbered from `first`.
 */
export function audienceQuery(
  filter: AudienceFilter,
  defaultLocale: string,
  sendingChannels: readonly string[],
  first = 1,
): { sql: string; params: unknown[] } {
  const allowed = filter.channels ? sendingChannels.filter((channel) => filter.channels?.includes(channel)) : [...sendingChannels];
  const [topic, municipalities, languages, channels, locale] = [0, 1, 2, 3, 4].map((offset) => `$${first + offset}`);
  const sql = `SELECT c.id AS citizen_id, reach.address, reach.channel, COALESCE(c.locale, ${locale}::text) AS locale
                 FROM citizens c
                 LEFT JOIN LATERAL (${reachSql(`${channels}::text[]`)}) reach ON true
                WHERE NOT c.opted_out
                  AND EXISTS (SELECT 1 FROM subscriptions s
                               WHERE s.citizen_id = c.id AND s.topic_code = ${topic}::text
                                 AND (${municipalities}::text[] IS NULL OR s.municipality_code = ANY(${municipalities}::text[])))
                  AND (${languages}::text[] IS NULL OR COALESCE(c.locale, ${locale}::text) = ANY(${languages}::text[]))`;
  return { sql, params: [filter.topic, filter.municipalities, filter.languages, allowed, defaultLocale] };
}

/** The dimensions subscriber counts can be grouped by. */
export const SUBSCRIBER_DIMENSIONS = ['topic', 'municipality', 'channel', 'language'] as const;
export type SubscriberDimension = (typeof SUBSCRIBER_DIMENSIONS)[number];

export interface SubscriberCountFilter {
  topic?: string;
  municipality?: string;
  /** A channel, or `none` for subscribers no channel that is on can reach. */
  channel?: string;
  language?: string;
  groupBy: readonly SubscriberDimension[];
}

/** One group of subscribers; the dimensions not grouped by are absent. */
export type SubscriberGroup = Partial<Record<SubscriberDimension, string>> & { subscribers: number };

const DIMENSION_SQL: Record<SubscriberDimension, string> = {
  topic: 's.topic_code',
  municipality: 's.municipality_code',
  channel: "COALESCE(reach.channel, 'none')",
  language: 'COALESCE(c.locale, $1::text)',
};

/**
 * How many citizens (opted-out ones excluded) follow each topic, in each municipality, by the
 * channel that would reach them and their language. A citizen counts once per group and once
 * in the total.
 */
export async function countSubscribers(
  db: Queryable,
  filter: SubscriberCountFilter,
  defaultLocale: string,
  sendingChannels: readonly string[],
): Promise<{ total: number; groups: SubscriberGroup[] }> {
  const dimensions = SUBSCRIBER_DIMENSIONS.filter((dimension) => filter.groupBy.includes(dimension));
  const from = `FROM subscriptions s
       JOIN citizens c ON c.id = s.citizen_id AND NOT c.opted_out
       LEFT JOIN LATERAL (${reachSql('$2::text[]')}) reach ON true
      WHERE ($3::text IS NULL OR s.topic_code = $3)
        AND ($4::text IS NULL OR s.municipality_code = $4)
        AND ($5::text IS NULL OR COALESCE(reach.channel, 'none') = $5)
        AND ($6::text IS NULL OR COALESCE(c.locale, $1::text) = $6)`;
  const params = [defaultLocale, [...sendingChannels], filter.topic ?? null, filter.municipality ?? null, filter.channel ?? null, filter.language ?? null];
  const [total] = await db.query<{ subscribers: string }>(`SELECT count(DISTINCT c.id) AS subscribers ${from}`, params);
  if (dimensions.length === 0) return { total: Number(total.subscribers), groups: [] };
  const columns = dimensions.map((dimension) => DIMENSION_SQL[dimension]);
  const rows = await db.query(
    `SELECT ${columns.map((column, index) => `${column} AS ${dimensions[index]}`).join(', ')}, count(DISTINCT c.id) AS subscribers ${from}
      GROUP BY ${columns.join(', ')} ORDER BY ${columns.map((_column, index) => index + 1).join(', ')}`,
    params,
  );
  const groups = rows.map((row) => {
    const group: SubscriberGroup = { subscribers: Number(row.subscribers) };
    for (const dimension of dimensions) group[dimension] = row[dimension] as string;
    return group;
  });
  return { total: Number(total.subscribers), groups };
}
