import { translate } from '../../i18n';
import { telegramPages } from '../telegram/render';
import { telegramWording, type TelegramWording } from '../telegram/wording';
import { chatButtons, type ChatButton } from './layouts';
import type { SimulatorDeps } from '.';

/** A chat reply: the message and the buttons under it. */
export interface ChatReply {
  text: string;
  buttons: ChatButton[];
  final: boolean;
}

/**
 * Messages from a simulated phone's chat, answered as the Telegram adapter answers them: the
 * conversation layer's one command table (conversation/chat.ts), Telegram's wording for buttons
 * instead of a keypad, and its layout (body as text, options as buttons, at most eight a
 * message). What only Telegram has is left out: linking a phone number by sharing a contact,
 * and editing the pressed message in place.
 */
export class SimulatedChat {
  private readonly wording: TelegramWording;

  constructor(
    private readonly deps: SimulatorDeps,
    private readonly channel: string,
  ) {
    this.wording = telegramWording(deps.i18n);
  }

  /** The reply to one message or button press; undefined when the turn failed (logged by the layer). */
  async receive(address: string, typed: string): Promise<ChatReply | undefined> {
    const { conversation, config } = this.deps;
    const contact = await conversation.contacts.wrote(address, this.channel);
    const step = await conversation.chat.step(contact, typed, this.channel);
    if (step === 'unknown') return { text: this.t(contact.locale ?? config.DEFAULT_LOCALE, 'telegram.unknown_command'), buttons: [], final: false };
    if (step.said !== undefined) return { text: step.said, buttons: [], final: false };
    try {
      const reply = await conversation.chat.turn(contact, step, { name: this.channel, proven: false }, (screen) => telegramPages(this.wording.adapt(screen)));
      const locale = reply.screen?.locale ?? config.DEFAULT_LOCALE;
      const buttons = reply.screen ? chatButtons(this.wording.adapt(reply.screen), reply.text, this.t(locale, 'common.menu')) : [];
      return { text: step.notice ? `${this.t(locale, step.notice)}\n\n${reply.text}` : reply.text, buttons, final: reply.final };
    } catch {
      return undefined;
    }
  }

  private t(locale: string, key: string): string {
    return translate(this.deps.i18n, locale, { key });
  }
}
