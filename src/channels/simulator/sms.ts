import { SUPPORTED_LOCALES } from '../../config';
import type { CitizenService } from '../../services/citizens';
import { OptOutService } from '../../services/optout';
import { KeywordParser, normaliseInput } from '../sms/keywords';
import { MAX_TEXT, TextReplies, type TextTurn } from '../sms/replies';
import type { SimulatorDeps, SimulatorTurn } from '.';

/**
 * Texts from a simulated phone, answered as the SMS adapter answers them: the same keyword
 * parser and the same keyword-to-dialog answers (src/channels/sms/replies.ts), a conversation
 * keyed by the phone with SMS_SESSION_TTL of inactivity, and the SMS layout within
 * SMS_MAX_SEGMENTS. What it leaves out is what only a real network has: provider message ids
 * (nothing is retried here) and the flood limit. STOP and START are its own, because the SMS
 * adapter's record opting out for a `tel:` address and simulated phones are `sim:` ones.
 */
export class SimulatedSms {
  private readonly keywords: KeywordParser;
  private readonly replies: TextReplies;
  private readonly optOut: OptOutService;
  private readonly citizens: CitizenService;

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly turn: SimulatorTurn,
    private readonly channel: string,
  ) {
    this.keywords = KeywordParser.fromLocales(deps.i18n, SUPPORTED_LOCALES);
    this.replies = new TextReplies({ ...deps, keywords: this.keywords });
    this.optOut = new OptOutService(deps.db);
    this.citizens = deps.citizens;
  }

  /** The replies to one text: one, or none for a repeated STOP; undefined when a turn failed. */
  async receive(address: string, typed: string): Promise<string[] | undefined> {
    const text = normaliseInput(typed).slice(0, MAX_TEXT);
    const keyword = this.keywords.parse(text);
    if (keyword?.kind === 'stop') {
      const citizen = await this.citizens.findOrCreate(address, this.channel);
      await this.deps.engine.forget(address);
      if (!(await this.optOut.optOut(citizen.id))) return [];
      return [this.replies.plain(citizen.locale ?? this.deps.config.DEFAULT_LOCALE, 'sms:stopped')];
    }
    let notice: string | undefined;
    if (keyword?.kind === 'start') {
      const citizen = await this.citizens.findOrCreate(address, this.channel);
      if (await this.optOut.optIn(citizen.id)) notice = 'sms:started';
    }
    const inbound = { address, text, idleTimeout: this.deps.config.SMS_SESSION_TTL };
    // The simulator's turn answers undefined when it failed (already logged): no reply then.
    const turn: TextTurn = async (extra, layout) => {
      const reply = await this.turn({ ...inbound, ...extra }, layout);
      if (!reply) throw new TurnFailed();
      return reply.text;
    };
    try {
      return [await this.replies.answer(turn, { address, channel: this.channel, text, keyword, notice })];
    } catch (error) {
      if (error instanceof TurnFailed) return undefined;
      throw error;
    }
  }
}

/** A simulator turn that failed, already logged and counted by the turn itself. */
class TurnFailed extends Error {}
