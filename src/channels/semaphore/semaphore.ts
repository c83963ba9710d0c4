import type { Config } from '../../config';
import type { SendingChannel } from '../channel';
import { outboundSms, plainWords, refusalInWords, type OutboundDeps, type OutboundProvider, type ProviderAnswer, type Refusal } from '../sms/outbound';

/** The outbox channel (and provider) name of Semaphore. */
export const SEMAPHORE_CHANNEL = 'semaphore';

/** Semaphore allows 120 calls a minute to /api/v4/messages (https://api.semaphore.co/docs). */
export const SEMAPHORE_RATE_PER_SECOND = 2;

/** Manila's offset: Semaphore's day is the Philippines' day. */
const MANILA = 8;

/** Semaphore is on when its API key and its registered sender name are set. */
export function semaphoreConfigured(config: Config): config is Config & Required<Pick<Config, 'SEMAPHORE_API_KEY' | 'SEMAPHORE_SENDER'>> {
  return Boolean(config.SEMAPHORE_API_KEY && config.SEMAPHORE_SENDER);
}

/**
 * Semaphore's docs: "Please do not start your message with the word TEST. These messages are
 * silently ignored and will not be sent." Such a message would count as sent and never arrive.
 */
export function semaphoreWouldDrop(text: string): boolean {
  return /^\s*test/i.test(text);
}

/**
 * What each field Semaphore names in a refusal means. Semaphore answers a refused request with
 * an object of the fields it refused, each with its messages (`{"number": ["…"]}`).
 */
const FIELD_REFUSALS: Record<string, Pick<Refusal, 'reason' | 'outcome'>> = {
  apikey: { reason: 'the API key was refused (check SEMAPHORE_API_KEY)', outcome: 'fail' },
  sendername: { reason: 'the sender name is not registered to this account (check SEMAPHORE_SENDER)', outcome: 'fail' },
  number: { reason: 'invalid number', outcome: 'unreachable' },
  message: { reason: 'the message was refused', outcome: 'fail' },
};

/** Reads Semaphore's answer to POST /api/v4/messages. */
export function readSemaphore(answer: ProviderAnswer, now: Date): { providerId?: string } | Refusal | undefined {
  const { status, body } = answer;
  if (status === 429) return { code: 'HTTP 429', reason: 'flooding: more than 120 calls a minute', outcome: 'back-off' };
  if (Array.isArray(body) && body.length > 0) {
    const [first] = body as Array<Record<string, unknown>>;
    if (first && (typeof first.message_id === 'number' || typeof first.message_id === 'string')) {
      if (/^(failed|refunded)$/i.test(String(first.status ?? ''))) return { code: String(first.status), reason: 'Semaphore marked the message failed', outcome: 'fail' };
      return { providerId: String(first.message_id) };
    }
    // An array of messages without ids: Semaphore's wording of an account-level refusal.
    const said = plainWords(body);
    return refusalInWords(`HTTP ${status}`, said, MANILA, now) ?? { code: `HTTP ${status}`, reason: said, outcome: 'fail' };
  }
  if (body && typeof body === 'object') {
    const fields = Object.entries(body as Record<string, unknown>);
    for (const [field, messages] of fields) {
      const said = plainWords(messages);
      const inWords = refusalInWords(field, said, MANILA, now);
      if (inWords) return inWords;
      const known = FIELD_REFUSALS[field];
      if (known) return { code: field, reason: `${known.reason}: ${said}`, outcome: known.outcome };
    }
  }
  if (typeof body === 'string') return refusalInWords(`HTTP ${status}`, plainWords(body), MANILA, now);
  return undefined;
}

/**
 * Outbound SMS through Semaphore (Philippines): a form POST to `{SEMAPHORE_API_URL}/api/v4/messages`
 * with `apikey`, `number`, `message` and `sendername`; the answer lists the message with its
 * `message_id`. https://api.semaphore.co/docs
 */
export function semaphoreSms(deps: OutboundDeps): SendingChannel {
  const { config } = deps;
  if (!semaphoreConfigured(config)) throw new Error('Semaphore is not configured');
  const { SEMAPHORE_API_KEY: apikey, SEMAPHORE_SENDER: sendername } = config;
  const provider: OutboundProvider = {
    name: SEMAPHORE_CHANNEL,
    label: 'Semaphore',
    ratePerSecond: SEMAPHORE_RATE_PER_SECOND,
    base: config.SEMAPHORE_API_URL,
    refuse: (text) => (semaphoreWouldDrop(text) ? 'Semaphore silently drops messages that start with "TEST"; reword the message' : undefined),
    request: ({ to, text }) => ({ path: '/api/v4/messages', form: { apikey, number: to, message: text, sendername } }),
    read: (answer, _message, now) => readSemaphore(answer, now),
  };
  return outboundSms(provider, deps);
}
