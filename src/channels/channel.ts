import type { Router } from 'express';
import type { i18n } from 'i18next';
import type { Config } from '../config';
import type { Conversation } from '../conversation';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Outbox } from '../outbox/outbox';

/**
 * The contract every channel adapter meets. An adapter knows one provider's wire format and
 * nothing about services: it parses and verifies a webhook, hands it to the conversation layer
 * (src/conversation), lays the answer out within the channel's limits and sends. Adapters never
 * import services or dialogs, and dialogs never import a provider.
 */
export interface Channel {
  /** Short name, used in logs, metrics and citizens' address records. */
  name: string;
  /** Routes the app mounts at its root; each adapter declares its own paths. */
  router: Router;
  /** Starts background work the channel does on its own (Telegram long polling); called once by main. */
  start?(): void;
  /** Stops that work; called by the context's close() before the stores close. */
  stop?(): Promise<void>;
}

/** What a channel adapter is given by the composition root. */
export interface ChannelDeps {
  config: Config;
  /** What an adapter hands a parsed message to (src/conversation). */
  conversation: Conversation;
  i18n: i18n;
  log: Logger;
  metrics: Metrics;
  /** Where replies that cannot go back in the webhook's response are queued. */
  outbox: Outbox;
}

/** A message the outbox hands to a channel to deliver. */
export interface OutboundMessage {
  /** The outbox row's id; providers that accept a client reference get this. */
  id: number;
  address: string;
  body: string;
}

/**
 * Why a send failed, and whether trying again could help. One place per channel maps the
 * provider's answers to these (5xx and network errors are retryable, 429 says when).
 */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    message: string,
    /** Whether a later attempt may succeed. */
    readonly retryable: boolean,
    /** The provider's own wait, when it said one (HTTP 429 Retry-After, Telegram retry_after). */
    readonly retryAfterMs?: number,
    /** The recipient cannot be reached on this channel (blocked the bot, opted out at the carrier). */
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** A channel that can push messages (SMS, Telegram, the simulator's inbox); USSD cannot. */
export interface SendingChannel extends Channel {
  /** Delivers one message; resolves with the provider's id for it, or throws a SendError. */
  send(message: OutboundMessage): Promise<{ providerId?: string }>;
  /** Messages per second this channel may send, shared by every dispatcher. */
  ratePerSecond: number;
}

/** True when a channel can push messages. */
export function canSend(channel: Channel): channel is SendingChannel {
  return typeof (channel as Partial<SendingChannel>).send === 'function';
}
