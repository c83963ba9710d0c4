import type { AnyStateMachine } from 'xstate';
import type { AssistedService } from '../services/assisted';
import type { CatalogService } from '../services/catalog';
import type { DataHeld } from '../services/data-rights';
import type { LookupOutcome } from '../services/lookup-guard';
import type { ProofCheck, ProofIssue, ProofPurpose } from '../services/phone-proof';
import type { ProfileService } from '../services/profiles';
import type { RequestService } from '../services/requests';
import type { SubscriptionService } from '../services/subscriptions';
import type { VerifyOutcome } from '../services/verification';
import type { Screen } from './screen';

/**
 * The contract between the engine and a dialog. A dialog is an XState machine plus one
 * screen builder per state. The machine decides the flow; the screen builders read (never
 * write) what they show. Effects that write are promise actors given to the machine's
 * factory at the composition root.
 */

/** Every dialog, by name. The engine moves between them when one finishes. */
export type DialogName =
  | 'menu'
  | 'language'
  | 'browse'
  | 'centres'
  | 'apply'
  | 'requests'
  | 'status'
  | 'subscribe'
  | 'help'
  | 'resume'
  | 'mydata'
  | 'verify'
  | 'profiles'
  | 'complaint'
  | 'confirm-assisted';

/** What the engine sends a dialog: a chosen option's value, a validated answer, or back. */
export type DialogEvent =
  | { type: 'CHOOSE'; value: string }
  | { type: 'ANSWER'; value: string }
  | { type: 'BACK' }
  /** A form taken up again in a new network session; `proven` when the channel itself authenticates the address. */
  | { type: 'RESUME'; proven: boolean };

/** What a dialog starts with: who is talking, and where it was sent from (e.g. which service). */
export interface DialogInput {
  citizenId: number;
  /** The channel of this conversation, recorded on what the citizen submits. */
  channel: string;
  /** Who is talking (`tel:+63…`): where a one-time code goes when the phone must be proven. */
  address: string;
  /** The language the conversation is in, for what is sent outside it (a code's SMS). */
  locale: string;
  /**
   * The channel itself authenticates the address (the mobile network an SMS's sender, Telegram
   * a chat), so no code is needed to prove it. False for USSD, whose gateway says who calls.
   */
  proven: boolean;
  /** The gateway and network of this hop (Inbound's), for the status lookup's limits. */
  network?: string;
  params: Record<string, string>;
}

/**
 * The citizenId of a caller who is not a citizen yet: nothing is kept about a dial until
 * something needs keeping (a language, a request, a topic, a person, a status lookup), and the
 * effect that keeps it makes them a citizen, found by their address.
 */
export const NO_CITIZEN = 0;

/** Who a write that keeps something is for: a citizen, or a caller (NO_CITIZEN) it makes one. */
export interface Caller {
  citizenId: number;
  address: string;
  channel: string;
}

/** What a dialog ends with: where to go next, and optionally a language the citizen chose. */
export interface DialogOutput {
  next: DialogName;
  params?: Record<string, string>;
  locale?: string;
  /** Take back the dialog put aside when the last network session dropped (the resume dialog's yes), instead of `next`. */
  resume?: true;
}

/** Read-only services a screen builder may consult. */
export interface ScreenServices {
  catalog: CatalogService;
  requests: RequestService;
  subscriptions: SubscriptionService;
  /** The people sharing the phone (family profiles). */
  profiles: Pick<ProfileService, 'list' | 'get' | 'people'>;
  /** Requests filed at a centre that wait for the citizen's answer. */
  assisted: Pick<AssistedService, 'pendingFor'>;
  /** The deployment's IANA time zone (TIME_ZONE): every date a citizen reads, and "today", are in it. */
  timeZone: string;
  /** The languages the language menu offers (LANGUAGES); every supported one when not given. */
  languages?: readonly string[];
}

/** Everything a screen builder needs to draw the current state. */
export interface ScreenInput<C> {
  context: C;
  citizenId: number;
  locale: string;
  services: ScreenServices;
}

export type ScreenBuilder<C> = (input: ScreenInput<C>) => Promise<Screen>;

export interface Dialog<C = unknown> {
  name: DialogName;
  /** Bumped whenever a change makes old snapshots meaningless; an old snapshot restarts politely. */
  version: number;
  machine: AnyStateMachine;
  /** One builder per state name; every non-transient state must have one. */
  screens: Record<string, ScreenBuilder<C>>;
  /**
   * Whether this dialog, where a network session dropped, is worth offering back on the next
   * dial: the params of the `resume` dialog's question (a form with answers given), or
   * undefined. Dialogs without it simply start afresh.
   */
  suspendable?: (snapshot: { context: C; hasTag(tag: string): boolean }) => Record<string, string> | undefined;
}

/** The writes dialogs may cause, implemented at the composition root. */
export interface DialogEffects {
  saveLanguage(input: Caller & { locale: string }): Promise<void>;
  /** The form's size, and how many people share the citizen's phone (asked whom the request is for when any). */
  loadForm(serviceCode: string, citizenId: number): Promise<{ fieldCount: number; profileCount?: number }>;
  submitRequest(input: Caller & { serviceCode: string; answers: string[]; profileId?: number }): Promise<{ reference: string }>;
  subscribe(input: Caller & { topic: string; municipality: string }): Promise<void>;
  unsubscribe(input: { citizenId: number; topic: string; municipality: string; channel: string }): Promise<void>;
}

/**
 * The reads and writes of a citizen's own records that must be guarded or audited: a status
 * lookup by reference (limited after repeated misses, audited) and the data-rights pair (what
 * is held, erase it). Implemented at the composition root.
 */
export interface PrivacyEffects {
  lookupRequest(input: Caller & { network?: string; reference: string }): Promise<LookupOutcome>;
  dataHeld(citizenId: number): Promise<DataHeld>;
  eraseCitizen(input: { citizenId: number; channel: string }): Promise<void>;
}

/** The writes of the trust dialogs: checking a message, answering a centre's request, family profiles, proving the phone. */
export interface TrustEffects {
  /** Looks a verification code up among the citizen's messages (rate-limited). */
  verifyMessage(input: { citizenId: number; code: string }): Promise<VerifyOutcome>;
  /** Confirms a request filed at a centre, by its id or the code texted; null when nothing waits. */
  confirmAssisted(input: { citizenId: number; id?: number; code?: string }): Promise<{ reference: string } | null>;
  /** Refuses one; false when it no longer waits. */
  declineAssisted(input: { citizenId: number; id: number }): Promise<boolean>;
  /** Adds a person to the phone; rejects with a ProfileError ('full', 'duplicate', 'invalid'). */
  addProfile(input: Caller & { name: string; relationship: string }): Promise<{ id: number }>;
  removeProfile(input: { citizenId: number; profileId: number }): Promise<boolean>;
  /** Sends a one-time code by SMS to the address, to prove the phone (src/services/phone-proof.ts). */
  requestProof(input: { address: string; purpose: ProofPurpose; locale: string }): Promise<ProofIssue>;
  /** Checks a code typed back; the right one is spent. */
  checkProof(input: { address: string; purpose: ProofPurpose; code: string }): Promise<ProofCheck>;
}

/** The value every dialog's `0` at its first screen leads to. */
export const TO_MENU: DialogOutput = { next: 'menu' };
