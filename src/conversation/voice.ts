import type { i18n } from 'i18next';
import { isAllowedCountry, phoneAddress, phoneNumberOf } from '../address';
import { parseQuietHours, type Config } from '../config';
import type { Paginator, Reply } from '../dialogs/engine';
import type { ResolvedScreen } from '../dialogs/screen';
import { translate } from '../i18n';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { CitizenService } from '../services/citizens';
import { isQuiet } from '../services/quiet-hours';
import type { EphemeralStore } from '../store/ephemeral';
import { localDay } from '../text/dates';
import { logTurnFailure } from './failures';
import type { SmsFinisher } from './finish-by-sms';
import type { Turns } from './turns';

/**
 * What the conversation layer needs of a spoken page (the voice channel's layout,
 * channels/voice/pages.ts): its sentences, whether it asks for letters, whether `0` means
 * something on it.
 */
export interface SpokenPage {
  text: string;
  lines: string[];
  locale: string;
  /** Lines said in another language than `locale`, by index (a language offered in its own words). */
  spokenIn?: Record<number, string>;
  letters: boolean;
  back: boolean;
  final: boolean;
  numDigits?: 1;
}

/** One step of a call, as the voice adapter parsed and verified it. */
export interface VoiceStep {
  /** The provider's call id (Twilio's CallSid). */
  call: string;
  /** The citizen's number: the caller on a call that came in, the called on a call-back. */
  phone: string;
  /** A call-back we placed (the greeting says so). */
  calledBack: boolean;
  /** The simulator's phone: the caller is `sim:<number>`, never a real citizen, and is never texted. */
  simulated?: boolean;
  /** The step this request answers (from the action URL; 0 for the call's first request). */
  step: number;
  /** The keys pressed (`#` already stripped); undefined on the call's first request, '' when nothing was pressed in time. */
  digits?: string;
}

/** What the adapter is to play: sentences (each in its locale), then wait for keys, connect, or hang up. */
export interface VoiceAnswer {
  lines: { text: string; locale: string }[];
  /** Wait for keys, answering step `step`; absent: the call ends (or is connected) after the lines. */
  gather?: { step: number; numDigits?: 1 };
  /** Connect the call to this number after the lines (the hand-over to a person). */
  dial?: string;
  /** The page on screen, for the simulator. */
  text: string;
}

/** A call's report, as the adapter parsed it: how it ended, for the missed-call call-back. */
export interface VoiceCallEnd {
  call: string;
  phone: string;
  /** Only a call that came in can be a flash; our own call-backs never are. */
  inbound: boolean;
  status: 'completed' | 'no-answer' | 'busy' | 'canceled' | 'failed' | 'other';
  /** Seconds the call lasted, when the provider said. */
  seconds?: number;
}

export interface VoiceConversationDeps {
  config: Config;
  i18n: i18n;
  log: Logger;
  metrics: Metrics;
  store: EphemeralStore;
  turns: Turns;
  citizens: CitizenService;
  finish: SmsFinisher;
  now: () => Date;
  /** Wakes the outbox dispatcher after a text is queued. */
  nudge: () => void;
}

/** What is kept per call between its steps: the step expected next and the page last spoken. */
interface CallState {
  step: number;
  page: SpokenPage;
  /** Steps in a row with no key pressed. */
  silent: number;
}

/** Longest input passed on: a keypad answer is a reference (11 digits) or a date (8). */
const MAX_INPUT = 40;
/** Kept longer than any call lasts (Twilio ends a call after 4 hours). */
const CALL_STATE_SECONDS = 4 * 3600;
/** A flash is called back at most once, however often its report is repeated or replayed. */
const FLASH_MARK_SECONDS = 3 * 24 * 3600;
/** Silent prompts before the call ends politely: the prompt is repeated once. */
const SILENT_LIMIT = 2;

/**
 * The turn of a voice call step, for any voice provider: one engine turn per keypress step
 * with the same dialogs as USSD, `*` repeating the last prompt, a replayed or out-of-order
 * request answered with the prompt already spoken (never a second turn), silence answered by
 * repeating once and then goodbye, a field needing letters finished by SMS, `0` on a screen
 * where it means nothing connecting to the office line while it is open, and the decision to
 * call back a missed call. An adapter parses and verifies its webhook into a VoiceStep and
 * renders the VoiceAnswer; nothing else.
 */
export class VoiceConversation {
  private readonly log: Logger;
  private readonly voiced: string[];
  private readonly callbackHours;
  private readonly handoverHours;

