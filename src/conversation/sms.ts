import type { i18n } from 'i18next';
import { SUPPORTED_LOCALES, type Config } from '../config';
import type { Inbound } from '../dialogs/engine';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { isAllowedCountry, phoneAddress } from '../address';
import type { CitizenService } from '../services/citizens';
import { recordTextFrom } from '../services/unsolicited-sms';
import type { EphemeralStore } from '../store/ephemeral';
import type { Database, Queryable } from '../store/sql';
import type { Contacts } from './contacts';
import type { Desk } from './desk';
import { logTurnFailure } from './failures';
import type { InboundLog } from './inbound';
import { KeywordParser, normaliseInput } from './keywords';
import { MAX_TEXT, TextReplies, type PendingCodes, type TextTurn } from './replies';
import type { Turns } from './turns';

/** The channel name citizens' SMS conversations are recorded under, whichever provider carried them. */
export const SMS_CHANNEL = 'sms';

/** Queues a reply in the transaction that marks its text handled (Kannel: through sendsms). */
export type ReplyDelivery = (reply: Extract<SmsOutcome, { kind: 'reply' }>, tx: Queryable) => Promise<void>;

/** A text as a provider delivered it. */
export interface IncomingSms {
  /** The provider ('kannel', 'twilio'): message ids are unique per provider. */
  provider: string;
  /** The provider's id of this message (Twilio's MessageSid, Kannel's %I). */
  providerId: string;
  /** The sender's number, in whatever form the provider gives it. */
  from: string;
  text: string;
}

/** A text to answer, from a provider or the simulator. */
export interface TextMessage {
  /** `tel:+63…`, or `sim:+63…` for a simulated phone. */
  address: string;
  /** The channel it is recorded under (`sms`, `simulator`). */
  channel: string;
  text: string;
  /** The provider's message id: a text taken up again is answered from the turn it already had. */
  hopKey?: string;
  /** The mobile network vouches for the sender (a forged webhook is refused before this). */
  proven: boolean;
  /** Counted against SMS_REPLIES_PER_MINUTE (a real number can be pumped; a simulated one cannot). */
  limitFloods: boolean;
}

/** What to do about an incoming text: answer it, or acknowledge it and stay silent. */
export type SmsOutcome =
  | { kind: 'reply'; address: string; text: string }
  | {
      kind: 'silent';
      /**
       * `sender`: not a phone number (an operator's alphanumeric notice); `country`: outside
       * ALLOWED_COUNTRY_CODES; `duplicate`: this message id was handled before; `flood`: over
       * SMS_REPLIES_PER_MINUTE; `repeat`: a STOP from someone already opted out.
       */
      reason: 'sender' | 'country' | 'duplicate' | 'flood' | 'repeat';
    };

export interface SmsConversationDeps {
  config: Config;
  db: Database;
  store: EphemeralStore;
  turns: Turns;
  inbound: InboundLog;
  contacts: Contacts;
  i18n: i18n;
  citizens: CitizenService;
  log: Logger;
  metrics: Metrics;
  /** Requests filed at a centre for the sender: a reply that is one's code confirms it. */
  assisted?: PendingCodes;
  /** Complaints and the citizen's answers to officers, taken before the dialogs. */
  desk?: Desk;
}

/**
 * What both SMS providers share once a webhook is verified and parsed: the number is
 * normalised and checked against the allowed countries, the message id is recorded once
 * (a UNIQUE constraint, so a provider's retry is never handled twice), keywords are obeyed
 * (STOP and START even from a number over its flood limit), the flood limit is applied, and
 * the dialogs answer with a reply laid out within SMS_MAX_SEGMENTS.
 */
export class SmsConversation {
  private readonly keywords: KeywordParser;
  private readonly replies: TextReplies;
  private readonly log: Logger;

  constructor(private readonly deps: SmsConversationDeps) {
    this.keywords = KeywordParser.fromLocales(deps.i18n, SUPPORTED_LOCALES);
    this.replies = new TextReplies({ ...deps, keywords: this.keywords });
    this.log = deps.log.child({ name: 'conversation:sms' });
  }

