import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../store/sql';
import { assertKeyAdmin, assertSuperAdmin, assertVisible, ConflictError, ForbiddenError, InvalidError, isSuperAdmin, ministryScope, NotFoundError, type Actor, type KeyRole } from './access';
import { recordChange } from './audit';
import { hasControlCharacter } from './plain-text';

/**
 * The ministries' API keys. A key is 32 random bytes (`lk_` + base64url), so its sha256 is as
 * unguessable as the key itself: only the hash is stored, and a key is found by looking its
 * hash up (no per-key salt is needed for a secret of this entropy, and no timing leak arises
 * from comparing a digest the caller cannot choose).
 */

/** Where a key came from: made through the API, by `npm run admin`, by ADMIN_API_KEY, or with a first start's one-time link. */
export type KeySource = 'api' | 'cli' | 'env' | 'first-start';

/** An officer's key (a ministry's or super-admin), or a service centre's (assisted requests only). */
export type KeyKind = 'officer' | 'centre';

/** A key as listed: never the key itself. */
export interface ApiKeyRecord {
  id: number;
  /** null: a super-admin key. A centre key's is the ministry that answers for the centre. */
  ministryCode: string | null;
  kind: KeyKind;
  /** The centre of a centre key; null for an officer's. */
  centreCode: string | null;
  name: string;
  /** Who holds it: a person, or a centre's operator. Two-person rules compare holders, not keys. */
  holder: string;
  /** `admin` (makes and revokes its ministry's keys; every super-admin key) or `officer`. */
  role: KeyRole;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  source: KeySource;
  createdBy: number | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const KEY_PREFIX = 'lk_';
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 6;
/** An arbitrary, fixed advisory-lock id, so instances starting together agree on the ADMIN_API_KEY key. */
const ENV_KEY_LOCK_ID = 741_0005;

/** The stored form of a key. */
function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key. */
function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

const COLUMNS = 'id, ministry_code, kind, centre_code, name, holder, role, prefix, source, created_by, created_at, revoked_at';

/** The holder of the ADMIN_API_KEY key: whoever sets the variable on the server. */
export const ENV_KEY_HOLDER = 'ADMIN_API_KEY (operator)';

/** A holder's name as stored: spaces collapsed; 2-80 characters, no control characters. */
function cleanHolder(holder: string): string {
  const clean = holder.replace(/[ \t\n\r]+/g, ' ').trim();
  if (clean.length < 2 || clean.length > 80 || hasControlCharacter(clean)) throw new InvalidError('holder must be the name of the person who holds the key (2-80 characters)');
  return clean;
}

/** The key's columns under a table alias, for a query that joins api_keys (console sessions). */
export function keyColumns(alias: string): string {
  return COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

/** A key as listed, from a row of `keyColumns`. */
export function toRecord(row: Record<string, unknown>): ApiKeyRecord {
  return {
    id: Number(row.id),
    ministryCode: (row.ministry_code as string | null) ?? null,
    kind: row.kind as KeyKind,
    centreCode: (row.centre_code as string | null) ?? null,
    name: row.name as string,
    holder: row.holder as string,
    role: row.role as KeyRole,
    prefix: row.prefix as string,
    source: row.source as KeySource,
    createdBy: row.created_by === null ? null : Number(row.created_by),
    createdAt: new Date(row.created_at as string),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at as string),
  };
}

export class ApiKeyService {
  constructor(private readonly db: Database) {}

