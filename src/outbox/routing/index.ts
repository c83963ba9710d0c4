import type { SendingChannel } from '../../channels/channel';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { EphemeralStore } from '../../store/ephemeral';
import { CircuitBreakers } from './breaker';
import { SmsRouter } from './router';
import { parseRoutes } from './routes';

/**
 * The SMS router of a deployment: SMS_ROUTES read against the providers that are on (start-up
 * fails on a bad one), and circuit breakers in the ephemeral store, shared by every instance.
 */
export function smsRouter(deps: { config: Config; store: EphemeralStore; log: Logger; lane: string; providers: readonly SendingChannel[] }): SmsRouter {
  const { config, store, log, lane, providers } = deps;
  const routes = parseRoutes(config.SMS_ROUTES, providers.map((provider) => provider.name));
  const breakers = new CircuitBreakers(store, {
    failures: config.SMS_BREAKER_FAILURES,
    windowSeconds: config.SMS_BREAKER_WINDOW_SECONDS,
    minReports: config.SMS_BREAKER_MIN_REPORTS,
    minDelivery: config.SMS_BREAKER_MIN_DELIVERY_PERCENT / 100,
    cooldownSeconds: config.SMS_BREAKER_COOLDOWN_SECONDS,
  });
  return new SmsRouter({ lane, providers, routes, breakers, log: log.child({ name: 'routing' }), deliveredMinMs: config.SMS_DELIVERED_MIN_SECONDS * 1000 });
}