  constructor(private readonly deps: VoiceConversationDeps) {
    this.log = deps.log.child({ name: 'conversation:voice' });
    const { config } = deps;
    // The default locale first: a citizen's language the line cannot speak is heard in it.
    const spoken = Object.keys(config.VOICE_SAY);
    this.voiced = spoken.includes(config.DEFAULT_LOCALE) ? [config.DEFAULT_LOCALE, ...spoken.filter((locale) => locale !== config.DEFAULT_LOCALE)] : spoken;
    this.callbackHours = parseQuietHours(config.VOICE_CALLBACK_HOURS) ?? null;
    this.handoverHours = parseQuietHours(config.VOICE_HANDOVER_HOURS) ?? null;
  }

  /** The locales the line speaks, the one it falls back on first. */
  get locales(): readonly string[] {
    return this.voiced;
  }

  /** Whether the office line takes calls now (configured, and within VOICE_HANDOVER_HOURS). */
  handoverOpen(): boolean {
    return this.deps.config.VOICE_HANDOVER_NUMBER !== undefined && isQuiet(this.handoverHours, this.deps.now());
  }

  /**
   * Answers one step of a call, laid out by `layout`. Never throws: our failure is a polite
   * goodbye. Undefined when the number is not a phone number at all (the adapter answers 400).
   */
  async step(step: VoiceStep, layout: Paginator<SpokenPage>): Promise<VoiceAnswer | undefined> {
    const { config, i18n, store, metrics } = this.deps;
    const phone = phoneAddress(step.phone);
    if (!phone) return undefined;
    const address = step.simulated ? `sim:${phoneNumberOf(phone)}` : phone;
    const fallback = this.voiced[0] ?? config.DEFAULT_LOCALE;
    if (!isAllowedCountry(phone, config.ALLOWED_COUNTRY_CODES)) {
      metrics.hops.inc({ channel: 'voice', outcome: 'refused' });
      return this.goodbye([translate(i18n, fallback, { key: 'engine.not_served' })], fallback);
    }
    const key = `voice-call:${step.call}`;
    try {
      const state = parseState(await store.get(key));
      // A replay, or a request overtaken by a newer one: what was last said, never a second turn.
      if (state && step.step !== state.step) return this.prompt(state.page, state.step, []);
      const next = (state?.step ?? step.step) + 1;
      const keys = step.digits === undefined ? undefined : step.digits.slice(0, MAX_INPUT);
      if (state && keys === '') {
        const silent = state.silent + 1;
        if (silent >= SILENT_LIMIT) {
          await store.delete(key);
          return this.goodbye([translate(i18n, state.page.locale, { key: 'voice:goodbye_silent' })], state.page.locale);
        }
        return this.remember(key, { ...state, step: next, silent }, [translate(i18n, state.page.locale, { key: 'voice:no_input' })]);
      }
      if (state && keys === '*') return this.remember(key, { ...state, step: next, silent: 0 }, []);
      if (state && keys === '0' && !state.page.back && this.handoverOpen()) {
        await store.delete(key);
        metrics.hops.inc({ channel: 'voice', outcome: 'handover' });
        return { lines: [{ text: translate(i18n, state.page.locale, { key: 'voice:connecting' }), locale: state.page.locale }], dial: config.VOICE_HANDOVER_NUMBER, text: '' };
      }
      const session = `voice:${step.call}`;
      const reply = await this.deps.turns.run(
        { channel: 'voice', address, text: keys ?? '', session, hopKey: `${step.call}:${step.step}`, network: 'voice', locales: this.voiced },
        layout,
      );
      const page = pageOf(reply);
      const intro = state ? [] : await this.greeting(address, step.calledBack, page.locale);
      if (page.final) {
        await store.delete(key);
        return this.goodbye([...intro, ...page.lines], page.locale, page.text);
      }
      if (page.letters && reply.screen) return await this.finishBySms(key, address, session, reply.screen, page, next, intro);
      return await this.remember(key, { step: next, page, silent: 0 }, intro);
    } catch (error) {
      logTurnFailure(this.log, error, 'voice step not served; the caller hears a polite goodbye');
      metrics.hops.inc({ channel: 'voice', outcome: 'error' });
      return this.goodbye([translate(i18n, fallback, { key: 'voice:unavailable' })], fallback);
    }
  }

