import type { i18n } from 'i18next';
import { isAllowedCountry, maskedAddress, phoneAddress } from '../address';
import type { Config } from '../config';
import type { DialogEngine, Reply } from '../dialogs/engine';
import { translate } from '../i18n';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { HopTrail } from '../services/hop-trail';
import { paginate, type PageLimits } from '../text/pages';
import { logTurnFailure } from './failures';
import type { SmsBudget, SmsFinisher } from './finish-by-sms';
import { PRIORITY, type Outbox } from '../outbox/outbox';
import type { CitizenService } from '../services/citizens';
import type { EphemeralStore } from '../store/ephemeral';
import { UssdHopLedger } from './ussd-hops';

/**
 * One USSD hop, as any gateway's adapter parsed it: who the gateway says is calling, in which
 * of its sessions, and the newest input only (an adapter of a gateway that sends the whole
 * path, like Africa's Talking, takes its last part).
 */
export interface UssdHop {
  /** The gateway family, as the hop trail and the network limits name it (`africastalking`, `hubtel`). */
  gateway: string;
  /** The gateway's own session id. */
  session: string;
  /** The caller's number as the gateway sent it; normalised here. */
  phone: string;
  /**
   * The gateway's hash of a caller whose number it hides (hSenid TAP's number masking): the
   * caller is then `masked:<gateway>:<hash>` (address.ts), a citizen of its own who is never
   * texted, and `phone` is not read. Only an adapter whose gateway masks numbers sets it.
   */
  masked?: string;
  /** The newest input ('' for the dial itself). */
  input: string;
  /** Identifies this exact hop within the session, so a gateway's retry gets the same screen. */
  hopKey: string;
  /**
   * The mobile network, as the adapter checked it (a code or name the gateway documents);
   * undefined when the gateway sent none or one that is not of its list: one "unknown" network,
   * so a forger cannot mint a fresh allowance per made-up name.
   */
  network?: string;
  /** The code dialled (`*347#`). */
  serviceCode?: string;
  /** The address the hop came from (`req.ip`), for the hop trail. */
  source?: string;
  /**
   * Inputs dialled after the service code on the session's first hop (`*347*2*1#` → ['2', '1']):
   * taken one by one as if typed, and the screen they lead to is shown.
   */
  shortcut?: string[];
}

/** What an adapter is to answer: a screen (`final` closes the session), or a hop refused before any turn. */
export type UssdAnswer = { kind: 'screen'; text: string; final: boolean } | { kind: 'bad-phone' };

/** A gateway's report that a session ended (Africa's Talking's end-of-session notification). */
export interface UssdSessionEnd {
  gateway: string;
  session: string;
  phone: string;
  /** The network's word on how it ended: the citizen finished, or it dropped. */
  status: 'completed' | 'dropped' | 'failed';
  network?: string;
  /** The code that was dialled, for the SMS that says how to continue. */
  serviceCode?: string;
}

export interface UssdConversationDeps {
  config: Config;
  engine: DialogEngine;
  i18n: i18n;
  log: Logger;
  metrics: Metrics;
  trail: HopTrail;
  outbox: Outbox;
  store: EphemeralStore;
  citizens: CitizenService;
  /** Every SMS to a phone that has not texted us is taken from it first (services/unsolicited-sms.ts). */
  budget: SmsBudget;
  /** Long or slow screens finished by SMS (when SMS is on). */
  finish: SmsFinisher;
  /** Whether a phone can be texted now (an SMS provider is on); asked when a session drops. */
  smsOn: () => boolean;
  /** Wakes the dispatcher after something is queued. */
  nudge: () => void;
}

/** Longest single input passed on; a keypad cannot type more in one screen anyway. */
const MAX_INPUT = 200;

/** Most shortcut inputs taken from one direct dial. */
const MAX_SHORTCUT = 8;

/**
 * The turn of a USSD hop, the same for every gateway family: the hop trail (no content), the
 * allowed countries, the session limits, finishing long or slow screens by SMS, the engine's
 * turn, and the polite `END` on our own failure. A gateway's adapter parses and verifies its
 * webhook into a UssdHop and writes the answer in its own format; nothing else.
 */
export class UssdConversation {
  private readonly log: Logger;
  /** The hops of sessions of gateways that number none (ussd-hops.ts): retries, and whether a session was left mid-way. */
  readonly hops: UssdHopLedger;

  constructor(private readonly deps: UssdConversationDeps) {
    this.log = deps.log.child({ name: 'conversation:ussd' });
    this.hops = new UssdHopLedger(deps.store, deps.config.USSD_SESSION_MAX_SECONDS * 2);
  }

  /** The screen size of a gateway: its USSD_GATEWAY_LIMITS entry, else USSD_MAX_CHARS and USSD_MAX_CHARS_UCS2. */
  limitsOf(gateway: string): PageLimits {
    const { config } = this.deps;
    return config.USSD_GATEWAY_LIMITS[gateway] ?? { gsm7: config.USSD_MAX_CHARS, ucs2: config.USSD_MAX_CHARS_UCS2 };
  }