  /** The live key with this value, or undefined for an unknown or revoked one. */
  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashKey(key)]);
    return row ? toRecord(row) : undefined;
  }

  /**
   * Makes a key for a ministry (or, `ministryCode` null, a super-admin key) and returns it: the
   * only time the key is ever shown, to whoever made it. Only a super-admin or the ministry's
   * admin key makes a ministry's keys (an officer's key makes none, so a drafter cannot make
   * itself a second approver); only a super-admin makes super-admin keys. `role` is `officer`
   * unless `admin` is asked for (a ministry admin may make another, never a super-admin). With
   * `centreCode`, the key is a service centre's: it belongs to that centre and to a ministry
   * that answers for it (centre_ministries: a super-admin's first centre key for the pair
   * records it; after that the ministry's admins may make more).
   */
  async create(
    actor: Actor,
    input: { ministryCode: string | null; name: string; holder: string; centreCode?: string; role?: KeyRole },
    source: KeySource = 'api',
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    if (input.centreCode !== undefined && input.ministryCode === null) {
      throw new InvalidError('a centre key belongs to the ministry that answers for the centre: give its ministry');
    }
    if (input.centreCode !== undefined && input.role !== undefined && input.role !== 'officer') throw new InvalidError(`a centre key is an operator's: it cannot be a ${input.role} key`);
    if (input.ministryCode === null) assertSuperAdmin(actor, 'create super-admin keys');
    else assertKeyAdmin(actor, input.ministryCode);
    const holder = cleanHolder(input.holder);
    const role: KeyRole = input.ministryCode === null ? 'admin' : (input.role ?? 'officer');
    const key = newApiKey();
    return this.db.transaction(async (tx) => {
      if (input.ministryCode !== null) await assertMinistryExists(tx, input.ministryCode);
      if (input.centreCode !== undefined && input.ministryCode !== null) await this.assertAnswersFor(tx, actor, input.ministryCode, input.centreCode);
      const [row] = await tx.query(
        `INSERT INTO api_keys (ministry_code, kind, centre_code, name, holder, role, key_hash, prefix, source, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
        [
          input.ministryCode,
          input.centreCode === undefined ? 'officer' : 'centre',
          input.centreCode ?? null,
          input.name,
          holder,
          role,
          hashKey(key),
          key.slice(0, SHOWN_PREFIX_LENGTH),
          source,
          actor.keyId,
        ],
      );
      const record = toRecord(row);
      await recordChange(tx, actor, {
        ministryCode: record.ministryCode,
        action: 'key.create',
        target: `key:${record.id}`,
        details: { name: record.name, holder, role, superAdmin: record.ministryCode === null, source, ...(record.centreCode ? { centre: record.centreCode } : {}) },
      });
      return { key, record };
    });
  }

  /**
   * Refuses a centre key for a centre its ministry does not answer for; a super-admin's first
   * key for the pair is what makes the ministry answer for it.
   */
  private async assertAnswersFor(tx: Queryable, actor: Actor, ministryCode: string, centreCode: string): Promise<void> {
    await assertCentreExists(tx, centreCode);
    if (isSuperAdmin(actor)) {
      await tx.query('INSERT INTO centre_ministries (centre_code, ministry_code) VALUES ($1, $2) ON CONFLICT DO NOTHING', [centreCode, ministryCode]);
      return;
    }
    const [row] = await tx.query('SELECT 1 FROM centre_ministries WHERE centre_code = $1 AND ministry_code = $2', [centreCode, ministryCode]);
    if (!row) throw new ForbiddenError(`ministry "${ministryCode}" does not answer for centre "${centreCode}": a super-admin makes a ministry's first key for a centre`);
  }

  /** Keys newest first: a ministry key sees its ministry's, a super-admin all (or one ministry's). */
  async list(actor: Actor, filter: { ministry?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR ministry_code = $1) AND ($2 OR revoked_at IS NULL) ORDER BY id DESC`,
      [ministry ?? null, filter.includeRevoked ?? false],
    );
    return rows.map(toRecord);
  }

  /** One key, if the actor may see it (another ministry's, or a super-admin's, is not found). */
  async get(actor: Actor, id: number, tx: Queryable = this.db): Promise<ApiKeyRecord> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`no API key ${id}`);
    const record = toRecord(row);
    assertVisible(actor, record.ministryCode, `no API key ${id}`);
    return record;
  }

  /**
   * Revokes a key at once: its next request gets 401, and its console sessions end (they read revoked_at on every request). Only a
   * super-admin or the ministry's admin key revokes. The ADMIN_API_KEY key goes when the variable is removed.
   */
  async revoke(actor: Actor, id: number): Promise<ApiKeyRecord> {
    return this.db.transaction(async (tx) => {
      const record = await this.get(actor, id, tx);
      if (record.ministryCode === null) assertSuperAdmin(actor, 'revoke super-admin keys');
      else assertKeyAdmin(actor, record.ministryCode);
      if (record.source === 'env') throw new ConflictError('this is the ADMIN_API_KEY key: remove ADMIN_API_KEY from the environment to revoke it');
      if (record.revokedAt) throw new ConflictError(`API key ${id} was already revoked`);
      const [row] = await tx.query(`UPDATE api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, actor.keyId]);
      await recordChange(tx, actor, { ministryCode: record.ministryCode, action: 'key.revoke', target: `key:${id}`, details: { name: record.name } });
      return toRecord(row);
    });
  }

  /**
   * Makes the ADMIN_API_KEY key exist exactly while the variable is set: on start-up, the
   * current value's key is created (or revived) and any key from an earlier value is revoked.
   */
  async syncEnvKey(value: string | undefined): Promise<void> {
    const hash = value === undefined ? null : hashKey(value);
    const system: Actor = { keyId: null, ministryCode: null, label: 'env' };
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ENV_KEY_LOCK_ID]);
      const stale = await tx.query<{ id: string }>(
        `UPDATE api_keys SET revoked_at = now() WHERE source = 'env' AND revoked_at IS NULL AND ($1::text IS NULL OR key_hash <> $1) RETURNING id`,
        [hash],
      );
      for (const { id } of stale) await recordChange(tx, system, { ministryCode: null, action: 'key.revoke', target: `key:${id}`, details: { reason: 'ADMIN_API_KEY changed or removed' } });
      if (value === undefined || hash === null) return;
      const [existing] = await tx.query<{ id: string; source: string; revoked_at: Date | null; ministry_code: string | null }>(
        'SELECT id, source, revoked_at, ministry_code FROM api_keys WHERE key_hash = $1',
        [hash],
      );
      if (existing && (existing.source !== 'env' || existing.ministry_code !== null)) {
        throw new InvalidError('ADMIN_API_KEY has the value of another API key; choose a new random value');
      }
      if (existing && existing.revoked_at === null) return;
      const [row] = existing
        ? await tx.query<{ id: string }>('UPDATE api_keys SET revoked_at = NULL, revoked_by = NULL WHERE id = $1 RETURNING id', [existing.id])
        : await tx.query<{ id: string }>(
            `INSERT INTO api_keys (ministry_code, name, holder, role, key_hash, prefix, source) VALUES (NULL, 'ADMIN_API_KEY', $2, 'admin', $1, 'env', 'env') RETURNING id`,
            [hash, ENV_KEY_HOLDER],
          );
      await recordChange(tx, system, { ministryCode: null, action: 'key.create', target: `key:${row.id}`, details: { name: 'ADMIN_API_KEY', superAdmin: true, source: 'env' } });
    });
  }
}

/** Refuses a centre code that does not exist. */
async function assertCentreExists(tx: Queryable, code: string): Promise<void> {
  const [row] = await tx.query('SELECT 1 FROM centres WHERE code = $1', [code]);
  if (!row) throw new InvalidError(`unknown centre "${code}"`);
}

/** Refuses a ministry code that does not exist. */
export async function assertMinistryExists(tx: Queryable, code: string): Promise<void> {
  const [row] = await tx.query('SELECT 1 FROM ministries WHERE code = $1', [code]);
  if (!row) throw new InvalidError(`unknown ministry "${code}"`);
}
