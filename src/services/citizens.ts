import type { Database } from '../store/sql';

/** A citizen as the dialogs need them: who, and in which language. */
export interface Citizen {
  id: number;
  locale: string | null;
  optedOut: boolean;
}

/**
 * Finds citizens by address and remembers their language. Given the database itself, never a
 * transaction: each statement here commits on its own (see findOrCreate).
 */
export class CitizenService {
  constructor(private readonly db: Database) {}

  /**
   * The citizen behind `address`, if there is one, recording the channel and time of this
   * contact, which decides where status updates go. That touch, made at the start of every
   * session, commits without waiting for the WAL flush (`synchronous_commit` off for this
   * statement alone): a crash can lose at most the last fraction of a second of contact
   * times, never a citizen, while waiting for the disk made it the bottleneck of USSD at
   * 1,000 concurrent callers (bench/RESULTS.md). A dial alone makes nobody a citizen: the
   * engine asks this, and the first thing kept about a caller creates them (findOrCreate).
   */
  async find(address: string, channel: string): Promise<Citizen | undefined> {
    const [existing] = await this.db.query<{ id: string; locale: string | null; opted_out: boolean }>(
      `WITH lazy AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE citizen_addresses a SET last_seen_at = now(), channel = $2
         FROM citizens c, lazy WHERE a.address = $1 AND c.id = a.citizen_id
       RETURNING c.id, c.locale, c.opted_out`,
      [address, channel],
    );
    return existing ? toCitizen(existing) : undefined;
  }

  /** The citizen behind `address`, created on first contact; the contact is recorded as by find. */
  async findOrCreate(address: string, channel: string): Promise<Citizen> {
    return (await this.find(address, channel)) ?? this.create(address, channel);
  }

  /**
   * Makes the caller at `address` a citizen, with a language if they chose one, in one
   * statement (insert first: the engine has just found nobody there). When the address was
   * taken meanwhile (another hop of theirs), that citizen is theirs, given the language.
   */
  async create(address: string, channel: string, locale?: string): Promise<Citizen> {
    const [created] = await this.db.query<{ id: string; locale: string | null; opted_out: boolean }>(
      `WITH citizen AS (INSERT INTO citizens (locale) VALUES ($3) RETURNING id, locale, opted_out),
            linked AS (INSERT INTO citizen_addresses (address, citizen_id, channel)
                       SELECT $1, id, $2 FROM citizen ON CONFLICT (address) DO NOTHING RETURNING citizen_id)
       SELECT id, locale, opted_out FROM citizen WHERE EXISTS (SELECT 1 FROM linked)`,
      [address, channel, locale ?? null],
    );
    if (created) return toCitizen(created);
    // The orphan citizen row from our attempt holds no data and no address.
    const theirs = await this.findOrCreate(address, channel);
    if (locale === undefined) return theirs;
    await this.setLocale(theirs.id, locale);
    return { ...theirs, locale };
  }

  async setLocale(citizenId: number, locale: string): Promise<void> {
    await this.db.query('UPDATE citizens SET locale = $2 WHERE id = $1', [citizenId, locale]);
  }
}

function toCitizen(row: { id: string; locale: string | null; opted_out: boolean }): Citizen {
  return { id: Number(row.id), locale: row.locale, optedOut: row.opted_out };
}
