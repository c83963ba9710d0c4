import express, { type Request, type Response } from 'express';
import type twilioSdk from 'twilio';
import type { Config } from '../../config';
import { translate } from '../../i18n';
import type { i18n } from 'i18next';
import type { Logger } from '../../log';
import type { MessageStatus, Outbox } from '../../outbox/outbox';
import { isAllowedCountry, phoneNumberOf } from '../../address';
import type { Conversation } from '../../conversation';
import { SendError, type OutboundMessage, type SendingChannel } from '../channel';
import { SMS_CHANNEL } from '../../conversation/sms';
import { preferGsm7 } from '../../text/lookalikes';
import { twilioSignatureCheck } from './signature';

/** The outbox channel (and provider) name of Twilio. */
export const TWILIO_CHANNEL = 'twilio';

/** Twilio's error for a recipient who texted STOP to Twilio (or the carrier): never send again. */
const TWILIO_UNSUBSCRIBED = 21610;

/** Twilio is on when its account, token, sender and the public URL (to check signatures) are set. */
export function twilioConfigured(config: Config): boolean {
  return Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM && config.PUBLIC_URL);
}

export interface TwilioDeps {
  config: Config;
  i18n: i18n;
  log: Logger;
  outbox: Outbox;
  conversation: Conversation;
  /** A ready client; by default one is made from the configuration. */
  client?: twilioSdk.Twilio;
}

/**
 * Status callbacks as outbox statuses; the others (queued, sending, accepted, scheduled, …)
 * say nothing the outbox does not know. https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
 */
const CALLBACK_STATUS: Record<string, Extract<MessageStatus, 'sent' | 'delivered' | 'failed'>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

/**
 * SMS through Twilio. Inbound texts arrive at `POST /sms/twilio`, signed with the auth token
 * over PUBLIC_URL + path (validated with and without the default port, as Twilio signs
 * either); the reply goes back as TwiML in the same response. Pushed messages go through the
 * REST API with a status callback to `POST /sms/twilio/status`, whose statuses only move the
 * outbox forward (callbacks arrive out of order). Error 21610 (the recipient unsubscribed at
 * Twilio) opts the citizen out.
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSms({ config, i18n, log, outbox, conversation, client }: TwilioDeps): SendingChannel {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from, PUBLIC_URL: publicUrl } = config;
  if (!sid || !token || !from || !publicUrl) throw new Error('Twilio is not configured');
  // Loaded only when Twilio is on: the package is some 40 % of the time start-up spends loading modules (bench/RESULTS.md).
  const twilio = require('twilio') as typeof twilioSdk;
  const rest = client ?? twilio(sid, token, { timeout: 10_000 });
  const channelLog = log.child({ name: 'channels:twilio' });
  const base = publicUrl.replace(/\/+$/, '');
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  /** True when Twilio signed this request; answers 403 otherwise. */
  const signed = twilioSignatureCheck(twilio, token, publicUrl, channelLog);
  const twiml = (res: Response, text?: string) => {
    const response = new twilio.twiml.MessagingResponse();
    if (text) response.message(text);
    res.status(200).type('text/xml').send(response.toString());
  };

  router.post('/sms/twilio', form, async (req: Request, res: Response) => {
    if (!signed(req, res)) return;
    const { MessageSid: messageSid, From: sender, Body: body } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof messageSid !== 'string' || !MESSAGE_SID.test(messageSid) || typeof sender !== 'string' || sender.length > 40) {
      res.status(400).type('text/plain').send('Bad request: check MessageSid, From');
      return;
    }
    try {
      const outcome = await conversation.sms.receive({ provider: TWILIO_CHANNEL, providerId: messageSid, from: sender, text: typeof body === 'string' ? body : '' });
      twiml(res, outcome.kind === 'reply' ? outcome.text : undefined);
    } catch (error) {
      // Our records store is down; the citizen still hears why there is no answer.
      channelLog.error({ err: error }, 'Twilio message could not be handled');
      twiml(res, preferGsm7([translate(i18n, config.DEFAULT_LOCALE, { key: 'sms:unavailable' })])[0]);
    }
  });

  router.post('/sms/twilio/status', form, async (req: Request, res: Response) => {
    if (!signed(req, res)) return;
    const { MessageSid: messageSid, MessageStatus: state, ErrorCode: errorCode, To: recipient } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof messageSid !== 'string' || !MESSAGE_SID.test(messageSid) || typeof state !== 'string') {
      res.status(400).type('text/plain').send('Bad request: check MessageSid, MessageStatus');
      return;
    }
    const status = CALLBACK_STATUS[state];
    try {
      if (Number(errorCode) === TWILIO_UNSUBSCRIBED && typeof recipient === 'string') {
        if (await conversation.contacts.unsubscribedAtCarrier(recipient)) channelLog.info('citizen opted out: Twilio reported 21610');
      }
      if (status) {
        const known = await outbox.advance([TWILIO_CHANNEL, SMS_CHANNEL], messageSid, status, status === 'failed' ? `Twilio error ${String(errorCode ?? 'unknown')}` : undefined);
        if (!known) channelLog.info({ status: state }, 'Twilio status for an unknown message');
      }
      res.status(200).type('text/plain').send('OK');
    } catch (error) {
      channelLog.error({ err: error }, 'Twilio status could not be recorded');
      res.status(503).type('text/plain').send('Temporarily unavailable');
    }
  });

  return {
    name: TWILIO_CHANNEL,
    router,
    ratePerSecond: config.TWILIO_RATE_PER_SECOND,
    async send(message: OutboundMessage) {
      const to = phoneNumberOf(message.address);
      if (!to) throw new SendError('Twilio sends only to phone numbers', false, undefined, true);
      if (!isAllowedCountry(message.address, config.ALLOWED_COUNTRY_CODES)) throw new SendError('country not in ALLOWED_COUNTRY_CODES', false, undefined, true);
      const sender = from.startsWith('MG') ? { messagingServiceSid: from } : { from };
      try {
        const created = await rest.messages.create({ to, body: preferGsm7([message.body])[0], statusCallback: `${base}/sms/twilio/status`, ...sender });
        return { providerId: created.sid };
      } catch (error) {
        throw await sendErrorOf(error, message.address);
      }
    },
  };

  /** One place that maps Twilio's failures to retry decisions (no message text: it may name the number). */
  async function sendErrorOf(error: unknown, address: string): Promise<SendError> {
    const { status, code } = error as { status?: unknown; code?: unknown };
    if (typeof status !== 'number') return new SendError(`Twilio unreachable: ${(error as Error).name ?? 'error'}`, true);
    if (code === TWILIO_UNSUBSCRIBED) {
      if (await conversation.contacts.unsubscribedAtCarrier(phoneNumberOf(address) ?? '')) channelLog.info('citizen opted out: Twilio refused a send with 21610');
      return new SendError(`Twilio error ${TWILIO_UNSUBSCRIBED}: the recipient unsubscribed`, false, undefined, true);
    }
    return new SendError(`Twilio error ${String(code ?? 'unknown')} (HTTP ${status})`, status === 429 || status >= 500);
  }
}
