import type { Config } from '../../config';
import type { SendingChannel } from '../channel';
import { outboundSms, plainWords, refusalInWords, type OutboundDeps, type ProviderAnswer, type Refusal } from '../sms/outbound';

/** The outbox channel (and provider) name of M360. */
export const M360_CHANNEL = 'm360';

/** Manila's offset: M360's day is the Philippines' day. */
const MANILA = 8;

/** M360 is on when its API URL, account (app key and secret) and sender mask are set. */
export function m360Configured(config: Config): config is Config & Required<Pick<Config, 'M360_API_URL' | 'M360_USERNAME' | 'M360_PASSWORD' | 'M360_SHORTCODE_MASK'>> {
  return Boolean(config.M360_API_URL && config.M360_USERNAME && config.M360_PASSWORD && config.M360_SHORTCODE_MASK);
}

/** The id M360 gives the message, under whichever name its answer uses. */
function idOf(body: Record<string, unknown>): string | undefined {
  const data = (body.data && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
  const id = body.transid ?? body.message_id ?? data.transid ?? data.message_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** Reads M360's answer to POST /v3/api/broadcast (201 Created when accepted). */
export function readM360(answer: ProviderAnswer, now: Date): { providerId?: string } | Refusal | undefined {
  const { status } = answer;
  const body = (answer.body && typeof answer.body === 'object' ? answer.body : { message: answer.body }) as Record<string, unknown>;
  if (status === 200 || status === 201) {
    const code = Number(body.code ?? status);
    if (code === 200 || code === 201) return { providerId: idOf(body) };
  }
  const code = `HTTP ${status}${body.code !== undefined && Number(body.code) !== status ? ` code ${plainWords(body.code)}` : ''}`;
  const said = plainWords(body.message ?? body.errors ?? body.error ?? '');
  if (status === 401 || status === 403) return { code, reason: `the app key or secret was refused (check M360_USERNAME, M360_PASSWORD): ${said}`, outcome: 'fail' };
  if (/shortcode_mask|sender/i.test(said)) return { code, reason: `the sender mask is not provisioned for this account (check M360_SHORTCODE_MASK): ${said}`, outcome: 'fail' };
  const inWords = refusalInWords(code, said, MANILA, now);
  if (inWords) return inWords;
  if (status === 429) return { code, reason: `flooding: ${said || 'too many requests'}`, outcome: 'back-off' };
  if (/msisdn|number/i.test(said)) return { code, reason: `invalid number: ${said}`, outcome: 'unreachable' };
  return undefined;
}

/**
 * Outbound SMS through M360 (Philippines) over HTTP: a JSON POST to `{M360_API_URL}/v3/api/broadcast`
 * with `app_key`, `app_secret`, `msisdn`, `content` and `shortcode_mask`. (M360's SMPP binds
 * go through Kannel instead.)
 */
export function m360Sms(deps: OutboundDeps): SendingChannel {
  const { config } = deps;
  if (!m360Configured(config)) throw new Error('M360 is not configured');
  const account = { app_key: config.M360_USERNAME, app_secret: config.M360_PASSWORD, shortcode_mask: config.M360_SHORTCODE_MASK };
  return outboundSms(
    {
      name: M360_CHANNEL,
      label: 'M360',
      ratePerSecond: config.M360_RATE_PER_SECOND,
      base: config.M360_API_URL,
      // Philippine numbers are domestic; any other allowed country is sent as international.
      request: ({ to, text }) => ({ path: '/v3/api/broadcast', json: { ...account, msisdn: to, content: text, is_intl: !to.startsWith('63') } }),
      read: (answer, _message, now) => readM360(answer, now),
    },
    deps,
  );
}
