import { z } from 'zod';
import { encodingOf } from '../../text/gsm7';

/**
 * hSenid TAP's USSD wire format, as Robi's bdapps and Banglalink's Applink publish it (the
 * sources are in fixtures/session.json and the README part). USSD there is asynchronous:
 *
 * - MO: the platform POSTs JSON to the application's "Connection URL" for each hop:
 *   `{version, applicationId, sessionId, ussdOperation, sourceAddress, message, requestId,
 *   encoding, vlrAddress?}`, `ussdOperation` being `mo-init` (the dial; `message` is the code
 *   dialled) or `mo-cont` (the subscriber's answer). It is acknowledged at once with
 *   `{"statusCode":"S1000","statusDetail":"Success"}`.
 * - MT: the screen goes back as a separate POST to `ussd/send`:
 *   `{applicationId, password, message, sessionId, ussdOperation: mt-cont|mt-fin,
 *   destinationAddress, encoding, version}`, answered `{statusCode, statusDetail, requestId?,
 *   version?}` (HTTP 200 for the platform's own errors too: the outcome is `statusCode`).
 */

/** The operations that come in: the dial and each answer. */
export const MO_OPERATIONS = ['mo-init', 'mo-cont'] as const;

/** The MO hop, as far as Lingkod reads it (other fields are ignored). */
export const moSchema = z.object({
  version: z.string().max(10).optional(),
  applicationId: z.string().min(1).max(100),
  sessionId: z.string().min(1).max(100),
  ussdOperation: z.enum(MO_OPERATIONS),
  sourceAddress: z.string().min(1).max(140),
  message: z.string().max(1000).optional().default(''),
  requestId: z.string().min(1).max(100),
  encoding: z.string().max(10).optional(),
  vlrAddress: z.string().max(140).optional(),
});
export type MoHop = z.infer<typeof moSchema>;

/** The acknowledgement and the documented error codes Lingkod answers with. */
export const ACK = { statusCode: 'S1000', statusDetail: 'Success' } as const;
export const STATUS = {
  success: 'S1000',
  /** "Request is invalid": a mandatory field missing or malformed. */
  invalid: 'E1312',
  /** "Authentication failed". */
  authentication: 'E1313',
  /** "Format of the address is invalid". */
  address: 'E1325',
  /** "Cannot find the requested service, or it is not active". */
  notActive: 'E1315',
} as const;

/** The error body of the platform's own format. */
export function tapError(statusCode: string, statusDetail: string): { statusCode: string; statusDetail: string } {
  return { statusCode, statusDetail };
}

/**
 * The platform's answers to an MT that may succeed when tried again (a passing fault on its
 * side or a per-second limit): E1318 transactions per second exceeded, E1601 unexpected system
 * error, E1602 delivery failed, E1603 temporary system error. Any other code is final.
 */
export const TRANSIENT_CODES = new Set(['E1318', 'E1601', 'E1602', 'E1603']);

/** The `encoding` of an MT: 440 for text of the GSM alphabet, 16 for UCS-2 (Bangla). */
export const ENCODING = { text: '440', ucs2: '16' } as const;

export function encodingFor(text: string): string {
  return encodingOf(text) === 'ucs2' ? ENCODING.ucs2 : ENCODING.text;
}

/**
 * Who is calling, from `sourceAddress`: `tel:8801…` (or `tel:+8801…`) is a number; `tel:`
 * followed by anything else is the platform's hash of a number it masks (number masking is an
 * application setting on bdapps and Applink). Undefined when it is neither.
 */
export type Caller = { kind: 'number'; number: string } | { kind: 'masked'; hash: string };

const NUMBER = /^\+?\d{6,15}$/;
const HASH = /^[A-Za-z0-9_=+/.-]{6,128}$/;

export function callerOf(sourceAddress: string): Caller | undefined {
  const match = /^tel:\s*(.+)$/i.exec(sourceAddress.trim());
  if (!match) return undefined;
  const rest = match[1].trim();
  if (NUMBER.test(rest)) return { kind: 'number', number: rest.replace(/^\+/, '') };
  return HASH.test(rest) ? { kind: 'masked', hash: rest } : undefined;
}

/** A dial as the platform passes it on `mo-init` (`*213*2626#`), when it is one. */
const DIAL = /^\*[0-9*]{1,40}#$/;

export function serviceCodeOf(hop: MoHop): string | undefined {
  return hop.ussdOperation === 'mo-init' && DIAL.test(hop.message.trim()) ? hop.message.trim() : undefined;
}

/** One screen to send: what the MT request carries besides the credentials. */
export interface TapScreen {
  sessionId: string;
  /** The `sourceAddress` exactly as received. */
  destinationAddress: string;
  message: string;
  final: boolean;
  /** The API version the hop came with. */
  version: string;
}

/** The MT request body. */
export function mtBody(screen: TapScreen, credentials: { applicationId: string; password: string }): Record<string, string> {
  return {
    applicationId: credentials.applicationId,
    password: credentials.password,
    version: screen.version,
    message: screen.message,
    sessionId: screen.sessionId,
    ussdOperation: screen.final ? 'mt-fin' : 'mt-cont',
    destinationAddress: screen.destinationAddress,
    encoding: encodingFor(screen.message),
  };
}
