import type { SendError, SendingChannel } from '../../channels/channel';
import type { Logger } from '../../log';
import { smsSize } from '../../text/segments';
import type { Leg, Plan, Routing } from '../dispatcher';
import type { ClaimedMessage, DeliveryJudge } from '../outbox';
import type { CircuitBreakers } from './breaker';
import { networkName, networkOf } from './networks';
import { routeKind, routesFor, type Route } from './routes';

/** How long messages wait when every route that carries them is open (released, not counted as an attempt). */
export const ALL_OPEN_WAIT_MS = 5000;

/** A delivery report of a routed SMS, as the outbox hands it over. */
type DeliveryReport = Parameters<DeliveryJudge>[0];

export interface SmsRouterOptions {
  /** The logical lane phones are queued under (`sms`). */
  lane: string;
  /** The SMS providers that are on, by name. */
  providers: readonly SendingChannel[];
  routes: readonly Route[];
  breakers: CircuitBreakers;
  log: Logger;
  /** A "delivered" sooner than this after the send was recorded is not believed (0: no such check). */
  deliveredMinMs: number;
}

/**
 * Chooses the provider for each SMS. A message queued under the logical lane goes by the
 * recipient's network and the message's kind to the cheapest route whose breaker is not open
 * (after a failure, another route first); a message queued under a provider (a reply to a
 * citizen's text) goes back on that provider. Every send, refusal and delivery report feeds
 * the route's breaker for the network. Every leg spends as many tokens of its provider's
 * bucket as the message has SMS parts.
 */
export class SmsRouter implements Routing {
  private readonly byName: Map<string, SendingChannel>;
  /** The routes per network and kind, best first: the table is fixed, so each pair is sorted once. */
  private readonly candidates = new Map<string, Route[]>();

  constructor(private readonly options: SmsRouterOptions) {
    this.byName = new Map(options.providers.map((provider) => [provider.name, provider]));
  }

  async plan(lane: SendingChannel, message: ClaimedMessage): Promise<Plan> {
    const sms = this.byName.has(lane.name) || lane.name === this.options.lane;
    if (!sms) return { channel: lane, tokens: 1 };
    const tokens = smsSize(message.body).segments;
    if (lane.name !== this.options.lane) return { channel: lane, tokens, route: lane.name, network: networkOf(message.address) };
    // No provider to route between (a lane that sends by itself, as tests and the simulator give): it sends.
    if (this.options.routes.length === 0) return { channel: lane, tokens };
    const network = networkOf(message.address);
    const kind = routeKind(message.kind, message.priority);
    const pair = `${network}:${kind}`;
    const routes = this.candidates.get(pair) ?? routesFor(this.options.routes, network, kind);
    this.candidates.set(pair, routes);
    if (routes.length === 0) return { fail: `no SMS route carries ${kind} messages to ${networkName(network)} (SMS_ROUTES)` };
    // A message that failed on a route tries the others first.
    const ordered = message.failedBefore ? [...routes.filter((route) => route.provider !== message.route), ...routes.filter((route) => route.provider === message.route)] : routes;
    for (const [index, route] of ordered.entries()) {
      const state = await this.stateOf(route.provider, network);
      if (state === 'open') continue;
      const probe = state === 'half-open';
      if (probe && !(await this.options.breakers.claimProbe(route.provider, network).catch(() => false))) continue;
      return { channel: this.byName.get(route.provider)!, tokens, route: route.provider, network, probe, alternatives: ordered.length - 1 - index };
    }
    return { hold: ALL_OPEN_WAIT_MS };
  }

  /** A breaker that cannot be read counts as closed: sending on goes on as without routing. */
  private async stateOf(route: string, network: string) {
    try {
      return await this.options.breakers.state(route, network);
    } catch (error) {
      this.options.log.warn({ err: error, route }, 'circuit breaker unavailable; route treated as closed');
      return 'closed' as const;
    }
  }

  async settled(leg: Leg, error?: SendError): Promise<void> {
    if (!leg.route || !leg.network) return;
    const { breakers, log } = this.options;
    try {
      // The recipient's own reason (opted out at the carrier, not a phone) says nothing of the route.
      if (!error) await breakers.accepted(leg.route, leg.network, leg.probe ?? false);
      else if (!error.unreachable && (await breakers.refused(leg.route, leg.network, leg.probe ?? false))) {
        log.warn({ route: leg.route, network: leg.network }, 'SMS route refused too many messages for this network; traffic moves to the next route');
      }
    } catch (failure) {
      log.warn({ err: failure, route: leg.route }, 'circuit breaker not updated');
    }
  }

  /**
   * Judges a delivery report and counts it on its route's breaker. A "delivered" is doubted
   * (kept as sent, with the reason) when the route's reports for the network are distrusted
   * (SMS_ROUTES `distrust=`) or it came impossibly soon after the send was recorded; a doubted
   * report counts neither way. Returns the doubt, or undefined when the report is believed.
   */
  async report(report: DeliveryReport): Promise<string | undefined> {
    if (report.status === 'sent') return undefined;
    const network = networkOf(report.address);
    const route = this.options.routes.find((candidate) => candidate.provider === report.route);
    const doubt = report.status === 'delivered' ? this.doubt(report, network, route) : undefined;
    if (doubt) return doubt;
    try {
      if (await this.options.breakers.reported(report.route, network, report.status === 'delivered')) {
        this.options.log.warn({ route: report.route, network }, 'SMS route delivery rate fell below the threshold for this network; traffic moves to the next route');
      }
    } catch (error) {
      this.options.log.warn({ err: error, route: report.route }, 'circuit breaker not updated');
    }
    return undefined;
  }

  private doubt(report: DeliveryReport, network: string, route: Route | undefined): string | undefined {
    if (route?.distrust.has(network)) return `reported delivered by ${report.route}, whose delivery reports for ${networkName(network)} are not trusted`;
    if (!report.sentAt) return `reported delivered by ${report.route} before it was recorded as sent`;
    const { deliveredMinMs } = this.options;
    if (deliveredMinMs > 0 && Date.now() - report.sentAt.getTime() < deliveredMinMs) {
      return `reported delivered by ${report.route} within ${deliveredMinMs / 1000} s of sending: too soon to believe`;
    }
    return undefined;
  }
}
