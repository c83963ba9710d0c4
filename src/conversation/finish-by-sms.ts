import { createHash } from 'node:crypto';
import type { i18n } from 'i18next';
import type { Paginator, Reply } from '../dialogs/engine';
import type { ResolvedScreen } from '../dialogs/screen';
import { translate } from '../i18n';
import type { Logger } from '../log';
import { PRIORITY, type Outbox } from '../outbox/outbox';
import { addressKind } from '../address';
import type { EphemeralStore } from '../store/ephemeral';
import { logTurnFailure } from './failures';
import { preferGsm7 } from '../text/lookalikes';
import { smsSize } from '../text/segments';

/**
 * Finishing a USSD screen by SMS. USSD shows 182 characters at a time and a gateway waits only
 * a few seconds for each answer, so two things end badly on a feature phone: a screen of many
 * pages (a long list, a service's requirements) and a hop whose work is slow (a ministry's
 * system). For both, the citizen is told "we will send the rest by SMS" and the screen's whole
 * text is queued in the outbox on the logical channel `sms`, once: a key per session and
 * content in the ephemeral store means a gateway's retry, or paging on through the same long
 * screen, never queues it twice. Only for phones (`tel:`), and only while SMS is on.
 *
 * Each such SMS is paid for and goes to a number the USSD gateway merely claims, so each is
 * taken from the unsolicited-SMS budget (services/unsolicited-sms.ts) before anything is
 * promised. Refused, a long screen pages on over USSD as if SMS were off, and a slow hop ends
 * with "please dial again": the screen never promises an SMS that will not come.
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
  /** Every SMS sent here is taken from it first (the unsolicited-SMS budget, services/unsolicited-sms.ts). */
  budget: SmsBudget;
}

/** What this needs of the unsolicited-SMS budget: may one more SMS go to `address`, caused by `cause`? */
export interface SmsBudget {
  take(request: { address: string; cause: { kind: string; source: string } }): Promise<{ allowed: boolean }>;
}

/** How long the "already sent" mark is kept: longer than any USSD session. */
const SENT_MARK_SECONDS = 15 * 60;


/** One hop's view of finishing by SMS: the layout to give the engine, and what to do after. */
export interface HopFinish {
  /** The hop's layout: a long screen this session already had texted says so on every page. */
  paginate: Paginator;
  /**
   * Waits for the turn, or for the deadline: 'late' when the deadline came first and an SMS
   * may follow; a reply to show otherwise (the turn's own, with "we will send the rest by SMS"
   * when its long screen is being texted, or "please dial again" when a late hop may not be).
   */
  within(turn: Promise<Reply>): Promise<Reply | 'late'>;
  /** After a turn in time: queues the long screen `within` promised. */
  afterTurn(reply: Reply): Promise<void>;
  /** After a late turn: queues whatever it ends with (an apology if it fails). */
  afterLate(turn: Promise<Reply>): void;
  /** The "we will send the answer by SMS" text for a late hop. */
  lateNotice(): string;
}

/** A screen too long for USSD, and what would be texted. */
interface LongScreen {
  screen: ResolvedScreen;
  text: string;
  mark: string;
}

export class SmsFinisher {
  constructor(private readonly options: SmsFinishOptions) {}

