import type { AnyStateMachine } from 'xstate';
import type { CatalogService } from '../services/catalog';
import type { RequestService } from '../services/requests';
import type { SubscriptionService } from '../services/subscriptions';
import type { Screen } from './screen';

/**
 * The contract between the engine and a dialog. A dialog is an XState machine plus one
 * screen builder per state. The machine decides the flow; the screen builders read (never
 * write) what they show. Effects that write are promise actors given to the machine's
 * factory at the composition root.
 */

/** Every dialog, by name. The engine moves between them when one finishes. */
export type DialogName = 'menu' | 'language' | 'browse' | 'centres' | 'apply' | 'requests' | 'status' | 'subscribe' | 'help' | 'resume';

/** What the engine sends a dialog: a chosen option's value, a validated answer, or back. */
export type DialogEvent = { type: 'CHOOSE'; value: string } | { type: 'ANSWER'; value: string } | { type: 'BACK' } | { type: 'RESUME' };

/** What a dialog starts with: who is talking, and where it was sent from (e.g. which service). */
export interface DialogInput {
  citizenId: number;
  /** The channel of this conversation, recorded on what the citizen submits. */
  channel: string;
  params: Record<string, string>;
}

/** What a dialog ends with: where to go next, and optionally a language the citizen chose. */
export interface DialogOutput {
  next: DialogName;
  params?: Record<string, string>;
  locale?: string;
}

/** Read-only services a screen builder may consult. */
export interface ScreenServices {
  catalog: CatalogService;
  requests: RequestService;
  subscriptions: SubscriptionService;
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
}

/** The writes dialogs may cause, implemented at the composition root. */
export interface DialogEffects {
  saveLanguage(citizenId: number, locale: string): Promise<void>;
  loadForm(serviceCode: string): Promise<{ fieldCount: number }>;
  submitRequest(input: { citizenId: number; channel: string; serviceCode: string; answers: string[] }): Promise<{ reference: string }>;
  subscribe(input: { citizenId: number; topic: string; municipality: string }): Promise<void>;
  unsubscribe(input: { citizenId: number; topic: string; municipality: string }): Promise<void>;
}

/** The value every dialog's `0` at its first screen leads to. */
export const TO_MENU: DialogOutput = { next: 'menu' };