  /**
   * Decides what an incoming text gets, and marks it handled: with `deliver`, in the transaction
   * that queues the reply, so a text is either answered and done or taken up again when its
   * provider resends it. Throws only when the records store is unreachable.
   */
  async receive(message: IncomingSms, deliver?: ReplyDelivery): Promise<SmsOutcome> {
    const address = phoneAddress(message.from);
    if (!address) return this.silent(SMS_CHANNEL, 'sender');
    if (!isAllowedCountry(address, this.deps.config.ALLOWED_COUNTRY_CODES)) return this.silent(SMS_CHANNEL, 'country');
    if (!(await this.deps.inbound.firstText(message.provider, message.providerId))) return this.silent(SMS_CHANNEL, 'duplicate');
    // A text, unlike a dial, makes its sender a contact: the network vouches for the number, and
    // what we send it from now on answers someone who wrote to us (recordTextFrom, below). Made
    // before the text is handled, so a DELETE it confirms is not undone by making them again.
    await this.deps.citizens.findOrCreate(address, SMS_CHANNEL);
    const outcome = await this.answer({ address, channel: SMS_CHANNEL, text: message.text, hopKey: `${message.provider}:${message.providerId}`, proven: true, limitFloods: true });
    await this.deps.db.transaction(async (tx) => {
      if (outcome.kind === 'reply' && deliver) await deliver(outcome, tx);
      await this.deps.inbound.textHandled(tx, message.provider, message.providerId);
      // The network vouches for an SMS's sender: what we send this phone is no longer unsolicited.
      await recordTextFrom(tx, address);
    });
    return outcome;
  }

  /**
   * What a text gets: a keyword's effect, or a dialog's answer. For a provider's text seen for
   * the first time (or taken up again), and for the simulator's texts, which have no provider
   * ids, no network to vouch for the sender (`proven`) and no flood limit.
   */
  async answer(message: TextMessage): Promise<SmsOutcome> {
    const { address, channel } = message;
    const text = normaliseInput(message.text).slice(0, MAX_TEXT);
    const keyword = this.keywords.parse(text);
    if (keyword?.kind === 'stop') return this.stop(message);
    let notice: string | undefined;
    if (keyword?.kind === 'start') {
      const citizen = await this.deps.citizens.findOrCreate(address, channel);
      if (await this.deps.contacts.optIn(citizen.id, { channel, noticeKey: 'sms:started' })) notice = 'sms:started';
    }
    if (message.limitFloods && !(await this.withinFloodLimit(address))) return this.silent(channel, 'flood');

    const inbound: Inbound = { channel, address, text, idleTimeout: this.deps.config.SMS_SESSION_TTL, proven: message.proven };
    try {
      // A thread's text lands in the thread whatever dialog is open (the rule: conversation/desk.ts).
      const receipt = await this.deps.desk?.take({ address, channel, text, keyword }).catch((error: unknown) => {
        logTurnFailure(this.log, error, 'the desk could not take a text; the citizen is told', { channel });
        throw error;
      });
      if (receipt !== undefined) return { kind: 'reply', address, text: receipt };
      const turn: TextTurn = async (extra, layout) => (await this.deps.turns.run({ ...inbound, ...extra }, layout)).text;
      const reply = await this.replies.answer(turn, { address, channel, text, keyword, notice, hopKey: message.hopKey });
      return { kind: 'reply', address, text: reply };
    } catch {
      // Logged and counted by the turn: the citizen still hears why there is no answer.
      return { kind: 'reply', address, text: this.replies.plain(this.deps.config.DEFAULT_LOCALE, 'sms:unavailable') };
    }
  }

  /** Counts a reply against the number's allowance for this minute; false when it is spent. */
  private async withinFloodLimit(address: string): Promise<boolean> {
    const count = await this.deps.store.increment(`sms:replies:${address}`, 60);
    return count <= this.deps.config.SMS_REPLIES_PER_MINUTE;
  }

  /** STOP: out of every announcement at once, confirmed the first time only. */
  private async stop({ address, channel, limitFloods }: TextMessage): Promise<SmsOutcome> {
    const { citizens, contacts, turns, config } = this.deps;
    const citizen = await citizens.findOrCreate(address, channel);
    const changed = await contacts.optOut(citizen.id, { channel, noticeKey: 'sms:stopped' });
    await turns.forget(address);
    if (!changed) return this.silent(channel, 'repeat');
    this.log.info({ citizenId: citizen.id }, 'citizen opted out by text');
    if (limitFloods && !(await this.withinFloodLimit(address))) return this.silent(channel, 'flood');
    this.deps.metrics.hops.inc({ channel, outcome: 'ok' });
    return { kind: 'reply', address, text: this.replies.plain(citizen.locale ?? config.DEFAULT_LOCALE, 'sms:stopped') };
  }

  private silent(channel: string, reason: Extract<SmsOutcome, { kind: 'silent' }>['reason']): SmsOutcome {
    this.deps.metrics.hops.inc({ channel, outcome: reason });
    if (reason !== 'duplicate') this.log.info({ reason }, 'text not answered');
    return { kind: 'silent', reason };
  }
}
