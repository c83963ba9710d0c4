import { parseRawQuery } from '../kannel/wire';

/**
 * USSD carried in SMPP 3.4 (`deliver_sm` from the gateway, `submit_sm` back), as Kannel hands
 * it over in `meta-data`. Two optional parameters (TLVs) make a USSD dialogue of SMPP messages:
 *
 * - `ussd_service_op` (tag 0x0501, one octet), SMPP 3.4 §5.3.2.44: 0 PSSD indication,
 *   1 PSSR indication (the phone dialled), 2 USSR request (our screen, awaiting a reply),
 *   3 USSN request, 16 PSSD response, 17 PSSR response (our last screen), 18 USSR confirm (the
 *   phone's reply to a USSR request), 19 USSN confirm; 32 to 255 are the vendor's own, where
 *   gateways put a user abort or a release (32 most often; ask the operator).
 * - `its_session_info` (tag 0x1383, two octets), SMPP 3.4 §5.3.2.43: octet 1 the session
 *   number, octet 2 bits 7–1 the sequence number of the dialogue unit, bit 0 end of session.
 *
 * Kannel 1.4.5 passes a TLV declared in an `smpp-tlv` group in `%D` as
 * `?smpp?name=value&…`, each value URL-encoded once more, and the whole URL-encoded again in
 * the get-url. For an MO message the value is the TLV's raw octets whether the group says
 * `type = integer` or `octetstring` (seen with the real Kannel: `ussd_service_op=%01`,
 * `its_session_info=*%00`). For an MT message (sendsms `meta-data`) an `integer` TLV takes a
 * decimal number and an `octetstring` TLV its raw octets, URL-encoded.
 */
export const USSD_OP = {
  pssdIndication: 0,
  pssrIndication: 1,
  ussrRequest: 2,
  ussnRequest: 3,
  pssdResponse: 16,
  pssrResponse: 17,
  ussrConfirm: 18,
  ussnConfirm: 19,
  /** The vendor range's usual user abort / release. */
  userAbort: 32,
} as const;

/** An its_session_info: session number, dialogue sequence number, end of session. */
export interface SessionInfo {
  session: number;
  sequence: number;
  end: boolean;
}

/** What a `%D` carried: the TLVs that make a USSD hop, when present and well-formed. */
export interface UssdMeta {
  op?: number;
  info?: SessionInfo;
}

/** Longest meta-data accepted (a few TLVs; anything longer is not from our kannel.conf). */
export const MAX_META_BYTES = 512;

/**
 * Parses `%D` (once URL-decoded, as a query field gives it): `?smpp?ussd_service_op=%01&its_session_info=*%00&`.
 * Undefined when it is not SMPP meta-data at all.
 */
export function parseMeta(meta: Buffer): UssdMeta | undefined {
  const text = meta.toString('latin1');
  const match = /^\?smpp\?([^?]*)/.exec(text);
  if (!match) return undefined;
  const fields = parseRawQuery(match[1]);
  const result: UssdMeta = {};
  const op = fields.get('ussd_service_op');
  if (op) result.op = opOf(op);
  const info = fields.get('its_session_info');
  if (info && info.length === 2) result.info = { session: info[0], sequence: info[1] >> 1, end: (info[1] & 1) === 1 };
  return result;
}

/**
 * The operation's value: Kannel gives a one-octet TLV as its raw octet. A decimal written
 * out (another smsbox's `%D`, a hand-made test) is taken too: the ASCII digits 0x30–0x39 as a
 * raw octet would be operations 48–57, which no gateway uses.
 */
function opOf(value: Buffer): number | undefined {
  if (value.length === 1 && (value[0] < 0x30 || value[0] > 0x39)) return value[0];
  const text = value.toString('latin1');
  return /^\d{1,3}$/.test(text) && Number(text) <= 255 ? Number(text) : undefined;
}

/** The two octets of an its_session_info. */
export function sessionInfoBytes(info: SessionInfo): Buffer {
  return Buffer.from([info.session & 0xff, ((info.sequence & 0x7f) << 1) | (info.end ? 1 : 0)]);
}

/**
 * sendsms's `meta-data` for a screen: `ussd_service_op` as a decimal (its smpp-tlv group is
 * `type = integer`), `its_session_info` as URL-encoded raw octets (`type = octetstring`).
 */
export function metaFor(op: number, info: SessionInfo): string {
  const octets = [...sessionInfoBytes(info)].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  return `?smpp?ussd_service_op=${op}&its_session_info=${octets}`;
}

/**
 * A dialled USSD string (`*347#`, `*347*2*1#`) as the service code and the inputs after it;
 * undefined when the text is not one.
 */
export function dialled(text: string): { serviceCode: string; shortcut: string[] } | undefined {
  const match = /^\*(\d{1,10})((?:\*[0-9A-Za-z]{1,20}){0,8})#$/.exec(text.trim());
  if (!match) return undefined;
  return { serviceCode: `*${match[1]}#`, shortcut: match[2] === '' ? [] : match[2].slice(1).split('*') };
}
