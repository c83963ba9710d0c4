import { createHash, randomInt } from 'node:crypto';
import type { Database } from '../store/sql';
import { InvalidError, type Actor } from './access';
import { hasControlCharacter } from './plain-text';
import type { ApiKeyRecord, ApiKeyService } from './api-keys';
import { recordChange } from './audit';

/**
 * A first start's way in without the admin command (which cannot open the embedded database
 * while the server has it, and is awkward in a container): while no live API key exists, the
 * server makes a one-time sign-in link and prints it once in its log. Opened, it asks for the
 * holder's name and makes the first super-admin key, shown once in that browser, which is
 * signed in with it.
 *
 * Threat model. The link is a super-admin's key in waiting, so:
 *  - Who can read it: whoever reads the server's output (its terminal, `docker logs`, journald,
 *    a log collector) in the minutes after the start. That is the operator, but a log collector
 *    widens it: an operator who ships logs elsewhere sets ADMIN_API_KEY or makes the first key
 *    with the admin command before starting, and no link is ever made (only while no live key
 *    exists, checked again when it is used).
 *  - Expiry: LINK_MINUTES (15) after the start; a later start makes a new one.
 *  - Single use: one UPDATE marks the token used only if unused and unexpired, so two browsers
 *    racing get one key between them; the token is then dead, whatever happens next.
 *  - Stored hashed: the token (43 letters, 245 bits) is kept only as its sha256; a copy of the
 *    database does not give it. Letters only, so the log's phone-number masking never cuts it.
 *  - Audited: the offer (`first-start.link`, with its expiry) and the key it made (`key.create`,
 *    source `first-start`, by the actor `first-start link`) are in the audit log; a link already
 *    used says when, so an operator who did not use it knows to revoke that key.
 *  - Nothing else: it is a POST with the console's sign-in CSRF token (opening the link in a chat
 *    app's preview uses nothing), and refused tokens count with the sign-in's refused keys.
 */

/** How long a link lasts. */
export const LINK_MINUTES = 15;

/** Who acts when a link is used: no key yet, a super-admin's power for this one key. */
export const FIRST_START_ACTOR: Actor = { keyId: null, ministryCode: null, label: 'first-start link' };

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_LENGTH = 43;
/** A token as it may appear in the link's path; anything else is not looked up. */
export const TOKEN_PATTERN = /^[A-Za-z]{43}$/;

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Why a link did not work. */
export type RefusedLink = { refused: 'unknown' | 'expired' | 'key-exists' } | { refused: 'used'; usedAt: Date };

export class FirstStartService {
  constructor(
    private readonly db: Database,
    private readonly keys: ApiKeyService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Whether any live key exists (then no link is made or honoured). */
  private async anyLiveKey(): Promise<boolean> {
    const [row] = await this.db.query('SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1');
    return row !== undefined;
  }

  /** A new one-time token when no live key exists (the caller prints the link once); undefined otherwise. */
  async offer(): Promise<{ token: string; expiresAt: Date } | undefined> {
    if (await this.anyLiveKey()) return undefined;
    let token = '';
    for (let i = 0; i < TOKEN_LENGTH; i++) token += LETTERS[randomInt(LETTERS.length)];
    const now = this.now();
    const expiresAt = new Date(now.getTime() + LINK_MINUTES * 60_000);
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO first_start_links (token_hash, created_at, expires_at) VALUES ($1, $2, $3)', [hashToken(token), now, expiresAt]);
      await recordChange(tx, FIRST_START_ACTOR, { ministryCode: null, action: 'first-start.link', target: 'console', details: { expiresAt: expiresAt.toISOString() } });
    });
    return { token, expiresAt };
  }

  /** Whether a token may still be used, without using it (the page that asks for the name). */
  async check(token: string): Promise<RefusedLink | undefined> {
    if (!TOKEN_PATTERN.test(token)) return { refused: 'unknown' };
    const [row] = await this.db.query<{ expires_at: string; used_at: string | null }>('SELECT expires_at, used_at FROM first_start_links WHERE token_hash = $1', [hashToken(token)]);
    if (!row) return { refused: 'unknown' };
    if (row.used_at !== null) return { refused: 'used', usedAt: new Date(row.used_at) };
    if (new Date(row.expires_at).getTime() <= this.now().getTime()) return { refused: 'expired' };
    if (await this.anyLiveKey()) return { refused: 'key-exists' };
    return undefined;
  }

  /** Uses the token, once: makes the first super-admin key for `holder`, or says why not. */
  async redeem(token: string, holder: string): Promise<{ key: string; record: ApiKeyRecord } | RefusedLink> {
    const refused = await this.check(token);
    if (refused) return refused;
    // The key's own rule for a holder, checked before the token is used up by a typing slip.
    const name = holder.replace(/[ \t\n\r]+/g, ' ').trim();
    if (name.length < 2 || name.length > 80 || hasControlCharacter(name)) throw new InvalidError('Give your name as the key\'s holder (2-80 characters).');
    const now = this.now();
    const [taken] = await this.db.query('UPDATE first_start_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING token_hash', [hashToken(token), now]);
    if (!taken) return (await this.check(token)) ?? { refused: 'unknown' };
    if (await this.anyLiveKey()) return { refused: 'key-exists' };
    const made = await this.keys.create(FIRST_START_ACTOR, { ministryCode: null, name: 'first super-admin key (first-start link)', holder: name }, 'first-start');
    await this.db.query('UPDATE first_start_links SET key_id = $2 WHERE token_hash = $1', [hashToken(token), made.record.id]);
    return made;
  }
}
