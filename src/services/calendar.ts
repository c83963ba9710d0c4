import type { Database, Queryable } from '../store/sql';
import { ConflictError, NotFoundError, type Actor } from './access';
import { recordChange } from './audit';
import { WorkingCalendar } from './working-days';

/**
 * The calendar of non-working days, as data (migrations/016): national and BARMM regional
 * holidays, local ones per municipality, and declared suspensions (a whole day, or from a time
 * on). Every processing-time clock reads it; a change restarts the open clocks it touches, in
 * the same transaction, so no due date is ever computed from a calendar that no longer holds.
 */

export const CALENDAR_KINDS = ['national', 'regional', 'local', 'suspension'] as const;
export type CalendarKind = (typeof CALENDAR_KINDS)[number];

export interface CalendarEntry {
  id: number;
  /** YYYY-MM-DD, local (TIME_ZONE). */
  day: string;
  kind: CalendarKind;
  /** Null: everywhere the deployment serves. */
  municipality: string | null;
  name: string;
  /** HH:MM: offices close at this time that day (a half day); null for the whole day. */
  from: string | null;
  sample: boolean;
}

export interface NewCalendarEntry {
  day: string;
  kind: CalendarKind;
  municipality?: string;
  name: string;
  from?: string;
}

export interface CalendarFilter {
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  /** YYYY-MM-DD, inclusive. */
  to?: string;
  /** The days that hold in this municipality: its own and everyone's. */
  municipality?: string;
}

const COLUMNS = "id, to_char(day, 'YYYY-MM-DD') AS day, kind, municipality_code, name, to_char(from_time, 'HH24:MI') AS from_time, sample";

function toEntry(row: Record<string, unknown>): CalendarEntry {
  return {
    id: Number(row.id),
    day: row.day as string,
    kind: row.kind as CalendarKind,
    municipality: (row.municipality_code as string | null) ?? null,
    name: row.name as string,
    from: (row.from_time as string | null) ?? null,
    sample: row.sample as boolean,
  };
}

/** The working calendar of one place (null: a request with no municipality), from `fromDay` on. */
export async function workingCalendar(q: Queryable, timeZone: string, municipality: string | null, fromDay: Date): Promise<WorkingCalendar> {
  // A day before the instant's UTC date covers its local date in any zone east of UTC-24.
  const rows = await q.query<{ day: string; from_time: string | null }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, to_char(from_time, 'HH24:MI') AS from_time FROM calendar_days
      WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date - 1 AND (municipality_code IS NULL OR municipality_code = $2)`,
    [fromDay, municipality],
  );
  return new WorkingCalendar(rows.map((row) => ({ day: row.day, from: row.from_time })), timeZone);
}

/** What a calendar change does to the clocks: restart the open ones whose window holds `day`. */
export type ClockRestart = (tx: Queryable, change: { day: string; municipality: string | null }) => Promise<number>;

export class CalendarService {
  constructor(
    private readonly db: Database,
    private readonly restartClocks: ClockRestart,
  ) {}

  async list(filter: CalendarFilter): Promise<CalendarEntry[]> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM calendar_days
        WHERE ($1::date IS NULL OR day >= $1) AND ($2::date IS NULL OR day <= $2)
          AND ($3::text IS NULL OR municipality_code IS NULL OR municipality_code = $3)
        ORDER BY day, id`,
      [filter.from ?? null, filter.to ?? null, filter.municipality ?? null],
    );
    return rows.map(toEntry);
  }

  /** Adds a non-working day; the open clocks it falls in are restarted (a later due date). */
  async add(actor: Actor, entry: NewCalendarEntry): Promise<{ entry: CalendarEntry; clocksRestarted: number }> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO calendar_days (day, kind, municipality_code, name, from_time) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
        [entry.day, entry.kind, entry.municipality ?? null, entry.name, entry.from ?? null],
      );
      if (!row) throw new ConflictError(`"${entry.name}" is already in the calendar on ${entry.day}${entry.municipality ? ` for ${entry.municipality}` : ''}`);
      const added = toEntry(row);
      const clocksRestarted = await this.restartClocks(tx, { day: added.day, municipality: added.municipality });
      await recordChange(tx, actor, { ministryCode: null, action: 'calendar.add', target: `calendar:${added.id}`, details: { ...added, clocksRestarted } });
      return { entry: added, clocksRestarted };
    });
  }

  /** Removes a day (a suspension lifted); the open clocks it fell in are restarted (an earlier due date). */
  async remove(actor: Actor, id: number): Promise<{ entry: CalendarEntry; clocksRestarted: number }> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query(`DELETE FROM calendar_days WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      if (!row) throw new NotFoundError(`no calendar entry ${id}`);
      const removed = toEntry(row);
      const clocksRestarted = await this.restartClocks(tx, { day: removed.day, municipality: removed.municipality });
      await recordChange(tx, actor, { ministryCode: null, action: 'calendar.remove', target: `calendar:${id}`, details: { ...removed, clocksRestarted } });
      return { entry: removed, clocksRestarted };
    });
  }
}
