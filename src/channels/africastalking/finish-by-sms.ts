import { createHash } from 'node:crypto';
import type { i18n } from 'i18next';
import type { Paginator, Reply } from '../../dialogs/engine';
import type { ResolvedScreen } from '../../dialogs/screen';
import { translate } from '../../i18n';
import type { Logger } from '../../log';
import { PRIORITY, type Outbox } from '../../outbox/outbox';
import { addressKind } from '../../services/address';
import type { EphemeralStore } from '../../store/ephemeral';
import { preferGsm7 } from '../sms/lookalikes';
import { smsSize } from '../sms/segments';

/**
 * Finishing a USSD screen by SMS. USSD shows 182 characters at a time and a gateway waits only
 * a few seconds for each answer, so two things end badly on a feature phone: a screen of many
 * pages (a long list, a service's requirements) and a hop whose work is slow (a ministry's
 * system). For both, the citizen is told "we will send the rest by SMS" and the screen's whole
 * text is queued in the outbox on the logical channel `sms`, once: a key per session and
 * content in the ephemeral store means a gateway's retry, or paging on through the same long
 * screen, never queues it twice. Only for phones (`tel:`), and only while SMS is on.
 */
export interface SmsFinishOptions {
  outbox: Outbox;
  store: EphemeralStore;
  i18n: i18n;
  log: Logger;
  defaultLocale: string;
  /** Whether a channel named `sms` can send; asked per hop (channels are wired after USSD). */
  smsOn: () => boolean;
  /** A screen of more pages than this is also sent by SMS (USSD_SMS_FINISH_PAGES). */
  pages: number;
  /** A hop slower than this is answered "we will send the answer by SMS" (USSD_SMS_FINISH_AFTER_MS). */
  afterMs: number;
  /** Most SMS parts the text may take (SMS_MAX_SEGMENTS); a longer one is cut at a line. */
  maxSegments: number;
}

/** How long the "already sent" mark is kept: longer than any USSD session. */
const SENT_MARK_SECONDS = 15 * 60;

/** One hop's view of finishing by SMS: the paginator to give the engine, and what to do after. */
export interface HopFinish {
  paginate: Paginator;
  /** Waits for the turn, or for the deadline: 'late' when the deadline came first. */
  within(turn: Promise<Reply>): Promise<Reply | 'late'>;
  /** After a turn in time: queues the screen when it was too long for USSD. */
  afterTurn(reply: Reply): Promise<void>;
  /** After a late turn: queues whatever it ends with (an apology if it fails). */
  afterLate(turn: Promise<Reply>): void;
  /** The "we will send the answer by SMS" text for a late hop. */
  lateNotice(): string;
}

export class SmsFinisher {
  constructor(private readonly options: SmsFinishOptions) {}

  /** For a hop from `address` in `session`; undefined when this hop cannot be finished by SMS. */
  forHop(address: string, session: string, paginate: Paginator): HopFinish | undefined {
    if (addressKind(address) !== 'tel' || !this.options.smsOn()) return undefined;
    const { i18n, pages, afterMs, defaultLocale, log } = this.options;
    let long = false;
    const notice = (key: string, locale = defaultLocale) => translate(i18n, locale, { key });
    return {
      paginate: (screen) => {
        const laid = paginate(screen);
        if (laid.length <= pages) return laid;
        long = true;
        return paginate({ ...screen, body: [notice('ussd.sms_rest', screen.locale), ...screen.body] });
      },
      within: async (turn) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), afterMs);
        });
        try {
          return await Promise.race([turn, deadline]);
        } finally {
          clearTimeout(timer);
        }
      },
      afterTurn: async (reply) => {
        if (long && reply.screen) await this.sendOnce(address, session, smsText(reply.screen, this.options.maxSegments), reply.screen.locale);
      },
      afterLate: (turn) => {
        turn
          .then((reply) => this.sendOnce(address, session, reply.screen ? smsText(reply.screen, this.options.maxSegments) : reply.text, reply.screen?.locale))
          .catch((error: unknown) => {
            log.error({ err: error }, 'a late USSD hop failed; the citizen is told by SMS');
            return this.sendOnce(address, session, notice('engine.unavailable'), defaultLocale);
          })
          .catch((error: unknown) => log.error({ err: error }, 'could not queue the SMS that finishes a USSD hop'));
      },
      lateNotice: () => notice('ussd.sms_later'),
    };
  }

  /** Queues `text` for `address` unless this session already queued the same text. */
  private async sendOnce(address: string, session: string, text: string, locale: string | undefined): Promise<void> {
    const key = `ussd-sms:${session}:${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    if (!(await this.options.store.setIfAbsent(key, '1', SENT_MARK_SECONDS))) return;
    try {
      await this.options.outbox.enqueue({ address, channel: 'sms', body: text, kind: 'notice', priority: PRIORITY.reply, locale });
    } catch (error) {
      await this.options.store.delete(key);
      throw error;
    }
  }
}

/**
 * A screen as one text message: its paragraphs and numbered options (their numbers still work
 * on USSD), in GSM-7 when look-alikes allow, cut at a line to fit `maxSegments` parts.
 */
export function smsText(screen: ResolvedScreen, maxSegments: number): string {
  const lines = preferGsm7([...screen.body, ...screen.options.map((option) => `${option.number} ${option.label}`)]);
  for (let count = lines.length; count > 0; count--) {
    const text = count === lines.length ? lines.join('\n') : `${lines.slice(0, count).join('\n')}\n..`;
    if (smsSize(text).segments <= maxSegments) return text;
  }
  return lines[0] ?? '';
}
