import { EMERGENCY_BROADCAST_PRIORITY, type MessageKind } from '../outbox';
import { NETWORKS, OTHER_NETWORK } from './networks';

/** What a route may carry: answers to the citizen (and USSD finish-by-SMS), status updates, broadcasts, emergencies. */
export const ROUTE_KINDS = ['reply', 'status', 'broadcast', 'emergency'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** One way out to phones: a provider, the networks and kinds it carries, what a part costs. */
export interface Route {
  provider: string;
  /** Network ids of network-prefixes.json, or `other`; undefined means every network. */
  networks?: ReadonlySet<string>;
  /** Undefined means every kind. */
  kinds?: ReadonlySet<RouteKind>;
  /** Price of one SMS part (the currency of the deployment); the cheaper route wins. */
  cost: number;
  /** Lower wins between routes of one cost. */
  priority: number;
  /** Networks whose "delivered" reports from this provider are not believed (kept as sent, flagged). */
  distrust: ReadonlySet<string>;
}

/** The route kind of an outbox message: a USSD notice answers the citizen; an emergency is a broadcast of its priority. */
export function routeKind(kind: MessageKind, priority: number): RouteKind {
  if (kind === 'broadcast') return priority <= EMERGENCY_BROADCAST_PRIORITY ? 'emergency' : 'broadcast';
  return kind === 'notice' ? 'reply' : kind;
}

/** Today's behaviour without SMS_ROUTES: every provider that is on, for everything, in the fixed order. */
export function defaultRoutes(providers: readonly string[]): Route[] {
  return providers.map((provider, index) => ({ provider, cost: 0, priority: index + 1, distrust: new Set() }));
}

const NETWORK_IDS: readonly string[] = [...NETWORKS, OTHER_NETWORK];

/**
 * Reads SMS_ROUTES: routes separated by `;`, each a provider name then `key=value` words:
 * `networks=globe,smart` (or `*`), `kinds=reply,status,broadcast,emergency` (or `*`),
 * `cost=0.25`, `priority=1`, `distrust=smart`. Empty: `defaultRoutes`. Throws one line naming
 * the setting and the route when something is wrong, so start-up fails before anything is sent.
 */
export function parseRoutes(text: string | undefined, providers: readonly string[]): Route[] {
  if (!text?.trim()) return defaultRoutes(providers);
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const [provider, ...words] = part.split(/\s+/);
      const fail = (why: string): never => {
        throw new Error(`SMS_ROUTES: route ${index + 1} (${provider}): ${why}`);
      };
      if (!providers.includes(provider)) fail(`not an SMS provider that is on (on: ${providers.join(', ') || 'none'})`);
      const route: Route = { provider, cost: 0, priority: index + 1, distrust: new Set() };
      for (const word of words) {
        const [key, value = ''] = word.split('=', 2);
        const list = (known: readonly string[]) => {
          const items = value.split(',').filter(Boolean);
          const unknown = items.filter((item) => !known.includes(item));
          if (items.length === 0 || unknown.length > 0) fail(`${key}: ${unknown.join(', ') || 'empty'} is not one of ${known.join(', ')}`);
          return new Set(items);
        };
        const number = () => {
          const parsed = Number(value);
          if (value === '' || !Number.isFinite(parsed) || parsed < 0) fail(`${key} must be a number of at least 0`);
          return parsed;
        };
        if (key === 'networks') route.networks = value === '*' ? undefined : list(NETWORK_IDS);
        else if (key === 'kinds') route.kinds = value === '*' ? undefined : (list(ROUTE_KINDS) as Set<RouteKind>);
        else if (key === 'cost') route.cost = number();
        else if (key === 'priority') route.priority = number();
        else if (key === 'distrust') route.distrust = list(NETWORK_IDS);
        else fail(`unknown setting "${key}" (networks, kinds, cost, priority, distrust)`);
      }
      return route;
    });
}

/** The routes that carry `kind` to `network`, best first: cheapest, then lowest priority, then as listed. */
export function routesFor(routes: readonly Route[], network: string, kind: RouteKind): Route[] {
  return routes
    .map((route, index) => ({ route, index }))
    .filter(({ route }) => (!route.networks || route.networks.has(network)) && (!route.kinds || route.kinds.has(kind)))
    .sort((a, b) => a.route.cost - b.route.cost || a.route.priority - b.route.priority || a.index - b.index)
    .map(({ route }) => route);
}
