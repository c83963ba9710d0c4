import { addressKind } from '../address';
import type { Queryable } from '../store/sql';

/**
 * Where a citizen can be reached.
 *
 * The rule for status updates: **they reach the citizen on the channel they used last.**
 * Every message a citizen sends records the address and channel it came from, and the time
 * (`citizen_addresses.channel` and `last_seen_at`, written by `CitizenService.findOrCreate`).
 * A notification goes to the address written from most recently that is still reachable:
 * - a `tel:` address goes out by SMS, whether it was last used by SMS or by USSD (USSD cannot
 *   push a message);
 * - a `telegram:` address goes out through the Telegram bot;
 * - any other address through the channel it was last used on;
 * - an address marked unreachable (the citizen blocked the bot, Telegram refused a send with
 *   403) is skipped until the citizen writes from it again, so the next one is used;
 * - a phone linked from Telegram but never used to write to us ranks after every address the
 *   citizen did write from (linking records it as seen at the epoch).
 */

/** Where to send a citizen a message, and through which channel. */
export interface Reachable {
  address: string;
  channel: string;
}

/** The channel that can push a message to `address`, given the channel it was last used on. */
export function pushChannelFor(address: string, lastUsedChannel: string): string {
  const kind = addressKind(address);
  if (kind === 'tel') return 'sms';
  if (kind === 'telegram') return 'telegram';
  return lastUsedChannel;
}

/**
 * The address and channel a status update for `citizenId` should go to (the rule above), or
 * undefined when the citizen cannot be reached. `sendingChannels`, when given, limits the
 * choice to channels that are on in this deployment (e.g. no Telegram bot configured).
 */
export async function preferredAddress(db: Queryable, citizenId: number, sendingChannels?: readonly string[]): Promise<Reachable | undefined> {
  const rows = await db.query<{ address: string; channel: string }>(
    `SELECT address, channel FROM citizen_addresses
      WHERE citizen_id = $1 AND unreachable_since IS NULL
      ORDER BY last_seen_at DESC, address`,
    [citizenId],
  );
  for (const row of rows) {
    const channel = pushChannelFor(row.address, row.channel);
    if (!sendingChannels || sendingChannels.includes(channel)) return { address: row.address, channel };
  }
  return undefined;
}

/** Marks an address unreachable (bot blocked, send refused); nothing is sent there until it is cleared. */
export async function markUnreachable(db: Queryable, address: string): Promise<void> {
  await db.query('UPDATE citizen_addresses SET unreachable_since = now() WHERE address = $1 AND unreachable_since IS NULL', [address]);
}

/** Clears the mark: the citizen wrote from this address again (or unblocked the bot). */
export async function markReachable(db: Queryable, address: string): Promise<void> {
  await db.query('UPDATE citizen_addresses SET unreachable_since = NULL WHERE address = $1 AND unreachable_since IS NOT NULL', [address]);
}

/** True when the address is marked unreachable. */
export async function isUnreachable(db: Queryable, address: string): Promise<boolean> {
  const [row] = await db.query<{ unreachable: boolean }>(
    'SELECT unreachable_since IS NOT NULL AS unreachable FROM citizen_addresses WHERE address = $1',
    [address],
  );
  return row?.unreachable ?? false;
}
