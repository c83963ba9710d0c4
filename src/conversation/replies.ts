import type { i18n } from 'i18next';
import type { Config } from '../config';
import type { Inbound, Paginator } from '../dialogs/engine';
import type { ResolvedScreen } from '../dialogs/screen';
import { translate } from '../i18n';
import type { CitizenService } from '../services/citizens';
import { parseReference } from '../services/reference';
import type { Keyword, KeywordParser } from './keywords';
import { layoutSms } from '../text/sms-layout';
import { preferGsm7 } from '../text/lookalikes';

/** Longest text passed on to the dialogs; a form answer is never longer. */
export const MAX_TEXT = 320;

/** Tells whether a text is the confirmation code of a request filed at a centre for this phone. */
export interface PendingCodes {
  isPendingCode(address: string, text: string): Promise<boolean>;
}

/** One dialog turn for the text being answered, changed by `extra` (a dialog to start, other text); resolves to the reply. */
export type TextTurn = (extra: Partial<Inbound>, layout: Paginator) => Promise<string>;

/** A text to answer, after its keyword (STOP and START are the caller's: they differ around the dialogs). */
export interface Text {
  address: string;
  /** The channel the citizen is recorded under ('sms', or 'simulator'). */
  channel: string;
  text: string;
  keyword?: Keyword;
  /** An i18n key shown above the reply (START's "announcements are on again"). */
  notice?: string;
  /** The provider's message id: a text taken up again is answered from the turn it already had. */
  hopKey?: string;
}

export interface TextRepliesDeps {
  config: Config;
  i18n: i18n;
  citizens: CitizenService;
  keywords: KeywordParser;
  /** Requests filed at a centre for the sender: a reply that is one's code confirms it. */
  assisted?: PendingCodes;
}

/**
 * How a text is answered by the dialogs, the same for the SMS adapter and the simulator's SMS
 * (which differ in what surrounds it: provider ids, the flood limit, STOP and START): a keyword
 * decides where the dialogs start, and a reply is laid out within SMS_MAX_SEGMENTS.
 */
export class TextReplies {
  constructor(private readonly deps: TextRepliesDeps) {}

  async answer(turn: TextTurn, { address, channel, text, keyword, notice, hopKey }: Text): Promise<string> {
    const layout = (screen: ResolvedScreen) => this.layout(screen, notice);
    const start = (dialog: NonNullable<Inbound['start']>['dialog'], params?: Record<string, string>) => turn({ start: { dialog, params } }, layout);
    switch (keyword?.kind) {
      case 'help':
        return turn({ start: { dialog: 'help' } }, (screen) => this.layout(screen, undefined, 'sms:help'));
      case 'menu':
      case 'start':
        return start('menu');
      case 'mydata':
        return start('mydata');
      case 'delete':
        // Never at once: the dialog asks to confirm first.
        return start('mydata', { step: 'delete' });
      case 'info':
        return start('browse', keyword.argument ? { search: keyword.argument } : {});
      case 'charter':
        return start('browse', { charter: '1', ...(keyword.argument ? { search: keyword.argument } : {}) });
      case 'verify':
        return start('verify', keyword.argument ? { code: keyword.argument } : {});
      case 'complaint':
        // COMPLAINT with words was filed by the desk before the dialogs (conversation/desk.ts).
        return start('complaint');
      case 'lang': {
        const locale = keyword.argument ? this.deps.keywords.language(keyword.argument) : undefined;
        if (!locale) return start('language');
        const citizen = await this.deps.citizens.findOrCreate(address, channel);
        await this.deps.citizens.setLocale(citizen.id, locale);
        return start('menu');
      }
      case 'status': {
        const parsed = keyword.argument ? parseReference(keyword.argument) : undefined;
        if (parsed?.ok) return start('status', { reference: parsed.reference });
        const asked = await start('status');
        // A mistyped reference: answered as if typed at the question, so the hint says what is wrong.
        return keyword.argument ? turn({ text: keyword.argument }, layout) : asked;
      }
      default:
        // The six digits the centre's SMS asked for confirm that request, whatever the conversation was doing.
        if (await this.deps.assisted?.isPendingCode(address, text)) return start('confirm-assisted', { code: text });
        // One turn for this text, keyed by its message id: a text taken up again after a cut-short
        // handling gets the answer its first turn saved, never a second step.
        return turn({ hopKey }, layout);
    }
  }

  /** The SMS layout of a screen, with a notice above it or a note below it (i18n keys). */
  layout(screen: ResolvedScreen, before?: string, after?: string): { text: string }[] {
    const locale = screen.locale ?? this.deps.config.DEFAULT_LOCALE;
    const t = (key: string) => translate(this.deps.i18n, locale, { key });
    const body = [...(before ? [t(before)] : []), ...screen.body, ...(after ? [t(after)] : [])];
    return layoutSms({ ...screen, body }, { maxSegments: this.deps.config.SMS_MAX_SEGMENTS, hints: { choice: t('sms:hint.choice'), final: t('sms:hint.final') } });
  }

  /** A one-line answer outside any dialog (STOP's confirmation), in GSM-7 when it can be. */
  plain(locale: string, key: string): string {
    return preferGsm7([translate(this.deps.i18n, locale, { key })])[0];
  }
}
