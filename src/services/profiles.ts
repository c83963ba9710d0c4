import type { Queryable } from '../store/sql';

/**
 * The people who share one phone. In many families one phone serves everyone: a request is
 * made for one of them (a profile: a name and how they are related to the phone's holder),
 * "my requests" groups requests by person, and status updates name the person. A profile is
 * kept while requests name it; removing one only hides it from the phone's lists.
 */

/** How a person is related to the phone's holder; the dialogs show each in the citizen's language. */
export const RELATIONSHIPS = ['child', 'spouse', 'parent', 'sibling', 'grandparent', 'relative', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/** Most people one phone holds besides its holder: enough for a household, few enough for one USSD list. */
const MAX_PROFILES = 8;

/** A name as typed: 2 to 40 characters with at least one letter (the dialogs ask for the same). */
export const NAME_LENGTH = { min: 2, max: 40 } as const;

export interface Profile {
  id: number;
  name: string;
  relationship: Relationship;
}

/** A person on the phone with how many requests are for them; `profile` null is the holder. */
export interface Person {
  profile: Profile | null;
  requests: number;
}

/** Why a profile could not be added: the phone is full, the name is taken, or it is not a name. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly reason: 'full' | 'duplicate' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** A name as stored: spaces collapsed; undefined when it is not a name. */
export function cleanName(input: string): string | undefined {
  const name = input.replace(/\s+/g, ' ').trim();
  return name.length >= NAME_LENGTH.min && name.length <= NAME_LENGTH.max && /\p{L}/u.test(name) ? name : undefined;
}

export function isRelationship(value: string): value is Relationship {
  return (RELATIONSHIPS as readonly string[]).includes(value);
}

const toProfile = (row: Record<string, unknown>): Profile => ({ id: Number(row.id), name: row.name as string, relationship: row.relationship as Relationship });

const UNIQUE_VIOLATION = '23505';

/** Profiles of the people who share a phone. */
export class ProfileService {
  constructor(private readonly db: Queryable) {}

  /** The phone's people (not removed), by name. */
  async list(citizenId: number): Promise<Profile[]> {
    const rows = await this.db.query(
      'SELECT id, name, relationship FROM profiles WHERE citizen_id = $1 AND removed_at IS NULL ORDER BY lower(name), id',
      [citizenId],
    );
    return rows.map(toProfile);
  }

  /** One of the citizen's profiles, removed or not (an old request may still name it). */
  async get(citizenId: number, profileId: number): Promise<Profile | undefined> {
    const [row] = await this.db.query('SELECT id, name, relationship FROM profiles WHERE id = $1 AND citizen_id = $2', [profileId, citizenId]);
    return row ? toProfile(row) : undefined;
  }

  /** How many people the phone holds besides its holder. */
  async count(citizenId: number): Promise<number> {
    const [row] = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM profiles WHERE citizen_id = $1 AND removed_at IS NULL', [citizenId]);
    return Number(row.n);
  }

  /**
   * The holder and every profile with their request counts, for "my requests": profiles still
   * on the phone, and removed ones that requests still name. Empty when the phone has none.
   */
  async people(citizenId: number): Promise<Person[]> {
    const rows = await this.db.query(
      `SELECT p.id, p.name, p.relationship, count(r.id) AS requests
         FROM profiles p LEFT JOIN requests r ON r.profile_id = p.id
        WHERE p.citizen_id = $1
        GROUP BY p.id
       HAVING bool_or(p.removed_at IS NULL) OR count(r.id) > 0
        ORDER BY lower(p.name), p.id`,
      [citizenId],
    );
    if (rows.length === 0) return [];
    const [own] = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM requests WHERE citizen_id = $1 AND profile_id IS NULL', [citizenId]);
    return [{ profile: null, requests: Number(own.n) }, ...rows.map((row) => ({ profile: toProfile(row), requests: Number(row.requests) }))];
  }

  /** Adds a person to the phone; refuses a full phone, a name already there, or a name that is not one. */
  async add(citizenId: number, input: { name: string; relationship: string }, tx: Queryable = this.db): Promise<Profile> {
    const name = cleanName(input.name);
    if (!name || !isRelationship(input.relationship)) {
      throw new ProfileError('invalid', `a person needs a name of ${NAME_LENGTH.min}-${NAME_LENGTH.max} characters and one of: ${RELATIONSHIPS.join(', ')}`);
    }
    const [{ n }] = await tx.query<{ n: string }>('SELECT count(*) AS n FROM profiles WHERE citizen_id = $1 AND removed_at IS NULL', [citizenId]);
    if (Number(n) >= MAX_PROFILES) throw new ProfileError('full', `a phone holds at most ${MAX_PROFILES} people besides its holder`);
    try {
      const [row] = await tx.query('INSERT INTO profiles (citizen_id, name, relationship) VALUES ($1, $2, $3) RETURNING id, name, relationship', [
        citizenId,
        name,
        input.relationship,
      ]);
      return toProfile(row);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ProfileError('duplicate', `"${name}" is already on this phone`);
      throw error;
    }
  }

  /**
   * The profile of this name on the phone (any case), or a new one: an operator at a centre
   * names the person a request is for, and the family's existing profile is used when it exists.
   */
  async findOrAdd(tx: Queryable, citizenId: number, person: { name: string; relationship: string }): Promise<Profile> {
    const name = cleanName(person.name) ?? person.name;
    const [row] = await tx.query('SELECT id, name, relationship FROM profiles WHERE citizen_id = $1 AND lower(name) = lower($2) AND removed_at IS NULL', [
      citizenId,
      name,
    ]);
    return row ? toProfile(row) : this.add(citizenId, person, tx);
  }

  /** Takes a person off the phone's lists (their requests stay); false when there was no such profile. */
  async remove(citizenId: number, profileId: number): Promise<boolean> {
    const rows = await this.db.query('UPDATE profiles SET removed_at = now() WHERE id = $1 AND citizen_id = $2 AND removed_at IS NULL RETURNING id', [
      profileId,
      citizenId,
    ]);
    return rows.length > 0;
  }
}
