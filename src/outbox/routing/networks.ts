import { phoneNumberOf } from '../../address';
import table from './network-prefixes.json';

/**
 * The mobile network a phone number was issued on, from the prefix table in network-prefixes.json
 * (its sources are named there). Addresses are already E.164 (libphonenumber-js normalises
 * every number at the edge, src/address.ts), so this is a longest-prefix match on digits.
 */
export type Network = keyof typeof table.networks;

/** A number on no network of the table (another country, a landline, a block not yet listed). */
export const OTHER_NETWORK = 'other';

export const NETWORKS = Object.keys(table.networks) as Network[];

const prefixes = new Map(Object.entries(table.prefixes) as [string, Network][]);
const LONGEST = Math.max(...[...prefixes.keys()].map((prefix) => prefix.length));

/** The network of a `tel:` address, or `other`. */
export function networkOf(address: string): Network | typeof OTHER_NETWORK {
  const digits = phoneNumberOf(address)?.replace(/^\+/, '') ?? '';
  for (let length = Math.min(LONGEST, digits.length); length > 0; length--) {
    const network = prefixes.get(digits.slice(0, length));
    if (network) return network;
  }
  return OTHER_NETWORK;
}

/** A network's name for officers ("Smart/TNT"); `other` reads as "other networks". */
export function networkName(network: string): string {
  return (table.networks as Record<string, { name: string }>)[network]?.name ?? 'other networks';
}
