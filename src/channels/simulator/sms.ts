import { SUPPORTED_LOCALES } from '../../config';
import type { Inbound } from '../../dialogs/engine';
import type { ResolvedScreen } from '../../dialogs/screen';
import { translate } from '../../i18n';
import type { CitizenService } from '../../services/citizens';
import { OptOutService } from '../../services/optout';
import { parseReference } from '../../services/reference';
import { KeywordParser, normaliseInput } from '../sms/keywords';
import { layoutSms } from '../sms/layout';
import { preferGsm7 } from '../sms/lookalikes';
import type { SimulatorDeps, SimulatorTurn } from '.';

/** Longest text passed on to the dialogs, as the SMS adapter cuts it. */
const MAX_INPUT = 320;

/**
 * Texts from a simulated phone, answered as the SMS adapter answers them: the same keyword
 * parser (every locale's HELP, STOP, START, MENU, STATUS <ref>, LANG <code>, INFO <word>), a
 * conversation keyed by the phone with SMS_SESSION_TTL of inactivity, and the SMS layout
 * within SMS_MAX_SEGMENTS. What it leaves out is what only a real network has: provider
 * message ids (nothing is retried here) and the flood limit.
 *
 * The keyword-to-dialog mapping mirrors `SmsConversation.answer` (src/channels/sms), which
 * records every text as channel 'sms' on a `tel:` address and so cannot serve `sim:` phones.
 */
export class SimulatedSms {
  private readonly keywords: KeywordParser;
  private readonly optOut: OptOutService;
  private readonly citizens: CitizenService;

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly turn: SimulatorTurn,
    private readonly channel: string,
  ) {
    this.keywords = KeywordParser.fromLocales(deps.i18n, SUPPORTED_LOCALES);
    this.optOut = new OptOutService(deps.db);
    this.citizens = deps.citizens;
  }

  /** The replies to one text: one, or none for a repeated STOP; undefined when a turn failed. */
  async receive(address: string, typed: string): Promise<string[] | undefined> {
    const text = normaliseInput(typed).slice(0, MAX_INPUT);
    const keyword = this.keywords.parse(text);
    const inbound = { address, text, idleTimeout: this.deps.config.SMS_SESSION_TTL };
    const run = async (extra: Partial<Inbound>, before?: string, after?: string) => (await this.turn({ ...inbound, ...extra }, (screen) => this.layout(screen, before, after)))?.text;
    const one = (reply: string | undefined) => (reply === undefined ? undefined : [reply]);

    switch (keyword?.kind) {
      case 'stop': {
        const citizen = await this.citizens.findOrCreate(address, this.channel);
        await this.deps.engine.forget(address);
        if (!(await this.optOut.optOut(citizen.id))) return [];
        return [this.plain(citizen.locale ?? this.deps.config.DEFAULT_LOCALE, 'sms:stopped')];
      }
      case 'start': {
        const citizen = await this.citizens.findOrCreate(address, this.channel);
        const notice = (await this.optOut.optIn(citizen.id)) ? 'sms:started' : undefined;
        return one(await run({ start: { dialog: 'menu' } }, notice));
      }
      case 'help':
        return one(await run({ start: { dialog: 'help' } }, undefined, 'sms:help'));
      case 'menu':
        return one(await run({ start: { dialog: 'menu' } }));
      case 'info':
        return one(await run({ start: { dialog: 'browse', params: keyword.argument ? { search: keyword.argument } : {} } }));
      case 'verify':
        return one(await run({ start: { dialog: 'verify', params: keyword.argument ? { code: keyword.argument } : {} } }));
      case 'lang': {
        const locale = keyword.argument ? this.keywords.language(keyword.argument) : undefined;
        if (!locale) return one(await run({ start: { dialog: 'language' } }));
        const citizen = await this.citizens.findOrCreate(address, this.channel);
        await this.citizens.setLocale(citizen.id, locale);
        return one(await run({ start: { dialog: 'menu' } }));
      }
      case 'status': {
        const parsed = keyword.argument ? parseReference(keyword.argument) : undefined;
        if (parsed?.ok) return one(await run({ start: { dialog: 'status', params: { reference: parsed.reference } } }));
        const asked = await run({ start: { dialog: 'status' } });
        // A mistyped reference: answered as if typed at the question, so the hint says what is wrong.
        return one(keyword.argument && asked !== undefined ? await run({ text: keyword.argument }) : asked);
      }
      default:
        return one(await run({}));
    }
  }

  /** The SMS adapter's layout, with a notice above the screen or a note below it (i18n keys). */
  private layout(screen: ResolvedScreen, before?: string, after?: string): { text: string }[] {
    const locale = screen.locale ?? this.deps.config.DEFAULT_LOCALE;
    const t = (key: string) => translate(this.deps.i18n, locale, { key });
    const body = [...(before ? [t(before)] : []), ...screen.body, ...(after ? [t(after)] : [])];
    return layoutSms({ ...screen, body }, { maxSegments: this.deps.config.SMS_MAX_SEGMENTS, hints: { choice: t('sms:hint.choice'), final: t('sms:hint.final') } });
  }

  /** A one-line answer outside any dialog, in GSM-7 when it can be. */
  private plain(locale: string, key: string): string {
    return preferGsm7([translate(this.deps.i18n, locale, { key })])[0];
  }
}
