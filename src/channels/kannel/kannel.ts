import express, { type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { Outbox } from '../../outbox/outbox';
import { isAllowedCountry, phoneNumberOf } from '../../address';
import { encodingOf } from '../../text/gsm7';
import { SendError, type OutboundMessage, type SendingChannel } from '../channel';
import type { Conversation } from '../../conversation';
import { SMS_CHANNEL } from '../../conversation/sms';
import { preferGsm7 } from '../../text/lookalikes';
import { CODING, DLR_MASK, DLR_STATUS, charsetOf, decodeText, failureReason, parseRawQuery } from './wire';
import { sameSecret } from '../../secret';

/** The outbox channel (and provider) name of Kannel. */
export const KANNEL_CHANNEL = 'kannel';

/** Kannel is on when all four of its settings are present. */
export function kannelConfigured(config: Config): config is Config & Required<Pick<Config, 'KANNEL_SENDSMS_URL' | 'KANNEL_USERNAME' | 'KANNEL_PASSWORD' | 'KANNEL_TOKEN'>> {
  return Boolean(config.KANNEL_SENDSMS_URL && config.KANNEL_USERNAME && config.KANNEL_PASSWORD && config.KANNEL_TOKEN);
}

export interface KannelDeps {
  config: Config;
  log: Logger;
  outbox: Outbox;
  conversation: Conversation;
  /** How long a sendsms request may take before it is retried later. */
  sendTimeoutMs?: number;
}

/** Longest message (bytes) accepted from Kannel: ten concatenated parts. */
const MAX_MESSAGE_BYTES = 2000;

/**
 * Two-way SMS through Kannel, which speaks SMPP to the operator and HTTP to us.
 *
 * Inbound: smsbox's sms-service calls `GET /sms/kannel?token=…&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I`
 * (or POSTs the text as the body with `post-url`). The reply is not put in the response:
 * the service has `max-messages = 0`, and the reply goes out through the outbox and
 * `sendsms`, so it is retried, rate-limited and has a delivery report like any message.
 * Kannel counts only 200 and 202 as success, so every handled or ignored message gets 200.
 *
 * Outbound: `sendsms` with `charset=UTF-8` (and `coding=2` for UCS-2), a `dlr-mask` and a
 * `dlr-url` back to `GET /sms/kannel/dlr`, which moves the outbox row forward.
 */
export function kannelSms({ config, log, outbox, conversation, sendTimeoutMs = 10_000 }: KannelDeps): SendingChannel {
  if (!kannelConfigured(config)) throw new Error('Kannel is not configured');
  const channelLog = log.child({ name: 'channels:kannel' });
  const token = config.KANNEL_TOKEN;
  const router = express.Router();
  const answer = (res: Response, status: number, text: string) => res.status(status).type('text/plain').send(text);

  const inbound = async (req: Request, res: Response) => {
    const fields = parseRawQuery(rawQuery(req));
    const field = (name: string) => fields.get(name)?.toString('utf8') ?? '';
    if (!sameSecret(fields.has('token') ? field('token') : undefined, token)) {
      channelLog.warn('Kannel request with a wrong token refused');
      answer(res, 403, 'Forbidden: wrong token');
      return;
    }
    // get-url puts the text in the query (`text=%b`); post-url sends it as the body, in the
    // charset of its Content-Type, with the other fields still in the query.
    const posted = req.method === 'POST' && !fields.has('text') && Buffer.isBuffer(req.body);
    const bytes = posted ? (req.body as Buffer) : fields.get('text');
    const charset = posted ? charsetOf(req.headers['content-type']) || field('charset') : field('charset');
    const coding = field('coding') || String(req.headers['x-kannel-coding'] ?? '') || CODING.text;
    const from = field('from');
    const id = field('id');
    const missing = [from ? '' : 'from', id ? '' : 'id', bytes ? '' : 'text'].filter(Boolean);
    if (missing.length > 0 || !bytes) {
      answer(res, 400, `Bad request: check ${missing.join(', ')}`);
      return;
    }
    if (bytes.length > MAX_MESSAGE_BYTES || id.length > 100 || from.length > 40) {
      answer(res, 400, 'Bad request: a field is too long');
      return;
    }
    // Kannel's %I is a UUID; a control character (a NUL above all, which PostgreSQL refuses in
    // text) is not one, and must not become our 503 and a retry.
    if (!/^[\x20-\x7e]+$/.test(id)) {
      answer(res, 400, 'Bad request: check id');
      return;
    }
    if (coding === CODING.binary) {
      channelLog.info('binary SMS ignored');
      answer(res, 200, '');
      return;
    }
    const text = decodeText(bytes, coding, charset);
    if (text === undefined) {
      answer(res, 400, `Bad request: text is not valid ${coding === CODING.ucs2 ? 'UCS-2' : charset || 'UTF-8'}`);
      return;
    }
    try {
      // The reply is queued for sendsms in the transaction that marks the text handled.
      await conversation.sms.receive({ provider: KANNEL_CHANNEL, providerId: id, from, text }, (reply, tx) =>
        outbox.enqueue({ address: reply.address, channel: KANNEL_CHANNEL, body: reply.text, kind: 'reply' }, tx).then(() => undefined),
      );
      answer(res, 200, '');
    } catch (error) {
      // The records store is down; smsbox resends after http-queue-delay. A text whose reply was
      // not queued is handled then; one already answered is acknowledged (conversation/sms.ts).
      channelLog.error({ err: error }, 'Kannel message could not be handled');
      answer(res, 503, 'Temporarily unavailable');
    }
  };
  router.get('/sms/kannel', inbound);
  router.post('/sms/kannel', express.raw({ type: () => true, limit: '16kb' }), inbound);

  router.get('/sms/kannel/dlr', async (req: Request, res: Response) => {
    const fields = parseRawQuery(rawQuery(req));
    const field = (name: string) => fields.get(name)?.toString('utf8') ?? '';
    if (!sameSecret(fields.has('token') ? field('token') : undefined, token)) {
      channelLog.warn('Kannel delivery report with a wrong token refused');
      answer(res, 403, 'Forbidden: wrong token');
      return;
    }
    const id = field('id');
    const type = field('status');
    if (!/^\d{1,20}$/.test(id) || !/^\d{1,3}$/.test(type)) {
      answer(res, 400, 'Bad request: check id, status');
      return;
    }
    const status = DLR_STATUS[type];
    if (!status) {
      channelLog.info({ type }, 'Kannel delivery report of an unknown type ignored');
      answer(res, 200, 'OK');
      return;
    }
    try {
      const known = await outbox.advance([KANNEL_CHANNEL, SMS_CHANNEL], id, status, status === 'failed' ? `DLR ${type}: ${failureReason(field('reply'))}` : undefined);
      if (!known) channelLog.info({ outboxId: id, type }, 'Kannel delivery report for an unknown message');
      answer(res, 200, 'OK');
    } catch (error) {
      channelLog.error({ err: error }, 'Kannel delivery report could not be recorded');
      answer(res, 503, 'Temporarily unavailable');
    }
  });

  const dlrUrl = (id: number) =>
    config.PUBLIC_URL ? `${config.PUBLIC_URL.replace(/\/+$/, '')}/sms/kannel/dlr?token=${encodeURIComponent(token)}&id=${id}&status=%d&reply=%A` : undefined;

  return {
    name: KANNEL_CHANNEL,
    router,
    ratePerSecond: config.KANNEL_RATE_PER_SECOND,
    async send(message: OutboundMessage) {
      const to = phoneNumberOf(message.address);
      if (!to) throw new SendError('Kannel sends only to phone numbers', false, undefined, true);
      if (!isAllowedCountry(message.address, config.ALLOWED_COUNTRY_CODES)) throw new SendError('country not in ALLOWED_COUNTRY_CODES', false, undefined, true);
      const [text] = preferGsm7([message.body]);
      const url = new URL(config.KANNEL_SENDSMS_URL);
      const params: Record<string, string> = { username: config.KANNEL_USERNAME, password: config.KANNEL_PASSWORD, to, text, charset: 'UTF-8' };
      if (encodingOf(text) === 'ucs2') params.coding = CODING.ucs2;
      if (config.KANNEL_FROM) params.from = config.KANNEL_FROM;
      const dlr = dlrUrl(message.id);
      if (dlr) Object.assign(params, { 'dlr-mask': String(DLR_MASK), 'dlr-url': dlr });
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);

      let response: globalThis.Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(sendTimeoutMs) });
      } catch (error) {
        throw new SendError(`Kannel unreachable: ${(error as Error).name}`, true);
      }
      const said = (await response.text().catch(() => '')).trim().slice(0, 120);
      if (response.status === 200 || response.status === 202) return { providerId: String(message.id) };
      // smsbox answers 4xx for what will not change on retry (credentials, a bad number), 5xx for a passing failure.
      throw new SendError(`Kannel answered ${response.status}: ${said}`, response.status >= 500);
    },
  };
}

/** The query string exactly as sent, before any decoding. */
function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}
