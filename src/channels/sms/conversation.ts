import type { i18n } from 'i18next';
import { SUPPORTED_LOCALES, type Config } from '../../config';
import type { DialogEngine, Inbound } from '../../dialogs/engine';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { isAllowedCountry, phoneAddress } from '../../address';
import type { CitizenService } from '../../services/citizens';
import type { OptOutService } from '../../services/optout';
import { recordTextFrom } from '../../services/unsolicited-sms';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Database, Queryable } from '../../store/sql';
import { KeywordParser, normaliseInput } from './keywords';
import { MAX_TEXT, TextReplies, type PendingCodes, type TextTurn } from './replies';

/** The channel name citizens' SMS conversations are recorded under, whichever provider carried them. */
export const SMS_CHANNEL = 'sms';

/**
 * A text recorded but never marked handled is taken up again when its provider resends it this
 * many seconds after it arrived: its first handling was cut short (a resend arriving sooner is
 * a replay of a text still being handled, and stays a duplicate). Kannel resends after
 * `http-queue-delay` (30 s in the README's configuration).
 */
const RETAKE_AFTER_SECONDS = 20;

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
  engine: DialogEngine;
  i18n: i18n;
  citizens: CitizenService;
  optOut: OptOutService;
  log: Logger;
  metrics: Metrics;
  /** Requests filed at a centre for the sender: a reply that is one's code confirms it. */
  assisted?: PendingCodes;
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
    this.log = deps.log.child({ name: 'channels:sms' });
  }

  /**
   * Decides what an incoming text gets, and marks it handled: with `deliver`, in the transaction
   * that queues the reply, so a text is either answered and done or taken up again when its
   * provider resends it. Throws only when the records store is unreachable.
   */
  async receive(message: IncomingSms, deliver?: ReplyDelivery): Promise<SmsOutcome> {
    const address = phoneAddress(message.from);
    if (!address) return this.silent('sender');
    if (!isAllowedCountry(address, this.deps.config.ALLOWED_COUNTRY_CODES)) return this.silent('country');
    if (!(await this.firstSight(message.provider, message.providerId))) return this.silent('duplicate');
    // A text, unlike a dial, makes its sender a contact: the network vouches for the number, and
    // what we send it from now on answers someone who wrote to us (recordTextFrom, below). Made
    // before the text is handled, so a DELETE it confirms is not undone by making them again.
    await this.deps.citizens.findOrCreate(address, SMS_CHANNEL);
    const outcome = await this.handle(address, message);
    await this.deps.db.transaction(async (tx) => {
      if (outcome.kind === 'reply' && deliver) await deliver(outcome, tx);
      await tx.query('UPDATE inbound_messages SET handled_at = now() WHERE channel = $1 AND provider_id = $2', [message.provider, message.providerId]);
      // The network vouches for an SMS's sender: what we send this phone is no longer unsolicited.
      await recordTextFrom(tx, address);
    });
    return outcome;
  }

  /** What a text seen for the first time (or taken up again) gets: a keyword's effect, or a dialog's answer. */
  private async handle(address: string, message: IncomingSms): Promise<SmsOutcome> {
    const { metrics } = this.deps;
    const text = normaliseInput(message.text).slice(0, MAX_TEXT);
    const keyword = this.keywords.parse(text);
    if (keyword?.kind === 'stop') return this.stop(address);
    let notice: string | undefined;
    if (keyword?.kind === 'start') {
      const citizen = await this.deps.citizens.findOrCreate(address, SMS_CHANNEL);
      if (await this.deps.optOut.optIn(citizen.id)) notice = 'sms:started';
    }
    if (!(await this.withinFloodLimit(address))) return this.silent('flood');

    // The mobile network vouches for an SMS's sender (a forged webhook is refused before this).
    const inbound: Inbound = { channel: SMS_CHANNEL, address, text, idleTimeout: this.deps.config.SMS_SESSION_TTL, proven: true };
    const stopTimer = metrics.hopSeconds.startTimer({ channel: SMS_CHANNEL });
    try {
      const turn: TextTurn = async (extra, layout) => (await this.deps.engine.turn({ ...inbound, ...extra }, layout)).text;
      const reply = await this.replies.answer(turn, { address, channel: SMS_CHANNEL, text, keyword, notice, hopKey: `${message.provider}:${message.providerId}` });
      metrics.hops.inc({ channel: SMS_CHANNEL, outcome: 'ok' });
      return { kind: 'reply', address, text: reply };
    } catch (error) {
      this.log.error({ err: error }, 'SMS turn failed; answered with a polite notice');
      metrics.hops.inc({ channel: SMS_CHANNEL, outcome: 'error' });
      return { kind: 'reply', address, text: this.replies.plain(this.deps.config.DEFAULT_LOCALE, 'sms:unavailable') };
    } finally {
      stopTimer();
    }
  }

  /**
   * Records a provider's message id; false when it was recorded before (a retry or a replay),
   * unless its handling was cut short long enough ago to take it up again (RETAKE_AFTER_SECONDS).
   */
  private async firstSight(provider: string, providerId: string): Promise<boolean> {
    const rows = await this.deps.db.query(
      `INSERT INTO inbound_messages (channel, provider_id) VALUES ($1, $2)
       ON CONFLICT (channel, provider_id) DO UPDATE SET received_at = now()
         WHERE inbound_messages.handled_at IS NULL AND inbound_messages.received_at < now() - make_interval(secs => $3)
       RETURNING provider_id`,
      [provider, providerId, RETAKE_AFTER_SECONDS],
    );
    return rows.length > 0;
  }

  /** Counts a reply against the number's allowance for this minute; false when it is spent. */
  private async withinFloodLimit(address: string): Promise<boolean> {
    const count = await this.deps.store.increment(`sms:replies:${address}`, 60);
    return count <= this.deps.config.SMS_REPLIES_PER_MINUTE;
  }

  /** STOP: out of every announcement at once, confirmed the first time only. */
  private async stop(address: string): Promise<SmsOutcome> {
    const { citizens, optOut, engine, config } = this.deps;
    const citizen = await citizens.findOrCreate(address, SMS_CHANNEL);
    const changed = await optOut.optOut(citizen.id);
    await engine.forget(address);
    if (!changed) return this.silent('repeat');
    this.log.info({ citizenId: citizen.id }, 'citizen opted out by SMS');
    if (!(await this.withinFloodLimit(address))) return this.silent('flood');
    this.deps.metrics.hops.inc({ channel: SMS_CHANNEL, outcome: 'ok' });
    return { kind: 'reply', address, text: this.replies.plain(citizen.locale ?? config.DEFAULT_LOCALE, 'sms:stopped') };
  }

  private silent(reason: Extract<SmsOutcome, { kind: 'silent' }>['reason']): SmsOutcome {
    this.deps.metrics.hops.inc({ channel: SMS_CHANNEL, outcome: reason });
    if (reason !== 'duplicate') this.log.info({ reason }, 'SMS not answered');
    return { kind: 'silent', reason };
  }
}
