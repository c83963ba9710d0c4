import { ministryScope, type Actor } from '../services/access';
import type { Queryable } from '../store/sql';

/** Counts per day for a few series (services or municipalities), oldest day first. */
export interface DailySeries {
  /** `YYYY-MM-DD`, in the console's time zone, one per day of the window. */
  days: string[];
  series: { key: string | null; counts: number[]; total: number }[];
}

/** Series beyond this many are summed into one "other" series, so a chart stays readable. */
const MAX_SERIES = 5;

/** The key of the series that sums the rest. */
export const OTHER = '__other__';

/**
 * The dashboard's numbers: requests per day by service or by municipality, over the last
 * `days` days, counted in SQL. A ministry's key counts only its own ministry's requests (the
 * same scope rule as every admin service, `ministryScope`); a super-admin may narrow to one
 * ministry. There is no API route for these aggregates yet, so the console reads them here.
 */
export class ConsoleStats {
  constructor(
    private readonly db: Queryable,
    private readonly timeZone: string,
  ) {}

  async requestsPerDay(actor: Actor, by: 'service' | 'municipality', days: number, ministry?: string): Promise<DailySeries> {
    const scope = ministryScope(actor, ministry) ?? null;
    const [{ today }] = await this.db.query<{ today: string }>(`SELECT to_char((now() AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS today`, [this.timeZone]);
    const axis = dayAxis(today, days);
    const column = by === 'service' ? 'r.service_code' : 'r.municipality_code';
    const rows = await this.db.query<{ day: string; key: string | null; n: number }>(
      `SELECT to_char((r.created_at AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS day, ${column} AS key, count(*)::int AS n
         FROM requests r JOIN services s ON s.code = r.service_code
        WHERE ($2::text IS NULL OR s.ministry_code = $2)
          AND r.created_at >= ($3::date::timestamp AT TIME ZONE $1)
        GROUP BY 1, 2`,
      [this.timeZone, scope, axis[0]],
    );
    return toSeries(axis, rows);
  }
}

/** The `days` dates ending with `today` (YYYY-MM-DD, calendar arithmetic in UTC). */
export function dayAxis(today: string, days: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: days }, (_, index) => new Date(end - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10));
}

/** Rows of (day, key, count) as series along the axis: the biggest first, the rest as OTHER. */
export function toSeries(axis: string[], rows: { day: string; key: string | null; n: number }[]): DailySeries {
  const position = new Map(axis.map((day, index) => [day, index]));
  const byKey = new Map<string | null, number[]>();
  for (const row of rows) {
    const index = position.get(row.day);
    if (index === undefined) continue;
    const counts = byKey.get(row.key) ?? axis.map(() => 0);
    counts[index] += Number(row.n);
    byKey.set(row.key, counts);
  }
  const all = [...byKey].map(([key, counts]) => ({ key, counts, total: counts.reduce((sum, n) => sum + n, 0) }));
  all.sort((a, b) => b.total - a.total || String(a.key).localeCompare(String(b.key)));
  if (all.length <= MAX_SERIES) return { days: axis, series: all };
  const kept = all.slice(0, MAX_SERIES - 1);
  const rest = all.slice(MAX_SERIES - 1);
  const counts = axis.map((_, index) => rest.reduce((sum, series) => sum + series.counts[index], 0));
  return { days: axis, series: [...kept, { key: OTHER, counts, total: counts.reduce((sum, n) => sum + n, 0) }] };
}
