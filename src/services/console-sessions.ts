import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../store/sql';
import { keyColumns, toRecord, type ApiKeyRecord } from './api-keys';

/** How long a console session lasts, and the clock it is measured by. */
export interface ConsoleSessionSettings {
  /** Minutes without a request after which a session is over (CONSOLE_SESSION_IDLE_MINUTES). */
  idleMinutes: number;
  /** Hours after sign-in after which a session is over however active (CONSOLE_SESSION_MAX_HOURS). */
  maxHours: number;
  now: () => Date;
}

/** A new session: the id for the cookie (shown only to the browser that signed in) and the seconds it lasts at most. */
export interface StartedSession {
  id: string;
  maxAgeSeconds: number;
}

/** The stored form of a session id; like an API key's, a digest of 256 random bits needs no salt. */
function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Console sessions: what an officer's browser holds after signing in with an API key, instead
 * of the key. A session id is 32 random bytes, stored only as its sha256, and bound to the key:
 * every request joins the key, so revoking it ends its sessions at once. A session ends at
 * sign-out, after `idleMinutes` without a request, and `maxHours` after sign-in.
 */
export class ConsoleSessionService {
  constructor(
    private readonly db: Queryable,
    private readonly settings: ConsoleSessionSettings,
  ) {}

  /** Starts a session for a key that has just been checked (the sign-in); sessions long over are purged. */
  async start(keyId: number): Promise<StartedSession> {
    const now = this.settings.now();
    const id = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.settings.maxHours * 3_600_000);
    await this.db.query('DELETE FROM console_sessions WHERE ended_at IS NOT NULL OR expires_at <= $1 OR last_seen_at <= $2', [now, this.idleSince(now)]);
    await this.db.query('INSERT INTO console_sessions (id_hash, key_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)', [hashId(id), keyId, now, expiresAt]);
    return { id, maxAgeSeconds: this.settings.maxHours * 3600 };
  }

  /**
   * The key behind a live session, its last activity moved to now; undefined for an unknown,
   * ended, idle or expired session, or one whose key was revoked. One statement checks and touches.
   */
  async resume(id: string): Promise<ApiKeyRecord | undefined> {
    const now = this.settings.now();
    const [row] = await this.db.query(
      `UPDATE console_sessions s SET last_seen_at = $2
         FROM api_keys k
        WHERE s.id_hash = $1 AND k.id = s.key_id AND k.revoked_at IS NULL
          AND s.ended_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3
       RETURNING ${keyColumns('k')}`,
      [hashId(id), now, this.idleSince(now)],
    );
    return row ? toRecord(row) : undefined;
  }

  /** Ends a session at once (sign-out): its cookie is refused from the next request on. */
  async end(id: string): Promise<void> {
    await this.db.query('UPDATE console_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL', [hashId(id), this.settings.now()]);
  }

  private idleSince(now: Date): Date {
    return new Date(now.getTime() - this.settings.idleMinutes * 60_000);
  }
}