  /** Answers one hop. Never throws: our failures are a polite final screen. */
  async hop(hop: UssdHop): Promise<UssdAnswer> {
    const { config, i18n, metrics, trail, engine, finish } = this.deps;
    const address = hop.masked !== undefined ? maskedAddress(hop.gateway, hop.masked) : phoneAddress(hop.phone);
    if (!address) return { kind: 'bad-phone' };
    trail.record({ gateway: hop.gateway, network: hop.network, source: hop.source, session: hop.session, serviceCode: hop.serviceCode, address });
    // Like SMS, only the countries this deployment serves: refused politely, no citizen made.
    if (!isAllowedCountry(address, config.ALLOWED_COUNTRY_CODES)) {
      metrics.hops.inc({ channel: 'ussd', outcome: 'refused' });
      return this.screen(translate(i18n, config.DEFAULT_LOCALE, { key: 'engine.not_served' }), true);
    }
    const stopTimer = metrics.hopSeconds.startTimer({ channel: 'ussd' });
    const session = `${hop.gateway}:${hop.session}`;
    // One name for the gateway and network, for every per-network allowance (reference misses,
    // unsolicited SMS).
    const network = `${hop.gateway}:${hop.network ?? 'unknown'}`;
    const limits = this.limitsOf(hop.gateway);
    const layout = (screen: Parameters<typeof paginate>[0]) => paginate(screen, limits);
    const inbound = {
      channel: 'ussd',
      address,
      session,
      network,
      sessionLimits: { idleSeconds: config.USSD_SESSION_IDLE_SECONDS, totalSeconds: config.USSD_SESSION_MAX_SECONDS },
    };
    try {
      const bySms = await finish.forHop(address, session, layout, network);
      const paginator = bySms?.paginate ?? layout;
      const turnOf = (text: string, hopKey: string) => engine.turn({ ...inbound, text: text.slice(0, MAX_INPUT), hopKey }, paginator);
      // A direct dial's inputs are taken in order first; only the last screen is the hop's.
      const inputs = [hop.input, ...(hop.shortcut ?? []).slice(0, MAX_SHORTCUT)];
      for (const [index, input] of inputs.slice(0, -1).entries()) {
        const passed = await turnOf(input, `${hop.hopKey}#${index}`);
        if (passed.final) return this.answered(passed);
      }
      const turn = turnOf(inputs[inputs.length - 1], hop.hopKey);
      if (!bySms) return this.answered(await turn);
      const raced = await bySms.within(turn);
      if (raced === 'late') {
        // The gateway would give up waiting: the session ends now and the answer follows by SMS.
        bySms.afterLate(turn);
        metrics.hops.inc({ channel: 'ussd', outcome: 'late' });
        return this.screen(bySms.lateNotice(), true);
      }
      await bySms.afterTurn(raced);
      return this.answered(raced);
    } catch (error) {
      // Our failure, not the caller's: a polite END (never a 5xx, which some gateways show raw).
      logTurnFailure(this.log, error, 'USSD hop not served; answered with a polite END');
      metrics.hops.inc({ channel: 'ussd', outcome: 'error' });
      return this.screen(translate(i18n, config.DEFAULT_LOCALE, { key: 'engine.unavailable' }), true);
    } finally {
      stopTimer();
    }
  }

  /**
   * A gateway's report that a session ended. A session that dropped with a form in progress
   * gets one SMS saying how to continue (within the unsolicited-SMS budget, once per session);
   * anything else is only counted. Never throws.
   */
  async ended(end: UssdSessionEnd): Promise<'texted' | 'nothing'> {
    const { engine, budget, outbox, i18n, config, metrics, store, citizens } = this.deps;
    metrics.hops.inc({ channel: 'ussd', outcome: `session-${end.status}` });
    const address = phoneAddress(end.phone);
    if (end.status === 'completed' || !address || !isAllowedCountry(address, config.ALLOWED_COUNTRY_CODES) || !this.deps.smsOn()) return 'nothing';
    try {
      if (!(await engine.suspended(address))) return 'nothing';
      // A gateway may repeat its report: one SMS per session at most.
      if (!(await store.setIfAbsent(`ussd-dropped:${end.gateway}:${end.session}`, '1', config.SESSION_TTL))) return 'nothing';
      const network = `${end.gateway}:${end.network ?? 'unknown'}`;
      if (!(await budget.take({ address, cause: { kind: 'ussd-dropped', source: `ussd:${network}` } })).allowed) return 'nothing';
      const locale = (await citizens.find(address, 'ussd'))?.locale ?? config.DEFAULT_LOCALE;
      const hours = Math.max(1, Math.floor(config.SESSION_TTL / 3600));
      const body = end.serviceCode
        ? translate(i18n, locale, { key: 'sms:ussd_dropped', params: { code: end.serviceCode, hours } })
        : translate(i18n, locale, { key: 'sms:ussd_dropped_any_code', params: { hours } });
      await outbox.enqueue({ address, channel: 'sms', body, kind: 'notice', priority: PRIORITY.reply, locale });
      this.deps.nudge();
      return 'texted';
    } catch (error) {
      this.log.warn({ err: error }, 'could not act on a USSD session-end report');
      return 'nothing';
    }
  }

  private answered(reply: Reply): UssdAnswer {
    this.deps.metrics.hops.inc({ channel: 'ussd', outcome: reply.final ? 'final' : 'ok' });
    return this.screen(reply.text, reply.final);
  }

  private screen(text: string, final: boolean): UssdAnswer {
    return { kind: 'screen', text, final };
  }
}