  /**
   * A call's end, for the missed-call call-back: the number to call back, when this was a
   * flash (not answered, or shorter than VOICE_CALLBACK_FLASH_SECONDS) from a served country,
   * within office hours, never twice for one call, and within the per-number and service-wide
   * daily limits (each call-back costs us a call). Undefined otherwise. Never throws.
   */
  async missed(end: VoiceCallEnd): Promise<string | undefined> {
    const { config, store, metrics, now } = this.deps;
    const flash =
      ['no-answer', 'busy', 'canceled'].includes(end.status) || (end.status === 'completed' && end.seconds !== undefined && end.seconds <= config.VOICE_CALLBACK_FLASH_SECONDS);
    if (!end.inbound || !flash || config.VOICE_CALLBACK_PER_NUMBER_PER_DAY === 0) return undefined;
    const address = phoneAddress(end.phone);
    if (!address || !isAllowedCountry(address, config.ALLOWED_COUNTRY_CODES)) return undefined;
    const count = (outcome: string) => metrics.hops.inc({ channel: 'voice', outcome: `callback-${outcome}` });
    if (!isQuiet(this.callbackHours, now())) {
      count('closed');
      return undefined;
    }
    try {
      if (!(await store.setIfAbsent(`voice-flash:${end.call}`, '1', FLASH_MARK_SECONDS))) return undefined;
      const day = localDay(now(), config.TIME_ZONE);
      const refused = await store.incrementAll([
        { key: `voice-callback:${day}:${address}`, limit: config.VOICE_CALLBACK_PER_NUMBER_PER_DAY, ttlSeconds: 2 * 24 * 3600 },
        { key: `voice-callback:${day}`, limit: config.VOICE_CALLBACK_PER_DAY, ttlSeconds: 2 * 24 * 3600 },
      ]);
      if (refused !== -1) {
        count(refused === 0 ? 'number-limit' : 'daily-limit');
        if (refused === 1) this.log.warn({ limit: config.VOICE_CALLBACK_PER_DAY }, 'VOICE_CALLBACK_PER_DAY reached: no more call-backs today');
        return undefined;
      }
      count('placed');
      return phoneNumberOf(address);
    } catch (error) {
      this.log.warn({ err: error }, 'could not decide on a call-back; none is made');
      return undefined;
    }
  }

  /** The first words of a call: welcome (or "calling you back"), and the rule for a language the line cannot speak. */
  private async greeting(address: string, calledBack: boolean, locale: string): Promise<string[]> {
    const { i18n, citizens } = this.deps;
    const lines = [translate(i18n, locale, { key: calledBack ? 'voice:called_back' : 'voice:welcome' })];
    const wanted = (await citizens.find(address, 'voice'))?.locale;
    if (wanted && wanted !== locale) {
      const language = translate(i18n, wanted, { key: `language.name_${wanted}` });
      lines.push(translate(i18n, locale, { key: 'voice:not_spoken', params: { language, fallback: translate(i18n, locale, { key: `language.name_${locale}` }) } }));
    }
    return lines;
  }

  /**
   * A field that needs letters: the screen is texted (the SMS reply continues the same dialog)
   * and the call ends; when it cannot be texted, the caller hears why and may go back.
   */
  private async finishBySms(key: string, address: string, session: string, screen: ResolvedScreen, page: SpokenPage, next: number, intro: string[]): Promise<VoiceAnswer> {
    const { i18n, store, finish, metrics } = this.deps;
    const say = (name: string) => translate(i18n, page.locale, { key: name });
    if (await finish.textScreen(address, session, screen, 'voice')) {
      this.deps.nudge();
      await store.delete(key);
      metrics.hops.inc({ channel: 'voice', outcome: 'texted' });
      return this.goodbye([...intro, say('voice:text_to_finish')], page.locale);
    }
    const unreachable: SpokenPage = { ...page, lines: [say('voice:letters_no_sms')], text: say('voice:letters_no_sms'), back: true };
    return this.remember(key, { step: next, page: unreachable, silent: 0 }, intro);
  }

  /** Saves the call's state and speaks its page after `before`, waiting for the keys of step `state.step`. */
  private async remember(key: string, state: CallState, before: string[]): Promise<VoiceAnswer> {
    await this.deps.store.set(key, JSON.stringify(state), CALL_STATE_SECONDS);
    return this.prompt(state.page, state.step, before);
  }

  private prompt(page: SpokenPage, step: number, before: string[]): VoiceAnswer {
    const lines = [
      ...before.map((text) => ({ text, locale: page.locale })),
      ...page.lines.map((text, index) => ({ text, locale: page.spokenIn?.[index] ?? page.locale })),
    ];
    return { lines, gather: { step, numDigits: page.numDigits }, text: page.text };
  }

  private goodbye(lines: string[], locale: string, text = lines.join('\n')): VoiceAnswer {
    return { lines: lines.map((line) => ({ text: line, locale })), text };
  }
}

/** The spoken page of a reply; a retried hop answered from the record has only text, spoken as it is. */
function pageOf(reply: Reply<SpokenPage>): SpokenPage {
  return reply.page ?? { text: reply.text, lines: reply.text.split('\n'), locale: reply.screen?.locale ?? 'en', letters: false, back: false, final: reply.final };
}

function parseState(raw: string | null): CallState | undefined {
  if (!raw) return undefined;
  try {
    const state = JSON.parse(raw) as CallState;
    return typeof state.step === 'number' && state.page && Array.isArray(state.page.lines) ? state : undefined;
  } catch {
    return undefined;
  }
}
