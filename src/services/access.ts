import { linkIn } from '../text/links';
/**
 * Who is acting on the ministries' records, and the rule every admin service applies: a
 * ministry's key reaches only its own ministry's services, requests and broadcasts; a
 * super-admin key reaches everything. The errors below carry a reason meant for the caller;
 * the API turns them into 403, 404, 409 and 400.
 */

/** Who made a change: an API key (ministry or super-admin), the admin command, or ADMIN_API_KEY. */
export interface Actor {
  /** The API key's id; null for the admin command. */
  keyId: number | null;
  /** The key's ministry; null for a super-admin (and the admin command). */
  ministryCode: string | null;
  /** How the audit log names the actor: `key:12`, `cli`. */
  label: string;
  /** Set for a service centre's key: it may file and list its centre's assisted requests, nothing else. */
  centreCode?: string;
  /** A ministry key's role: `admin` manages the ministry's keys, `officer` (the default) does not; `privacy` is the DPO's. */
  role?: KeyRole;
}

/**
 * What a ministry's key may do beyond its ministry's work: an `admin` makes and revokes its keys;
 * an `officer` makes none; `privacy`, the Data Protection Officer's, works as an officer and also
 * reads the consent records and sends breach notices (services/consents.ts, services/breaches.ts).
 */
export type KeyRole = 'admin' | 'officer' | 'privacy';

/** The admin command (`npm run admin`): an operator on the server, with every right. */
export const CLI_ACTOR: Actor = { keyId: null, ministryCode: null, label: 'cli' };

/** The actor behind an API key (a centre key names its centre; a ministry's admin key says so). */
export function keyActor(keyId: number, ministryCode: string | null, centreCode?: string | null, role: KeyRole = 'officer'): Actor {
  return { keyId, ministryCode, label: `key:${keyId}`, ...(centreCode ? { centreCode } : {}), role };
}

/** True for a super-admin key or the admin command (never a centre's key). */
export function isSuperAdmin(actor: Actor): boolean {
  return actor.ministryCode === null && actor.centreCode === undefined;
}

/** The caller may not touch this record (another ministry's, or super-admin only). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** The record does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/**
 * Why a service refused, as data (the message is the API's sentence): the console turns it
 * into an officer's sentence (src/console/errors.ts) instead of showing the API's wording.
 */
export type Refusal =
  | { kind: 'status_backwards'; from: string; to: string }
  | { kind: 'status_same'; status: string }
  | { kind: 'status_unknown'; status: string; workflow: string[] }
  | { kind: 'broadcast_finished'; id: number; status: string }
  | { kind: 'broadcast_not_draft'; id: number; status: string }
  | { kind: 'broadcast_not_pending'; id: number; status: string }
  | { kind: 'broadcast_same_person'; approver: string; drafter: string; scheduler: string | null }
  /** A text for citizens carries a link (telcos block such SMS: src/text/links.ts). */
  | { kind: 'text_link'; field: string; link: string };

/**
 * Refuses a text meant for citizens' phones that carries a link: the telcos would block the SMS
 * (src/text/links.ts). `field` names it as the API does (`texts.fil`, `note`).
 */
export function assertNoLink(field: string, text: string | undefined): void {
  const link = text === undefined ? undefined : linkIn(text);
  if (link !== undefined) {
    throw new InvalidError(`${field} contains a link (${link}): Philippine telcos block SMS with links or shorteners; say where to go in words, or name a keyword to text`, { kind: 'text_link', field, link });
  }
}

/** The record is not in a state that allows this (a status moving backwards, a stopped broadcast). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly refusal?: Refusal,
  ) {
    super(message);
  }
}

/** The request is well-formed but names something that does not fit (an unknown topic, a status not in the workflow). */
export class InvalidError extends Error {
  override readonly name: string = 'InvalidError';
  constructor(
    message: string,
    readonly refusal?: Refusal,
  ) {
    super(message);
  }
}

/** Refuses a service centre's key everything an officer does: it files assisted requests only. */
export function assertNotCentre(actor: Actor): void {
  if (actor.centreCode !== undefined) throw new ForbiddenError("a service centre's key can only file assisted requests and list its centre's");
}

/** Throws ForbiddenError unless the actor may act for `ministryCode`. */
export function assertMinistry(actor: Actor, ministryCode: string): void {
  assertNotCentre(actor);
  if (!isSuperAdmin(actor) && actor.ministryCode !== ministryCode) {
    throw new ForbiddenError(`this key belongs to ministry "${actor.ministryCode}" and cannot reach records of ministry "${ministryCode}"`);
  }
}

/**
 * Throws NotFoundError, as for a record that does not exist, unless the actor may reach
 * `ministryCode`'s records: a key never learns that another ministry's request, broadcast or
 * key exists (a 403 would tell it that the reference is real).
 */
export function assertVisible(actor: Actor, ministryCode: string | null, notFound: string): void {
  const visible = actor.centreCode === undefined && (isSuperAdmin(actor) || (ministryCode !== null && actor.ministryCode === ministryCode));
  if (!visible) throw new NotFoundError(notFound);
}

/**
 * Throws ForbiddenError unless the actor manages `ministryCode`'s keys: a super-admin, or that
 * ministry's admin key (an officer's key makes no keys, so it cannot make itself a second approver).
 */
export function assertKeyAdmin(actor: Actor, ministryCode: string): void {
  assertMinistry(actor, ministryCode);
  if (!isSuperAdmin(actor) && actor.role !== 'admin') throw new ForbiddenError("only a super-admin or the ministry's admin key can make or revoke keys; this is an officer's key");
}

/** Throws ForbiddenError unless the actor is the privacy officer (a `privacy` key) or a super-admin. */
export function assertPrivacyOfficer(actor: Actor, what: string): void {
  assertNotCentre(actor);
  if (!isSuperAdmin(actor) && actor.role !== 'privacy') throw new ForbiddenError(`only the privacy officer's key (role privacy) or a super-admin can ${what}`);
}

/** Throws ForbiddenError unless the actor is a super-admin. */
export function assertSuperAdmin(actor: Actor, what: string): void {
  if (!isSuperAdmin(actor)) throw new ForbiddenError(`only a super-admin key can ${what}`);
}

/**
 * The ministry a list is narrowed to: a ministry key's own (asking for another is refused), or
 * for a super-admin the one asked for, or all (undefined).
 */
export function ministryScope(actor: Actor, requested: string | undefined): string | undefined {
  assertNotCentre(actor);
  if (requested !== undefined) assertMinistry(actor, requested);
  return actor.ministryCode ?? requested;
}