  /**
   * For a hop from `address` in `session`, through `network` (the gateway and mobile network,
   * e.g. `africastalking:51502`, whose hourly allowance its SMS take), laid out by `layout`;
   * undefined when this hop cannot be finished by SMS. Never fails: without its store, a hop
   * is simply not offered a screen already texted.
   */
  async forHop(address: string, session: string, layout: Paginator, network: string): Promise<HopFinish | undefined> {
    if (addressKind(address) !== 'tel' || !this.options.smsOn()) return undefined;
    const { i18n, pages, afterMs, defaultLocale, log, store, budget, maxSegments } = this.options;
    const cause = { kind: 'ussd-finish', source: `ussd:${network}` };
    const notice = (key: string, locale = defaultLocale) => translate(i18n, locale, { key });
    // Sized as the outbox will send it: a notice ends with its verification line.
    const asSent = (locale: string | undefined) => (text: string) => this.options.outbox.asSent(text, 'notice', locale);
    const noted = (screen: ResolvedScreen) => layout({ ...screen, body: [notice('ussd.sms_rest', screen.locale), ...screen.body] });
    // The long screen this session last had texted: paging on through it, its pages say so.
    const lastTextedKey = `ussd-sms:${session}:last`;
    const lastTexted = await store.get(lastTextedKey).catch(() => null);
    const longScreen = (screen: ResolvedScreen): LongScreen => {
      const text = smsText(screen, maxSegments, asSent(screen.locale));
      return { screen, text, mark: this.markOf(session, text) };
    };
    let promised: LongScreen | undefined;

    /** A long screen shown for the first time in this session: texted, and said so, if the budget allows. */
    const offer = async (reply: Reply): Promise<Reply> => {
      if (!reply.screen || (reply.pageCount ?? 1) <= pages) return reply;
      const long = longScreen(reply.screen);
      if (lastTexted === long.mark) return reply;
      if (!(await store.setIfAbsent(long.mark, '1', SENT_MARK_SECONDS))) return reply;
      if (!(await budget.take({ address, cause })).allowed) {
        await store.delete(long.mark);
        return reply;
      }
      promised = long;
      // The same page, laid out with the note on top (the next hop lays it out so itself).
      const page = Math.max(0, layout(long.screen).findIndex((laid) => laid.text === reply.text));
      const withNote = noted(long.screen);
      return { ...reply, text: withNote[Math.min(page, withNote.length - 1)].text };
    };

    return {
      paginate: (screen) => {
        const laid = layout(screen);
        if (laid.length <= pages || lastTexted === null) return laid;
        return lastTexted === longScreen(screen).mark ? noted(screen) : laid;
      },
      within: async (turn) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), afterMs);
        });
        let raced: Reply | 'late';
        try {
          raced = await Promise.race([turn, deadline]);
        } finally {
          clearTimeout(timer);
        }
        if (raced !== 'late') {
          return offer(raced).catch((error: unknown) => {
            log.warn({ err: error }, 'could not text a long USSD screen; it pages on over USSD');
            return raced;
          });
        }
        if ((await budget.take({ address, cause })).allowed) return 'late';
        turn.catch((error: unknown) => logTurnFailure(log, error, 'a late USSD hop failed after its session ended'));
        return { text: notice('ussd.late_dial_again'), final: true };
      },
      afterTurn: async () => {
        if (!promised) return;
        try {
          await this.options.outbox.enqueue({ address, channel: 'sms', body: promised.text, kind: 'notice', priority: PRIORITY.reply, locale: promised.screen.locale });
        } catch (error) {
          await store.delete(promised.mark);
          throw error;
        }
        await store.set(lastTextedKey, promised.mark, SENT_MARK_SECONDS).catch(() => undefined);
      },
      afterLate: (turn) => {
        turn
          .then((reply) => this.sendOnce(address, session, reply.screen ? smsText(reply.screen, maxSegments, asSent(reply.screen.locale)) : reply.text, reply.screen?.locale))
          .catch((error: unknown) => {
            logTurnFailure(log, error, 'a late USSD hop failed; the citizen is told by SMS');
            return this.sendOnce(address, session, notice('engine.unavailable'), defaultLocale);
          })
          .catch((error: unknown) => log.error({ err: error }, 'could not queue the SMS that finishes a USSD hop'));
      },
      lateNotice: () => notice('ussd.sms_later'),
    };
  }

  /**
   * Texts a whole screen to `address` once per `session`, within the unsolicited-SMS budget,
   * for a channel that cannot show it at all (a voice call at a field that needs letters: the
   * citizen answers it by SMS, which continues the same dialog). True when it was queued or
   * already had been; false when SMS is off, the address is not a phone, or the budget refused.
   */
  async textScreen(address: string, session: string, screen: ResolvedScreen, source: string): Promise<boolean> {
    if (addressKind(address) !== 'tel' || !this.options.smsOn()) return false;
    const text = smsText(screen, this.options.maxSegments);
    if ((await this.options.store.get(this.markOf(session, text))) !== null) return true;
    if (!(await this.options.budget.take({ address, cause: { kind: 'voice-finish', source } })).allowed) return false;
    await this.sendOnce(address, session, text, screen.locale);
    return true;
  }

  /** The key that marks `text` as texted in `session`. */
  private markOf(session: string, text: string): string {
    return `ussd-sms:${session}:${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
  }

  /** Queues `text` for `address` unless this session already queued the same text (its budget was taken when it was promised). */
  private async sendOnce(address: string, session: string, text: string, locale: string | undefined): Promise<void> {
    const key = this.markOf(session, text);
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
 * on USSD), in GSM-7 when look-alikes allow, cut at a line so that the message as it will be
 * sent (`asSent`: with the outbox's verification line) takes at most `maxSegments` parts.
 *
 * The cut is found by bisection: more lines never take fewer parts (a longer prefix, and a
 * character that forces UCS-2 stays in it), so a municipality's 1,244 centres cost a dozen
 * sizings, not one per line (which made a hop on that list take seconds, issue 22).
 */
export function smsText(screen: ResolvedScreen, maxSegments: number, asSent: (text: string) => string = (text) => text): string {
  const lines = preferGsm7([...screen.body, ...screen.options.map((option) => `${option.number} ${option.label}`)]);
  const whole = lines.join('\n');
  const fits = (text: string) => smsSize(asSent(text)).segments <= maxSegments;
  if (lines.length === 0 || fits(whole)) return whole;
  const cut = (count: number) => `${lines.slice(0, count).join('\n')}\n..`;
  // The most lines, fewer than all, whose cut text fits; the first line alone when none does.
  let low = 1;
  let high = lines.length - 1;
  if (!fits(cut(low))) return lines[0];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(cut(middle))) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}
