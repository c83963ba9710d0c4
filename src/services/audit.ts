import { createHash } from 'node:crypto';
import type { Queryable } from '../store/sql';
import { ministryScope, type Actor } from './access';

/** One change, as the audit log records it. */
export interface AuditEntry {
  /** The ministry whose records changed; null for shared records (categories, super-admin keys). */
  ministryCode: string | null;
  /** What was done, `noun.verb`: `request.status`, `broadcast.approve`, `key.revoke`. */
  action: string;
  /** What it was done to: `request:48217730953`, `broadcast:7`. */
  target: string;
  /** The change itself (new status and note, a broadcast's audience); never a key or a citizen's answers. */
  details?: Record<string, unknown>;
}

/** A recorded change, with who made it and when. */
export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  keyId: number | null;
  actor: string;
  at: Date;
}

export interface AuditFilter {
  ministry?: string;
  keyId?: number;
  action?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Entries older than this id (the previous page's `nextCursor`). */
  before?: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * How the audit log names a text meant for citizens (a broadcast, a status note): by its hash
 * and length, never the words (GovStack Messaging BB 5.1.10: audit logs without message
 * content); the text itself stays in its own record (the broadcast, the request's history).
 */
export function contentDigest(text: string): { sha256: string; chars: number } {
  return { sha256: sha256(text), chars: [...text].length };
}

/**
 * Writes one entry inside the transaction of the change it describes, so the log never misses
 * a change nor records one that was rolled back.
 */
export async function recordChange(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (key_id, actor, ministry_code, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)`,
    [actor.keyId, actor.label, entry.ministryCode, entry.action, entry.target, JSON.stringify(entry.details ?? {})],
  );
}

/** Reading the audit log: a ministry key sees its own ministry's entries, a super-admin all. */
export class AuditLog {
  constructor(private readonly db: Queryable) {}

  /** Entries newest first, one page at a time. */
  async list(actor: Actor, filter: AuditFilter): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
    const ministry = ministryScope(actor, filter.ministry);
    const rows = await this.db.query(
      `SELECT id, key_id, actor, ministry_code, action, target, details, created_at FROM audit_log
        WHERE ($1::text IS NULL OR ministry_code = $1)
          AND ($2::bigint IS NULL OR key_id = $2)
          AND ($3::text IS NULL OR action = $3)
          AND ($4::timestamptz IS NULL OR created_at >= $4)
          AND ($5::timestamptz IS NULL OR created_at < $5)
          AND ($6::bigint IS NULL OR id < $6)
        ORDER BY id DESC LIMIT $7`,
      [ministry ?? null, filter.keyId ?? null, filter.action ?? null, filter.from ?? null, filter.to ?? null, filter.before ?? null, filter.limit + 1],
    );
    const items = rows.slice(0, filter.limit).map((row) => ({
      id: Number(row.id),
      keyId: row.key_id === null ? null : Number(row.key_id),
      actor: row.actor as string,
      ministryCode: row.ministry_code as string | null,
      action: row.action as string,
      target: row.target as string,
      details: row.details as Record<string, unknown>,
      at: new Date(row.created_at as string),
    }));
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1].id) : null };
  }
}
