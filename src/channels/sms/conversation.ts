import type { i18n } from 'i18next';
import { SUPPORTED_LOCALES, type Config } from '../../config';
import type { DialogEngine, Inbound } from '../../dialogs/engine';
import type { ResolvedScreen } from '../../dialogs/screen';
import { translate } from '../../i18n';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { isAllowedCountry, phoneAddress } from '../../services/address';
import type { CitizenService } from '../../services/citizens';
import type { OptOutService } from '../../services/optout';
import { parseReference } from '../../services/reference';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Database, Queryable } from '../../store/sql';
import { KeywordParser, normaliseInput, type Keyword } from './keywords';
import { layoutSms } from './layout';
import { preferGsm7 } from './lookalikes';

/** The channel name citizens' SMS conversations are recorded under, whichever provider carried them. */
export const SMS_CHANNEL = 'sms';

/** Longest text passed on to the dialogs; a form answer is never longer. */
const MAX_INPUT = 320;

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

/** Tells whether a text is the confirmation code of a request filed at a centre for this phone. */
export interface PendingCodes {
  isPendingCode(address: string, text: string): Promise<boolean>;
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
  private readonly log: Logger;

  constructor(private readonly deps: SmsConversationDeps) {
    this.keywords = KeywordParser.fromLocales(deps.i18n, SUPPORTED_LOCALES);
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
    const outcome = await this.handle(address, message);
    await this.deps.db.transaction(async (tx) => {
      if (outcome.kind === 'reply' && deliver) await deliver(outcome, tx);
      await tx.query('UPDATE inbound_messages SET handled_at = now() WHERE channel = $1 AND provider_id = $2', [message.provider, message.providerId]);
    });
    return outcome;
  }

  /** What a text seen for the first time (or taken up again) gets: a keyword's effect, or a dialog's answer. */
  private async handle(address: string, message: IncomingSms): Promise<SmsOutcome> {
    const { metrics } = this.deps;
    const text = normaliseInput(message.text).slice(0, MAX_INPUT);
    const keyword = this.keywords.parse(text);
    if (keyword?.kind === 'stop') return this.stop(address);
    let notice: string | undefined;
    if (keyword?.kind === 'start') {
      const citizen = await this.deps.citizens.findOrCreate(address, SMS_CHANNEL);
      if (await this.deps.optOut.optIn(citizen.id)) notice = 'sms:started';
    }
    if (!(await this.withinFloodLimit(address))) return this.silent('flood');

    const stopTimer = metrics.hopSeconds.startTimer({ channel: SMS_CHANNEL });
    try {
      const reply = await this.answer(address, text, keyword, notice, `${message.provider}:${message.providerId}`);
      metrics.hops.inc({ channel: SMS_CHANNEL, outcome: 'ok' });
      return { kind: 'reply', address, text: reply };
    } catch (error) {
      this.log.error({ err: error }, 'SMS turn failed; answered with a polite notice');
      metrics.hops.inc({ channel: SMS_CHANNEL, outcome: 'error' });
      return { kind: 'reply', address, text: this.plain(this.deps.config.DEFAULT_LOCALE, 'sms:unavailable') };
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
    return { kind: 'reply', address, text: this.plain(citizen.locale ?? config.DEFAULT_LOCALE, 'sms:stopped') };
  }

  /** Runs one turn of the dialogs, a keyword deciding where it starts. */
  private async answer(address: string, text: string, keyword: Keyword | undefined, notice: string | undefined, messageKey: string): Promise<string> {
    const { engine, citizens } = this.deps;
    const inbound: Inbound = { channel: SMS_CHANNEL, address, text, idleTimeout: this.deps.config.SMS_SESSION_TTL };
    const layout = (screen: ResolvedScreen) => this.layout(screen, notice);
    switch (keyword?.kind) {
      case 'help':
        return (await engine.turn({ ...inbound, start: { dialog: 'help' } }, (screen) => this.layout(screen, undefined, 'sms:help'))).text;
      case 'menu':
      case 'start':
        return (await engine.turn({ ...inbound, start: { dialog: 'menu' } }, layout)).text;
      case 'mydata':
        return (await engine.turn({ ...inbound, start: { dialog: 'mydata' } }, layout)).text;
      case 'delete':
        // Never at once: the dialog asks to confirm first.
        return (await engine.turn({ ...inbound, start: { dialog: 'mydata', params: { step: 'delete' } } }, layout)).text;
      case 'info':
        return (await engine.turn({ ...inbound, start: { dialog: 'browse', params: keyword.argument ? { search: keyword.argument } : {} } }, layout)).text;
      case 'verify':
        return (await engine.turn({ ...inbound, start: { dialog: 'verify', params: keyword.argument ? { code: keyword.argument } : {} } }, layout)).text;
      case 'lang': {
        const locale = keyword.argument ? this.keywords.language(keyword.argument) : undefined;
        if (!locale) return (await engine.turn({ ...inbound, start: { dialog: 'language' } }, layout)).text;
        const citizen = await citizens.findOrCreate(address, SMS_CHANNEL);
        await citizens.setLocale(citizen.id, locale);
        return (await engine.turn({ ...inbound, start: { dialog: 'menu' } }, layout)).text;
      }
      case 'status': {
        const parsed = keyword.argument ? parseReference(keyword.argument) : undefined;
        if (parsed?.ok) return (await engine.turn({ ...inbound, start: { dialog: 'status', params: { reference: parsed.reference } } }, layout)).text;
        const asked = await engine.turn({ ...inbound, start: { dialog: 'status' } }, layout);
        // A mistyped reference: answered as if typed at the question, so the hint says what is wrong.
        return keyword.argument ? (await engine.turn({ ...inbound, text: keyword.argument }, layout)).text : asked.text;
      }
      default:
        // The six digits the centre's SMS asked for confirm that request, whatever the conversation was doing.
        if (await this.deps.assisted?.isPendingCode(address, text)) {
          return (await engine.turn({ ...inbound, start: { dialog: 'confirm-assisted', params: { code: text } } }, layout)).text;
        }
        // One turn for this text, keyed by its message id: a text taken up again after a cut-short
        // handling gets the answer its first turn saved, never a second step.
        return (await engine.turn({ ...inbound, hopKey: messageKey }, layout)).text;
    }
  }

  /** The SMS layout of a screen, with a notice above it or a note below it (i18n keys), as a keyword wants. */
  private layout(screen: ResolvedScreen, before?: string, after?: string): { text: string }[] {
    const locale = screen.locale ?? this.deps.config.DEFAULT_LOCALE;
    const t = (key: string) => translate(this.deps.i18n, locale, { key });
    const body = [...(before ? [t(before)] : []), ...screen.body, ...(after ? [t(after)] : [])];
    return layoutSms({ ...screen, body }, { maxSegments: this.deps.config.SMS_MAX_SEGMENTS, hints: { choice: t('sms:hint.choice'), final: t('sms:hint.final') } });
  }

  /** A one-line answer outside any dialog (STOP's confirmation), in GSM-7 when it can be. */
  private plain(locale: string, key: string): string {
    return preferGsm7([translate(this.deps.i18n, locale, { key })])[0];
  }

  private silent(reason: Extract<SmsOutcome, { kind: 'silent' }>['reason']): SmsOutcome {
    this.deps.metrics.hops.inc({ channel: SMS_CHANNEL, outcome: reason });
    if (reason !== 'duplicate') this.log.info({ reason }, 'SMS not answered');
    return { kind: 'silent', reason };
  }
}
