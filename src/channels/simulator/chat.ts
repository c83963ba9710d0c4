import type { Inbound } from '../../dialogs/engine';
import { translate } from '../../i18n';
import type { CitizenService } from '../../services/citizens';
import { OptOutService } from '../../services/optout';
import { parseReference } from '../../services/reference';
import { telegramPages } from '../telegram/render';
import { telegramWording, type TelegramWording } from '../telegram/wording';
import { chatButtons, type ChatButton } from './layouts';
import type { SimulatorDeps, SimulatorTurn } from '.';

/** A chat reply: the message and the buttons under it. */
export interface ChatReply {
  text: string;
  buttons: ChatButton[];
  final: boolean;
}

/** Longest text passed on to a dialog, as the Telegram adapter cuts it. */
const MAX_INPUT = 500;

/**
 * Messages from a simulated phone's chat, answered as the Telegram adapter answers them: the
 * same commands (`/start` from the top, `/menu`, `/language`, `/help`, `/status <ref>`,
 * `/stop`), the same wording for buttons instead of a keypad, and the same layout (body as
 * text, options as buttons, at most eight a message). What only Telegram has is left out:
 * linking a phone number by sharing a contact, and editing the pressed message in place.
 */
export class SimulatedChat {
  private readonly wording: TelegramWording;
  private readonly optOut: OptOutService;
  private readonly citizens: CitizenService;

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly turn: SimulatorTurn,
    private readonly channel: string,
  ) {
    this.wording = telegramWording(deps.i18n);
    this.optOut = new OptOutService(deps.db);
    this.citizens = deps.citizens;
  }

  /** The reply to one message or button press; undefined when the turn failed. */
  async receive(address: string, typed: string): Promise<ChatReply | undefined> {
    const text = typed.trim();
    const command = /^\/(\w+)(?:@\w+)?(?:\s+(.*))?$/s.exec(text);
    if (!command) return this.converse({ address, text: text.slice(0, MAX_INPUT) });
    const [, name, argument = ''] = command;
    switch (name.toLowerCase()) {
      case 'start':
        // From the top: the language question on first contact, the main menu after.
        await this.deps.engine.forget(address);
        return this.converse({ address, text: '' });
      case 'menu':
        return this.converse({ address, text: '', start: { dialog: 'menu' } });
      case 'language':
        return this.converse({ address, text: '', start: { dialog: 'language' } });
      case 'help':
        return this.converse({ address, text: '', start: { dialog: 'help' } });
      case 'status': {
        // A reference with a mistake is asked for again.
        const reference = parseReference(argument);
        return this.converse({ address, text: '', start: { dialog: 'status', params: reference.ok ? { reference: reference.reference } : undefined } });
      }
      case 'stop': {
        const citizen = await this.citizens.findOrCreate(address, this.channel);
        await this.optOut.optOut(citizen.id);
        return this.converse({ address, text: '', start: { dialog: 'menu' } }, 'telegram.stopped');
      }
      default: {
        const citizen = await this.citizens.findOrCreate(address, this.channel);
        return { text: this.t(citizen.locale ?? this.deps.config.DEFAULT_LOCALE, 'telegram.unknown_command'), buttons: [], final: false };
      }
    }
  }

  /** One engine turn, drawn as a message with buttons; a notice (an i18n key) goes above it. */
  private async converse(inbound: Omit<Inbound, 'channel'>, notice?: string): Promise<ChatReply | undefined> {
    const reply = await this.turn(inbound, (screen) => telegramPages(this.wording.adapt(screen)));
    if (!reply) return undefined;
    const locale = reply.screen?.locale ?? this.deps.config.DEFAULT_LOCALE;
    const buttons = reply.screen ? chatButtons(this.wording.adapt(reply.screen), reply.text, this.t(locale, 'common.menu')) : [];
    return { text: notice ? `${this.t(locale, notice)}\n\n${reply.text}` : reply.text, buttons, final: reply.final };
  }

  private t(locale: string, key: string): string {
    return translate(this.deps.i18n, locale, { key });
  }
}
