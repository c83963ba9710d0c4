import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { Outbox } from '../../outbox/outbox';
import { isAllowedCountry, phoneNumberOf } from '../../address';
import type { Conversation } from '../../conversation';
import { SMS_CHANNEL } from '../../conversation/sms';
import { preferGsm7 } from '../../text/lookalikes';
import { sameSecret } from '../../secret';
import { SendError, type OutboundMessage, type SendingChannel } from '../channel';
import { deliveryReports, inboundForward, plain, reportOutcome, requestError, sendAnswer } from './wire';

/** The outbox channel (and provider) name of Infobip. */
export const INFOBIP_CHANNEL = 'infobip';

type InfobipConfig = Config & Required<Pick<Config, 'INFOBIP_BASE_URL' | 'INFOBIP_API_KEY' | 'INFOBIP_SENDER'>>;

/** Basic auth is set when both its user and password are. */
function basicSet(config: Config): boolean {
  return Boolean(config.INFOBIP_WEBHOOK_USER && config.INFOBIP_WEBHOOK_PASSWORD);
}

/**
 * Infobip is on when its base URL, API key and sender are set, and its webhooks can be
 * authenticated (INFOBIP_WEBHOOK_USER and INFOBIP_WEBHOOK_PASSWORD, or INFOBIP_WEBHOOK_TOKEN).
 */
export function infobipConfigured(config: Config): config is InfobipConfig {
  return Boolean(config.INFOBIP_BASE_URL && config.INFOBIP_API_KEY && config.INFOBIP_SENDER && (basicSet(config) || config.INFOBIP_WEBHOOK_TOKEN));
}

export interface InfobipDeps {
  config: Config;
  log: Logger;
  outbox: Outbox;
  conversation: Conversation;
  /** How long one send may take before it is retried later. */
  sendTimeoutMs?: number;
}

