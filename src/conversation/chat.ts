import { addressKind } from '../address';
import type { Inbound, Paginator, Reply } from '../dialogs/engine';
import type { Logger } from '../log';
import { parseReference } from '../services/reference';
import type { Contact, Contacts } from './contacts';
import type { Desk } from './desk';
import type { Turns } from './turns';

/** The channel a chat's consent changes are recorded under: its address's kind (`telegram`, or `sim` for the simulator's chat). */
const chatChannel = (contact: Contact) => addressKind(contact.address) ?? 'chat';

/** Longest text passed on to a dialog from a chat; a form field is never longer. */
const MAX_INPUT = 500;

/** A command a chat understands, as typed (`/status 4821-7730-953`, `/start@LingkodBot`). */
export interface ChatCommand {
  name: string;
  argument: string;
}

/**
 * What to do after a command or a message: one dialog turn, started where `start` says (or
 * where the conversation is), with a notice above the screen (an i18n key) and, after STOP, a
 * button offering announcements back.
 */
export interface ChatStep {
  text: string;
  /** A plain answer instead of a turn: the desk took the message into a thread (its receipt). */
  said?: string;
  start?: Inbound['start'];
  notice?: string;
  offerOptIn?: boolean;
}

export interface ChatConversationDeps {
  contacts: Contacts;
  /** Complaints and the citizen's answers to officers, taken before the dialogs (conversation/desk.ts). */
  desk?: Desk;
  turns: Turns;
  log: Logger;
}

/**
 * Chats with buttons (Telegram, and the simulator's chat that imitates it): the one command
 * table, opt-out and back in, and their turns. The adapter draws the screen and sends it.
 *
 * | command | does |
 * |---|---|
 * | /start | from the top: the language question on first contact, the main menu after |
 * | /menu, /language, /help | that dialog |
 * | /status [reference] | checks at once; a reference with a mistake is asked for again |
 * | /stop | out of every announcement; the menu, with a button to turn them back on |
 * | /complaint | the complaint or question dialog |
 *
 * A message that is not a command goes first to the desk, which keeps it when one of the
 * citizen's threads waits for it (the rule: conversation/desk.ts); any command ends that wait.
 */
export class ChatConversation {
  private readonly log: Logger;

  constructor(private readonly deps: ChatConversationDeps) {
    this.log = deps.log.child({ name: 'conversation:chat' });
  }

  /** The command a text is, or undefined for an ordinary message. */
  parseCommand(text: string): ChatCommand | undefined {
    const command = /^\/(\w+)(?:@\w+)?(?:\s+(.*))?$/s.exec(text.trim());
    return command ? { name: command[1].toLowerCase(), argument: (command[2] ?? '').trim() } : undefined;
  }

  /** What a message on `channel` leads to: the desk's receipt, a command's step, a plain message's turn, or 'unknown' for a command we do not have. */
  async step(contact: Contact, typed: string, channel: string): Promise<ChatStep | 'unknown'> {
    const text = typed.trim();
    const command = this.parseCommand(text);
    const said = await this.deps.desk?.take({ address: contact.address, channel, text: text.slice(0, MAX_INPUT), command: command !== undefined });
    if (said !== undefined) return { text: '', said };
    if (!command) return { text: text.slice(0, MAX_INPUT) };
    switch (command.name) {
      case 'start':
        await this.deps.turns.forget(contact.address);
        return { text: '' };
      case 'menu':
        return { text: '', start: { dialog: 'menu' } };
      case 'language':
        return { text: '', start: { dialog: 'language' } };
      case 'help':
        return { text: '', start: { dialog: 'help' } };
      case 'complaint':
        return { text: '', start: { dialog: 'complaint' } };
      case 'status': {
        const reference = parseReference(command.argument);
        return { text: '', start: { dialog: 'status', params: reference.ok ? { reference: reference.reference } : undefined } };
      }
      case 'stop':
        await this.deps.contacts.optOut(contact.citizenId, { channel: chatChannel(contact), noticeKey: 'dialogs:telegram.stopped' });
        this.log.info('a citizen opted out of announcements');
        return { text: '', start: { dialog: 'menu' }, notice: 'telegram.stopped', offerOptIn: true };
      default:
        return 'unknown';
    }
  }

  /** The citizen pressed "turn announcements back on". */
  async optIn(contact: Contact): Promise<ChatStep> {
    await this.deps.contacts.optIn(contact.citizenId, { channel: chatChannel(contact), noticeKey: 'dialogs:telegram.restarted' });
    this.log.info('a citizen turned announcements back on');
    return { text: '', start: { dialog: 'menu' }, notice: 'telegram.restarted' };
  }

  /** One turn for a step; `proven`: the chat provider vouches for the address. */
  turn<P extends { text: string }>(
    contact: Contact,
    step: Pick<ChatStep, 'text' | 'start'>,
    channel: { name: string; proven: boolean; localeHint?: string },
    layout: Paginator<P>,
  ): Promise<Reply<P>> {
    return this.deps.turns.run(
      { channel: channel.name, address: contact.address, text: step.text, start: step.start, localeHint: channel.localeHint, proven: channel.proven },
      layout,
    );
  }
}
