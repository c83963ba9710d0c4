import type { Config } from '../../config';
import type { SendingChannel } from '../channel';
import { FLOOD_WAIT_MS, outboundSms, plainWords, refusalInWords, type OutboundDeps, type ProviderAnswer, type Refusal } from '../sms/outbound';

/** The outbox channel (and provider) name of SSL Wireless. */
export const SSLWIRELESS_CHANNEL = 'sslwireless';

/** Dhaka's offset: SSL Wireless's day (for csms_id) is Bangladesh's day. */
const DHAKA = 6;

/** SSL Wireless is on when its API URL, API token and SID are set. */
export function sslWirelessConfigured(config: Config): config is Config & Required<Pick<Config, 'SSLWIRELESS_API_URL' | 'SSLWIRELESS_API_TOKEN' | 'SSLWIRELESS_SID'>> {
  return Boolean(config.SSLWIRELESS_API_URL && config.SSLWIRELESS_API_TOKEN && config.SSLWIRELESS_SID);
}

/**
 * The client message id SSL Wireless requires unique per day (at most 20 characters): the
 * outbox id and Dhaka's date (`4242D261128`). A retry of the same message the same day sends the same id (so
 * SSL Wireless refuses it as a duplicate rather than sending it twice); a new day never collides.
 */
export function csmsIdOf(outboxId: number, now: Date): string {
  // YYMMDD: with an outbox id of up to 13 digits, within SSL Wireless's 20 characters.
  const day = new Date(now.getTime() + DHAKA * 3_600_000).toISOString().slice(2, 10).replace(/-/g, '');
  return `${outboxId}D${day}`;
}

/** SSL Wireless's status codes (API v3) that say more than "failed". */
const CODES: Record<number, Pick<Refusal, 'reason' | 'outcome' | 'waitMs'>> = {
  4001: { reason: 'the API token was refused (check SSLWIRELESS_API_TOKEN)', outcome: 'fail' },
  4002: { reason: 'the SID is not permitted to send SMS: unregistered sender (check SSLWIRELESS_SID)', outcome: 'fail' },
  4003: { reason: 'our address is blacklisted at SSL Wireless', outcome: 'fail' },
  4004: { reason: 'wrong API URL (check SSLWIRELESS_API_URL)', outcome: 'fail' },
  4005: { reason: 'request format refused', outcome: 'fail' },
  4020: { reason: 'csms_id refused', outcome: 'fail' },
  4022: { reason: 'a required field is missing', outcome: 'fail' },
  4025: { reason: 'invalid number', outcome: 'unreachable' },
  4026: { reason: 'the number is blocked', outcome: 'unreachable' },
  4027: { reason: 'message too long', outcome: 'fail' },
  4029: { reason: 'flooding: too many requests', outcome: 'back-off', waitMs: FLOOD_WAIT_MS },
  4031: { reason: 'flooding: transactions per second exceeded', outcome: 'back-off', waitMs: 1000 },
  5000: { reason: 'unknown error at SSL Wireless', outcome: 'retry' },
};

/** "Duplicate CSMS ID": this message's id was already accepted today, so an earlier attempt went through. */
const DUPLICATE_CSMS_ID = 4023;

/** Reads SSL Wireless's answer to POST /api/v3/send-sms. */
export function readSslWireless(answer: ProviderAnswer, csmsId: string, now: Date): { providerId?: string } | Refusal | undefined {
  if (!answer.body || typeof answer.body !== 'object') return undefined;
  const body = answer.body as { status?: unknown; status_code?: unknown; error_message?: unknown; smsinfo?: Array<Record<string, unknown>> };
  const statusCode = Number(body.status_code);
  const [info] = Array.isArray(body.smsinfo) ? body.smsinfo : [];
  if (String(body.status).toUpperCase() === 'SUCCESS' && statusCode === 200) {
    if (info && String(info.sms_status).toUpperCase() !== 'SUCCESS') {
      const said = plainWords(info.status_message ?? info.sms_status);
      if (/duplicate.*csms/i.test(said)) return { providerId: csmsId };
      return { code: plainWords(info.sms_status), reason: said, outcome: /msisdn/i.test(said) ? 'unreachable' : 'fail' };
    }
    return { providerId: typeof info?.reference_id === 'string' ? info.reference_id : csmsId };
  }
  if (statusCode === DUPLICATE_CSMS_ID) return { providerId: csmsId };
  const said = plainWords(body.error_message);
  const code = `status_code ${Number.isFinite(statusCode) ? statusCode : plainWords(body.status_code)}`;
  const known = CODES[statusCode];
  if (known) return { code, ...known, reason: said ? `${known.reason}: ${said}` : known.reason };
  return refusalInWords(code, said, DHAKA, now);
}

/**
 * Outbound SMS through SSL Wireless (Bangladesh): a JSON POST to `{SSLWIRELESS_API_URL}/api/v3/send-sms`
 * with `api_token`, `sid`, `msisdn`, `sms` and `csms_id`; the answer's `smsinfo[0].reference_id`
 * is its id for the message.
 */
export function sslWirelessSms(deps: OutboundDeps): SendingChannel {
  const { config } = deps;
  if (!sslWirelessConfigured(config)) throw new Error('SSL Wireless is not configured');
  const account = { api_token: config.SSLWIRELESS_API_TOKEN, sid: config.SSLWIRELESS_SID };
  return outboundSms(
    {
      name: SSLWIRELESS_CHANNEL,
      label: 'SSL Wireless',
      ratePerSecond: config.SSLWIRELESS_RATE_PER_SECOND,
      base: config.SSLWIRELESS_API_URL,
      // One attempt's time for both: the csms_id sent is the one a duplicate refusal is read against.
      request: ({ id, to, text }, now) => ({ path: '/api/v3/send-sms', json: { ...account, msisdn: to, sms: text, csms_id: csmsIdOf(id, now) } }),
      read: (answer, { id }, now) => readSslWireless(answer, csmsIdOf(id, now), now),
    },
    deps,
  );
}
