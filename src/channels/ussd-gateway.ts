import { BlockList, isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { sameSecret } from '../secret';

/**
 * How a USSD gateway proves it is the gateway, the one rule for every USSD endpoint (Africa's
 * Talking today; Hubtel, Nalo, Arkesel, bdapps… when they come). A USSD hop's `phoneNumber` is
 * believed only from the gateway, so this check runs before anything else, even the body parser:
 *
 * - `USSD_TOKEN`: the `token` query parameter of the callback URL (the one thing every USSD
 *   aggregator lets you configure) must equal it. Only the query counts, not a header or the form,
 *   so the rule is the same for every gateway. Compared in constant time, on SHA-256 digests so
 *   the comparison cannot tell a length apart either.
 * - `USSD_ALLOWED_IPS`: the caller's address (`req.ip`: the socket's, or a forwarded one only
 *   through TRUST_PROXY) must be in one of these ranges.
 * - Both set: both must pass. Neither set: USSD is off and every USSD endpoint answers 403.
 *
 * A refusal is a 403 with a short `END` text: gateways show the body on the phone, and `END`
 * closes the session there rather than showing a raw error.
 */
export interface UssdGateway {
  /** False when neither USSD_TOKEN nor USSD_ALLOWED_IPS is set: every hop is refused. */
  readonly on: boolean;
  /** For the start-up log while USSD is off: how to turn it on. */
  readonly howToTurnOn: string;
  /** Express middleware to put first on every USSD route: next() for the gateway, else a 403. */
  readonly guard: RequestHandler;
  /** Why a request is refused (`token`, `address`, `off`), or undefined when it may pass. */
  refusal(req: Request): UssdRefusal | undefined;
}

/** What a refused hop lacked. */
export type UssdRefusal = 'off' | 'token' | 'address';

/** The bodies of a refused hop: short, the same for every cause but "off" (no hint to a guesser). */
const REFUSED = 'END Not authorised';
const OFF = 'END USSD is not configured on this server';

/** Builds the rule from the configuration; `onRefused` hears every refusal (for a log line). */
export function ussdGateway(
  config: Pick<Config, 'USSD_TOKEN' | 'USSD_ALLOWED_IPS'>,
  onRefused: (refusal: UssdRefusal, req: Request) => void = () => undefined,
): UssdGateway {
  const expected = config.USSD_TOKEN;
  const allowed = config.USSD_ALLOWED_IPS === undefined ? undefined : blockListOf(config.USSD_ALLOWED_IPS);
  const on = expected !== undefined || allowed !== undefined;

  const refusal = (req: Request): UssdRefusal | undefined => {
    if (!on) return 'off';
    if (expected !== undefined) {
      // A repeated `token` arrives as an array: only a single value counts.
      const given = req.query.token;
      if (typeof given !== 'string' || !sameSecret(given, expected)) return 'token';
    }
    if (allowed !== undefined && !isAllowed(allowed, req.ip ?? req.socket.remoteAddress ?? '')) return 'address';
    return undefined;
  };

  return {
    on,
    howToTurnOn:
      'USSD is off: every USSD endpoint answers 403 until USSD_TOKEN (32+ random characters, given to the gateway as ?token= in the callback URL) and/or USSD_ALLOWED_IPS (the gateway\'s addresses) is set; the phone simulator works without them',
    refusal,
    guard: (req: Request, res: Response, next: NextFunction) => {
      const refused = refusal(req);
      if (refused === undefined) {
        next();
        return;
      }
      onRefused(refused, req);
      res.status(403).type('text/plain').send(refused === 'off' ? OFF : REFUSED);
    },
  };
}



/** USSD_ALLOWED_IPS (validated by config.ts: addresses or `address/bits`) as a BlockList. */
function blockListOf(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, bits] = range.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    } catch {
      throw new Error(`USSD_ALLOWED_IPS: ${range} is not an address or a CIDR range`);
    }
  }
  return list;
}

/** Whether an address is in the list; an IPv4 address seen as IPv6 (`::ffff:a.b.c.d`) matches its IPv4 ranges. */
function isAllowed(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
