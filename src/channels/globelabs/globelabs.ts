import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { Conversation } from '../../conversation';
import type { Logger } from '../../log';
import type { Outbox } from '../../outbox/outbox';
import type { EphemeralStore } from '../../store/ephemeral';
import { isAllowedCountry, phoneNumberOf } from '../../address';
import { sameSecret } from '../../secret';
import { preferGsm7 } from '../../text/lookalikes';
import { SendError, type OutboundMessage, type SendingChannel } from '../channel';
import { Reassembly, type Assembled } from './multipart';
import { TokenSeal, inboundBody, senderPhone, subscribeBody, subscriberPhone, unsubscribeBody, type InboundMessage } from './wire';

/** The outbox channel (and provider) name of Globe Labs. */
export const GLOBELABS_CHANNEL = 'globelabs';

type GlobeConfig = Config & Required<Pick<Config, 'GLOBELABS_SHORTCODE' | 'GLOBELABS_APP_ID' | 'GLOBELABS_APP_SECRET' | 'GLOBELABS_WEBHOOK_TOKEN'>>;

/** Globe Labs is on when the short code, the app's id and secret and the webhook token are all set. */
export function globeLabsConfigured(config: Config): config is GlobeConfig {
  return Boolean(config.GLOBELABS_SHORTCODE && config.GLOBELABS_APP_ID && config.GLOBELABS_APP_SECRET && config.GLOBELABS_WEBHOOK_TOKEN);
}

export interface GlobeLabsDeps {
  config: Config;
  log: Logger;
  outbox: Outbox;
  conversation: Conversation;
  /** Where the parts of multipart texts wait for each other (shared by instances when Redis). */
  store: EphemeralStore;
  /** How long one send may take before it is retried later. */
  sendTimeoutMs?: number;
}

/** Largest body accepted on any Globe Labs route (a list of at most MAX_PARTS parts). */
const MAX_BODY = '64kb';

/**
 * Two-way SMS through a Globe Labs app's short code.
 *
 * Globe Labs signs nothing, so every route requires the secret GLOBELABS_WEBHOOK_TOKEN as
 * `?token=` in the Notify and Redirect URIs registered with the app, compared in constant time
 * before the body is read. Globe Labs expects 200 from both URIs for every request.
 *
 * Inbound (`POST /sms/globelabs`, the Notify URI): `inboundSMSMessageList.inboundSMSMessage[]`.
 * A long text comes as parts sharing a `multipartRefId`, numbered by `multipartSeqNum`, with
 * `numberOfMessagesInThisBatch` the number of parts; they are put back together (multipart.ts)
 * and handed to the conversation as one text whose provider id is the reference. The reply is
 * queued in the outbox (it cannot go back in the response), as Kannel's is.
 *
 * Consent (`GET|POST /sms/globelabs/subscriptions`, the Redirect URI): after a subscriber texts
 * INFO and replies YES, Globe Labs passes `access_token` and `subscriber_number`; the token is
 * stored sealed per subscriber (nothing can be sent to them without it). Texting STOP (STOPSVC
 * cross-telco) to the short code makes Globe Labs POST `{"unsubscribed":{…}}` there: the token
 * is forgotten and the citizen is opted out of announcements.
 *
 * Outbound: `POST {GLOBELABS_API_URL}/smsmessaging/v1/outbound/{last 4 of the short code}/requests?access_token=…`
 * with the outbox id as `clientCorrelator`, so a retried send is not sent twice.
 */
