import type { i18n } from 'i18next';
import type { Config } from '../config';
import type { DialogEngine } from '../dialogs/engine';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Outbox } from '../outbox/outbox';
import type { CitizenService } from '../services/citizens';
import type { HopTrail } from '../services/hop-trail';
import type { ConsentLedger } from '../services/consents';
import { OptOutService } from '../services/optout';
import type { UnsolicitedSmsBudget } from '../services/unsolicited-sms';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database } from '../store/sql';
import { ChatConversation } from './chat';
import { Contacts } from './contacts';
import type { Desk } from './desk';
import { SmsFinisher } from './finish-by-sms';
import { InboundLog } from './inbound';
import type { PendingCodes } from './replies';
import { SmsConversation } from './sms';
import { SmsSubscriptions } from './subscriptions';
import { Turns } from './turns';
import { UssdConversation } from './ussd';
import { VoiceConversation } from './voice';

/**
 * The conversation layer: what every channel adapter calls once it has parsed and verified a
 * webhook. It owns the turn around the dialog engine (timing and counting hops, the polite
 * failure), the keywords and the one command table, opt-out, inbound de-duplication, contact
 * bookkeeping, finishing USSD screens by SMS and the unsolicited-SMS budget; an adapter keeps
 * only its provider's wire format, its quirks, the screen's layout and `send()`.
 */
export interface Conversation {
  config: Config;
  /** USSD hops of every gateway family, and their end-of-session reports. */
  ussd: UssdConversation;
  /** Texts, whichever SMS provider carried them (keywords, dedupe, floods, STOP/START). */
  sms: SmsConversation;
  /** Chats with buttons (Telegram, the simulator's chat): the commands and their turns. */
  chat: ChatConversation;
  /** Who wrote, who cannot be reached, who opted out, which chat has which phone. */
  contacts: Contacts;
  /** Each provider's message or update handled once. */
  inbound: InboundLog;
  /** Per-subscriber consent a provider needs before it carries a message (Globe Labs' access_token), sealed by its adapter. */
  subscriptions: SmsSubscriptions;
  /** One dialog turn, timed and counted for its channel. */
  turns: Turns;
  /** Steps of voice calls (keypad turns, repeats, silence, hand-over) and missed-call call-backs. */
  voice: VoiceConversation;
}

export interface ConversationDeps {
  config: Config;
  db: Database;
  store: EphemeralStore;
  engine: DialogEngine;
  i18n: i18n;
  log: Logger;
  metrics: Metrics;
  outbox: Outbox;
  citizens: CitizenService;
  trail: HopTrail;
  budget: UnsolicitedSmsBudget;
  /** Confirmation codes of requests filed at centres (a text with one confirms it). */
  assisted: PendingCodes;
  /** Whether a phone can be texted now (channels are wired after the conversation). */
  smsOn: () => boolean;
  /** Wakes the outbox dispatcher after something is queued. */
  nudge: () => void;
  /** The clock of office hours and daily limits (tests fix it). */
  now?: () => Date;
  /** The grievance desk's intake: which texts are a thread's (conversation/desk.ts). */
  desk?: Desk;
  /** The consent history STOP and START append to. */
  consents: ConsentLedger;
}

/** Builds the layer once, for every channel of the instance. */
export function createConversation(deps: ConversationDeps): Conversation {
  const { config, db, store, i18n, log, outbox, budget, smsOn } = deps;
  const contacts = new Contacts(db, deps.citizens, new OptOutService(db, deps.consents), { store, perHour: config.CARRIER_OPT_OUTS_PER_HOUR, log: log.child({ name: 'conversation:contacts' }) });
  const turns = new Turns(deps.engine, deps.metrics, log);
  const finish = new SmsFinisher({
    outbox,
    store,
    i18n,
    log: log.child({ name: 'conversation:ussd' }),
    defaultLocale: config.DEFAULT_LOCALE,
    smsOn,
    pages: config.USSD_SMS_FINISH_PAGES,
    afterMs: config.USSD_SMS_FINISH_AFTER_MS,
    maxSegments: config.SMS_MAX_SEGMENTS,
    budget,
  });
  const inbound = new InboundLog(db);
  return {
    config,
    ussd: new UssdConversation({ ...deps, finish }),
    sms: new SmsConversation({ ...deps, contacts, turns, inbound }),
    chat: new ChatConversation({ ...deps, contacts, turns }),
    contacts,
    inbound,
    subscriptions: new SmsSubscriptions(db),
    turns,
    voice: new VoiceConversation({ ...deps, turns, finish, now: deps.now ?? (() => new Date()) }),
  };
}