/** The wait a 429 asks for: Retry-After in seconds (or an HTTP date); a minute when it says none. */
function retryAfterMs(header: string | null): number {
  if (header && /^\d{1,6}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = header ? Date.parse(header) : NaN;
  if (Number.isFinite(date)) return Math.max(1000, date - Date.now());
  return 60_000;
}

/**
 * Two-way SMS through Infobip.
 *
 * Inbound: Infobip forwards texts to the number's "forward to HTTP" URL, `POST /sms/infobip`, as
 * MO_JSON_2 (`results[]` of `messageId, from, to, text, cleanText, keyword, receivedAt, smsCount`).
 * Each result goes to the SMS conversation with Infobip's messageId (the conversation layer
 * drops a forward seen before); replies go out through the outbox like any message, so they are
 * retried, rate-limited and reported. Authentication before any body is read: HTTP Basic
 * (INFOBIP_WEBHOOK_USER / INFOBIP_WEBHOOK_PASSWORD) and/or `?token=` (INFOBIP_WEBHOOK_TOKEN); every
 * one configured must match, compared in constant time.
 *
 * Outbound: `POST {INFOBIP_BASE_URL}/sms/2/text/advanced` with `Authorization: App <key>`, the
 * outbox id as the destination's messageId (so a delivery report finds the row), and a notifyUrl
 * back to `POST /sms/infobip/dlr`, whose reports only move the outbox forward.
 */
export function infobipSms({ config, log, outbox, conversation, sendTimeoutMs = 10_000 }: InfobipDeps): SendingChannel {
  if (!infobipConfigured(config)) throw new Error('Infobip is not configured');
  const channelLog = log.child({ name: 'channels:infobip' });
  const router = express.Router();
  const json = express.json({ limit: '256kb', type: () => true });
  const answer = (res: Response, status: number, text: string) => res.status(status).type('text/plain').send(text);
  const base = config.INFOBIP_BASE_URL.replace(/\/+$/, '');

  /** Refuses a request that is not Infobip's (401 for missing or wrong basic credentials, 403 for a wrong token). */
  const authenticated = (req: Request, res: Response, next: NextFunction) => {
    if (basicSet(config)) {
      const header = req.header('authorization') ?? '';
      const match = /^Basic +([A-Za-z0-9+/=]{1,400})$/i.exec(header);
      const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const user = colon >= 0 ? decoded.slice(0, colon) : undefined;
      const password = colon >= 0 ? decoded.slice(colon + 1) : undefined;
      // Both compared, always: which one was wrong does not show in the time taken.
      const userOk = sameSecret(user, config.INFOBIP_WEBHOOK_USER!);
      const passwordOk = sameSecret(password, config.INFOBIP_WEBHOOK_PASSWORD!);
      if (!userOk || !passwordOk) {
        channelLog.warn({ path: req.path }, header ? 'Infobip request with wrong basic credentials refused' : 'Infobip request without basic credentials refused');
        res.set('WWW-Authenticate', 'Basic realm="lingkod-infobip", charset="UTF-8"');
        answer(res, 401, 'Unauthorized');
        return;
      }
    }
    if (config.INFOBIP_WEBHOOK_TOKEN) {
      const token = typeof req.query.token === 'string' ? req.query.token : undefined;
      if (!sameSecret(token, config.INFOBIP_WEBHOOK_TOKEN)) {
        channelLog.warn({ path: req.path }, 'Infobip request with a wrong token refused');
        answer(res, 403, 'Forbidden: wrong token');
        return;
      }
    }
    next();
  };
  /** A body that is not JSON is a 400 in plain words, never the default error page. */
  const parsed = (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    const status = (error as { status?: number }).status;
    answer(res, status === 413 ? 413 : 400, status === 413 ? 'Payload too large' : 'Bad request: the body is not JSON');
  };

  router.post('/sms/infobip', authenticated, json, parsed, async (req: Request, res: Response) => {
    const forward = inboundForward.safeParse(req.body);
    if (!forward.success) {
      answer(res, 400, `Bad request: check ${[...new Set(forward.error.issues.map((issue) => issue.path.filter((part) => typeof part === 'string').join('.') || 'body'))].join(', ').slice(0, 200)}`);
      return;
    }
    try {
      for (const text of forward.data.results) {
        // The reply is queued for Infobip in the transaction that marks the text handled.
        await conversation.sms.receive({ provider: INFOBIP_CHANNEL, providerId: text.messageId, from: text.from, text: text.text ?? '' }, (reply, tx) =>
          outbox.enqueue({ address: reply.address, channel: INFOBIP_CHANNEL, body: reply.text, kind: 'reply' }, tx).then(() => undefined),
        );
      }
      answer(res, 200, 'OK');
    } catch (error) {
      // Our records store is down: Infobip forwards again; texts already handled are dropped then.
      channelLog.error({ err: error }, 'Infobip messages could not be handled');
      answer(res, 503, 'Temporarily unavailable');
    }
  });

  router.post('/sms/infobip/dlr', authenticated, json, parsed, async (req: Request, res: Response) => {
    const reports = deliveryReports.safeParse(req.body);
    if (!reports.success) {
      answer(res, 400, 'Bad request: check results[].messageId, results[].status.groupName');
      return;
    }
    try {
      for (const report of reports.data.results) {
        const outcome = reportOutcome(report);
        if (!outcome) {
          channelLog.info({ group: plain(report.status.groupName, 30) }, 'Infobip delivery report of an unknown status group ignored');
          continue;
        }
        const known = await outbox.advance([INFOBIP_CHANNEL, SMS_CHANNEL], report.messageId, outcome.status, outcome.reason);
        if (!known) channelLog.info({ group: plain(report.status.groupName, 30) }, 'Infobip delivery report for an unknown message');
      }
      answer(res, 200, 'OK');
    } catch (error) {
      channelLog.error({ err: error }, 'Infobip delivery report could not be recorded');
      answer(res, 503, 'Temporarily unavailable');
    }
  });

  /** Where Infobip posts delivery reports, with the same authentication as the inbound URL. */
  const notifyUrl = (): string | undefined => {
    if (!config.PUBLIC_URL) return undefined;
    const url = new URL(`${config.PUBLIC_URL.replace(/\/+$/, '')}/sms/infobip/dlr`);
    if (config.INFOBIP_WEBHOOK_TOKEN) url.searchParams.set('token', config.INFOBIP_WEBHOOK_TOKEN);
    if (basicSet(config)) {
      url.username = config.INFOBIP_WEBHOOK_USER!;
      url.password = config.INFOBIP_WEBHOOK_PASSWORD!;
    }
    return url.toString();
  };

  return {
    name: INFOBIP_CHANNEL,
    router,
    ratePerSecond: config.INFOBIP_RATE_PER_SECOND,
    async send(message: OutboundMessage) {
      const to = phoneNumberOf(message.address);
      if (!to) throw new SendError('Infobip sends only to phone numbers', false, undefined, true);
      if (!isAllowedCountry(message.address, config.ALLOWED_COUNTRY_CODES)) throw new SendError('country not in ALLOWED_COUNTRY_CODES', false, undefined, true);
      const [text] = preferGsm7([message.body]);
      const notify = notifyUrl();
      const body = {
        messages: [
          {
            // Infobip takes numbers in international format without the +.
            destinations: [{ to: to.replace(/^\+/, ''), messageId: String(message.id) }],
            from: config.INFOBIP_SENDER,
            text,
            ...(notify ? { notifyUrl: notify, notifyContentType: 'application/json' } : {}),
          },
        ],
      };
      let response: globalThis.Response;
      try {
        response = await fetch(`${base}/sms/2/text/advanced`, {
          method: 'POST',
          headers: { authorization: `App ${config.INFOBIP_API_KEY}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(sendTimeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        throw new SendError(`Infobip unreachable: ${(error as Error).name}`, true);
      }
      const said: unknown = await response.json().catch(() => undefined);
      if (response.ok) {
        const sent = sendAnswer.safeParse(said);
        if (!sent.success) throw new SendError(`Infobip answered ${response.status} with a body that is not a send answer`, true);
        const [first] = sent.data.messages;
        const group = first.status?.groupName.toUpperCase();
        if (group === 'REJECTED' || group === 'UNDELIVERABLE' || group === 'EXPIRED') {
          const what = [plain(first.status?.name, 60), plain(first.status?.description, 120)].filter(Boolean).join(': ');
          throw new SendError(`Infobip ${group}: ${what || 'no detail'}`, false);
        }
        return { providerId: first.messageId ?? String(message.id) };
      }
      const refusal = requestError.safeParse(said);
      const exception = refusal.success ? (refusal.data.requestError.serviceException ?? refusal.data.requestError.policyException) : undefined;
      const reason = [plain(exception?.messageId, 60), plain(exception?.text, 160)].filter(Boolean).join(': ') || 'no detail';
      if (response.status === 401 || response.status === 403) {
        throw new SendError(`Infobip refused the credentials (HTTP ${response.status}, ${reason}): check INFOBIP_API_KEY and INFOBIP_BASE_URL`, false);
      }
      if (response.status === 429) throw new SendError(`Infobip asked to slow down (HTTP 429, ${reason})`, true, retryAfterMs(response.headers.get('retry-after')));
      throw new SendError(`Infobip answered ${response.status}: ${reason}`, response.status >= 500);
    },
  };
}