export function globeLabsSms({ config, log, outbox, conversation, store, sendTimeoutMs = 10_000 }: GlobeLabsDeps): SendingChannel & { stop(): Promise<void> } {
  if (!globeLabsConfigured(config)) throw new Error('Globe Labs is not configured');
  const channelLog = log.child({ name: 'channels:globelabs' });
  const webhookToken = config.GLOBELABS_WEBHOOK_TOKEN;
  const seal = new TokenSeal(config.GLOBELABS_APP_SECRET);
  const senderAddress = config.GLOBELABS_SHORTCODE.slice(-4);
  const apiBase = config.GLOBELABS_API_URL.replace(/\/+$/, '');
  const router = express.Router();
  const answer = (res: Response, status: number, body: Record<string, string>) => res.status(status).json(body);

  /** The token guard, before any body is read. */
  const guard = (req: Request, res: Response, next: NextFunction) => {
    const at = req.originalUrl.indexOf('?');
    const query = new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
    const tokens = query.getAll('token');
    if (tokens.length !== 1 || !sameSecret(tokens[0], webhookToken)) {
      channelLog.warn('Globe Labs request with a wrong token refused');
      answer(res, 403, { error: 'Forbidden: wrong token' });
      return;
    }
    next();
  };
  /** JSON bodies, with a malformed or oversized one answered 400 here rather than by the app. */
  const json = (req: Request, res: Response, next: NextFunction) => {
    express.json({ limit: MAX_BODY, strict: true, type: () => true })(req, res, (error?: unknown) => {
      if (error) {
        const status = (error as { status?: number }).status === 413 ? 413 : 400;
        answer(res, status, { error: status === 413 ? 'Payload too large' : 'Bad request: body is not JSON' });
        return;
      }
      next();
    });
  };

  const receive = (providerId: string, from: string, text: string) =>
    conversation.sms.receive({ provider: GLOBELABS_CHANNEL, providerId, from, text }, (reply, tx) =>
      outbox.enqueue({ address: reply.address, channel: GLOBELABS_CHANNEL, body: reply.text, kind: 'reply' }, tx).then(() => undefined),
    );
  const reassembly = new Reassembly(
    store,
    config.GLOBELABS_MULTIPART_WAIT_SECONDS,
    async (assembled: Assembled) => {
      if (!assembled.complete) channelLog.info({ arrived: assembled.arrived, total: assembled.total }, 'Globe Labs multipart text given up waiting: handled with the parts that arrived');
      await receive(`mp:${assembled.refId}`, assembled.from, assembled.text);
    },
    channelLog,
  );

  /** A single text's id: Globe Labs' messageId, or (its samples show null) a digest of what identifies a resend. */
  const idOf = (message: InboundMessage) =>
    message.messageId ?? `h:${createHash('sha256').update(`${message.senderAddress}\n${message.dateTime ?? ''}\n${message.message}`).digest('hex').slice(0, 40)}`;

  router.post('/sms/globelabs', guard, json, async (req: Request, res: Response) => {
    const parsed = inboundBody.safeParse(req.body);
    if (!parsed.success) {
      answer(res, 400, { error: `Bad request: check ${[...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'body'))].slice(0, 5).join(', ')}` });
      return;
    }
    const list = parsed.data.inboundSMSMessageList;
    try {
      for (const message of list.inboundSMSMessage) {
        const from = senderPhone(message.senderAddress);
        const total = list.numberOfMessagesInThisBatch ?? 1;
        const seq = message.multipartSeqNum;
        if (message.multipartRefId && seq !== null && seq !== undefined && total > 1) {
          if (seq < 1 || seq > total || total > 20) {
            answer(res, 400, { error: 'Bad request: check multipartSeqNum, numberOfMessagesInThisBatch' });
            return;
          }
          await reassembly.add({ from, refId: message.multipartRefId, seq, total, text: message.message });
        } else {
          await receive(message.multipartRefId ? `mp:${message.multipartRefId}` : idOf(message), from, message.message);
        }
      }
      answer(res, 200, { status: 'ok' });
    } catch (error) {
      // The records store is down: a text not yet answered is answered when Globe Labs resends it.
      channelLog.error({ err: error }, 'Globe Labs message could not be handled');
      answer(res, 503, { error: 'Temporarily unavailable' });
    }
  });

  const subscribe = async (res: Response, body: unknown) => {
    const unsubscribing = unsubscribeBody.safeParse(body);
    if (unsubscribing.success) {
      const phone = subscriberPhone(unsubscribing.data.unsubscribed.subscriber_number);
      await conversation.subscriptions.remove(GLOBELABS_CHANNEL, phone);
      if (await conversation.contacts.unsubscribedAtCarrier(phone)) channelLog.info('citizen opted out: Globe Labs reported an unsubscribe');
      else channelLog.info('Globe Labs unsubscribe recorded');
      answer(res, 200, { status: 'ok' });
      return;
    }
    const subscribing = subscribeBody.safeParse(body);
    if (!subscribing.success) {
      answer(res, 400, { error: 'Bad request: check access_token, subscriber_number (or unsubscribed)' });
      return;
    }
    const phone = subscriberPhone(subscribing.data.subscriber_number);
    if (!(await conversation.subscriptions.save(GLOBELABS_CHANNEL, phone, seal.seal(subscribing.data.access_token)))) {
      answer(res, 400, { error: 'Bad request: check subscriber_number' });
      return;
    }
    channelLog.info('Globe Labs subscriber opted in');
    answer(res, 200, { status: 'ok' });
  };
  const subscriptions = async (req: Request, res: Response, body: unknown) => {
    try {
      await subscribe(res, body);
    } catch (error) {
      channelLog.error({ err: error }, 'Globe Labs subscription could not be recorded');
      answer(res, 503, { error: 'Temporarily unavailable' });
    }
  };
  router.get('/sms/globelabs/subscriptions', guard, (req: Request, res: Response) => {
    const at = req.originalUrl.indexOf('?');
    const query = new URLSearchParams(req.originalUrl.slice(at + 1));
    if (query.has('code') && !query.has('access_token')) {
      answer(res, 400, { error: 'Bad request: web-form opt-in codes are not exchanged; subscribers opt in by texting INFO to the short code' });
      return;
    }
    return subscriptions(req, res, { access_token: query.get('access_token') ?? undefined, subscriber_number: query.get('subscriber_number') ?? undefined });
  });
  router.post('/sms/globelabs/subscriptions', guard, json, (req: Request, res: Response) => subscriptions(req, res, req.body));

  /** The provider's words, without the subscriber's token (its answers may echo the request URL). */
  const scrub = (said: string, token: string) => said.split(token).join('[token]').replace(/access_token=[^&\s"']+/g, 'access_token=[token]').slice(0, 160);

  return {
    name: GLOBELABS_CHANNEL,
    router,
    ratePerSecond: config.GLOBELABS_RATE_PER_SECOND,
    async stop() {
      reassembly.stop();
    },
    async send(message: OutboundMessage) {
      const to = phoneNumberOf(message.address);
      if (!to) throw new SendError('Globe Labs sends only to phone numbers', false, undefined, true);
      if (!isAllowedCountry(message.address, config.ALLOWED_COUNTRY_CODES)) throw new SendError('country not in ALLOWED_COUNTRY_CODES', false, undefined, true);
      const sealed = await conversation.subscriptions.sealedFor(GLOBELABS_CHANNEL, message.address);
      const token = sealed === undefined ? undefined : seal.open(sealed);
      if (!token) throw new SendError('Globe Labs: the subscriber has not opted in to the short code (no access token)', false, undefined, true);
      const url = `${apiBase}/smsmessaging/v1/outbound/${encodeURIComponent(senderAddress)}/requests?access_token=${encodeURIComponent(token)}`;
      const body = {
        outboundSMSMessageRequest: {
          clientCorrelator: String(message.id),
          senderAddress,
          outboundSMSTextMessage: { message: preferGsm7([message.body])[0] },
          address: `tel:${to}`,
        },
      };
      let response: globalThis.Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(sendTimeoutMs) });
      } catch (error) {
        throw new SendError(`Globe Labs unreachable: ${(error as Error).name}`, true);
      }
      const said = scrub((await response.text().catch(() => '')).trim(), token);
      if (response.status === 200 || response.status === 201) return { providerId: String(message.id) };
      if (response.status === 401 || response.status === 403) {
        // The subscriber's consent was revoked (or the token is no longer valid): never try it again.
        await conversation.subscriptions.remove(GLOBELABS_CHANNEL, to);
        channelLog.info({ status: response.status }, 'Globe Labs refused a subscriber token: forgotten until they opt in again');
        throw new SendError(`Globe Labs answered ${response.status} (access token revoked or invalid): ${said}`, false, undefined, true);
      }
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after'));
        throw new SendError(`Globe Labs answered 429 (too many requests): ${said}`, true, Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) * 1000 : 30_000);
      }
      // Globe Labs: 400 wrong or missing parameters (will not change on retry), 502/503 platform busy or down.
      throw new SendError(`Globe Labs answered ${response.status}: ${said}`, response.status >= 500);
    },
  };
}
