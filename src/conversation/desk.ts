import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { CitizenService } from '../services/citizens';
import { formatReference, parseReference } from '../services/reference';
import { ThreadLimitError, type AwaitingThread, type ThreadService } from '../services/threads';
import { preferGsm7 } from '../text/lookalikes';
import type { Keyword } from './keywords';

/** A text as the desk sees it, before any dialog: who, on which channel, and the keyword it is, if any. */
export interface DeskText {
  address: string;
  channel: string;
  text: string;
  keyword?: Keyword;
  /** A chat command (`/menu`): like a keyword, the citizen has turned to something else. */
  command?: boolean;
}

export interface DeskDeps {
  threads: ThreadService;
  citizens: CitizenService;
  i18n: i18n;
  defaultLocale: string;
}

/** A reference at the start of a text, then what follows it: `4821-7730-953 the office was closed`. */
const REFERENCE_PREFIX = /^(\d{4}[\s.-]?\d{4}[\s.-]?\d{3})(?![\d])[\s:,.-]*(.*)$/su;

/**
 * Which citizen's text is a thread's, decided before the menu dialogs see it (so it lands in the
 * thread even while a dialog is open). The rule, in order:
 * 1. A keyword (or a chat command) is never a thread's: it does what it always does, and no
 *    thread waits for the citizen's next text any more. `COMPLAINT <words>` files a new thread
 *    with those words at once (COMPLAINT alone opens the dialog that asks category and place).
 * 2. A text that starts with the reference of one of the citizen's threads that is not closed
 *    goes to that thread (the rest of the text is the message).
 * 3. Otherwise, the thread that waits for the citizen, if one does: a filing whose words are to
 *    come, an officer's reply within DESK_REPLY_HOURS, or the citizen's own message within
 *    DESK_FOLLOW_UP_MINUTES (a message sent in two parts).
 * Anything else goes to the dialogs, as before. The waits are rows in the records store, so a
 * restart of any process loses none.
 */
export class Desk {
  constructor(private readonly deps: DeskDeps) {}

  /** The answer to a text the desk took (a receipt in the citizen's language), or undefined when it is not the desk's. */
  async take(message: DeskText): Promise<string | undefined> {
    const { threads, citizens } = this.deps;
    if (message.keyword?.kind === 'complaint' && message.keyword.argument) {
      const citizen = await citizens.findOrCreate(message.address, message.channel);
      const locale = citizen.locale ?? this.deps.defaultLocale;
      try {
        const filed = await threads.file({ citizenId: citizen.id, channel: message.channel, text: message.keyword.argument });
        return this.say(locale, 'desk:sms.received', filed.reference);
      } catch (error) {
        if (error instanceof ThreadLimitError) return this.say(locale, 'desk:screen.limit');
        throw error;
      }
    }
    const citizen = await citizens.find(message.address, message.channel);
    if (!citizen) return undefined;
    if (message.keyword || message.command) {
      await threads.release(citizen.id);
      return undefined;
    }
    const prefixed = REFERENCE_PREFIX.exec(message.text.trim());
    const parsed = prefixed ? parseReference(prefixed[1]) : undefined;
    const named = parsed?.ok ? await threads.own(citizen.id, parsed.reference) : undefined;
    // Another reference (a request's, typed at the status question) is the dialogs', whatever waits.
    if (parsed?.ok && !named) return undefined;
    const thread: AwaitingThread | undefined = named ?? (await threads.awaiting(citizen.id));
    const words = named ? (prefixed?.[2] ?? '') : message.text;
    if (!thread || words.trim() === '') return undefined;
    const locale = citizen.locale ?? this.deps.defaultLocale;
    try {
      const { first } = await threads.citizenWrites(citizen.id, thread.id, words, message.channel);
      return this.say(locale, first ? 'desk:sms.received' : 'desk:sms.added', thread.reference);
    } catch (error) {
      if (error instanceof ThreadLimitError) return this.say(locale, 'desk:sms.limit');
      throw error;
    }
  }

  /** The text inviting the citizen to reply with their words, for the SMS that follows a USSD filing. */
  prompt(locale: string, reference: string): string {
    return this.say(locale, 'desk:sms.prompt', reference);
  }

  private say(locale: string, key: string, reference?: string): string {
    return preferGsm7([translate(this.deps.i18n, locale, { key, params: reference ? { reference: formatReference(reference) } : undefined })])[0];
  }
}
