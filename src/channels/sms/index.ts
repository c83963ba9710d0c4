import express from 'express';
import { SMS_CHANNEL } from '../../conversation/sms';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Channel, ChannelDeps, SendingChannel } from '../channel';
import { GLOBELABS_CHANNEL, globeLabsConfigured, globeLabsSms } from '../globelabs/globelabs';
import { KANNEL_CHANNEL, kannelConfigured, kannelSms } from '../kannel/kannel';
import { TWILIO_CHANNEL, twilioConfigured, twilioSms } from '../twilio/twilio';

export { SMS_CHANNEL };

/**
 * The SMS channels this configuration turns on, sharing the conversation layer's SMS
 * conversation (keywords, dedupe, floods, opt-out): Kannel when its four settings are present,
 * Twilio when its three and PUBLIC_URL are, Globe Labs when its short code, app id and secret and
 * webhook token are. A channel that is off says so once, here, at start-up.
 */
export function smsChannels(deps: ChannelDeps & { store: EphemeralStore }): SendingChannel[] {
  const { config, log } = deps;
  const channels: SendingChannel[] = [];
  if (kannelConfigured(config)) channels.push(kannelSms(deps));
  else log.info('Kannel SMS is off: set KANNEL_SENDSMS_URL, KANNEL_USERNAME, KANNEL_PASSWORD and KANNEL_TOKEN to turn it on');
  if (twilioConfigured(config)) channels.push(twilioSms(deps));
  else log.info('Twilio SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_URL to turn it on');
  if (globeLabsConfigured(config)) channels.push(globeLabsSms(deps));
  else log.info('Globe Labs SMS is off: set GLOBELABS_SHORTCODE, GLOBELABS_APP_ID, GLOBELABS_APP_SECRET and GLOBELABS_WEBHOOK_TOKEN to turn it on');
  return channels;
}

/**
 * The logical channel `sms`, under which status updates and broadcasts to phones are queued
 * (the reachability rule and the broadcast fan-out know phones, not providers): it sends
 * through `phoneSender`, so changing provider needs no change to queued messages. Delivery
 * reports find such messages because each provider also looks under `sms`.
 */
export function phoneChannel(channels: readonly Channel[]): SendingChannel | undefined {
  const sender = phoneSender(channels);
  if (!sender) return undefined;
  return { name: SMS_CHANNEL, router: express.Router(), ratePerSecond: sender.ratePerSecond, send: (message) => sender.send(message) };
}

/**
 * The channel that sends to a `tel:` address: Kannel when it is on (two-way, through a local
 * operator), else Twilio, else Globe Labs (only subscribers who opted in to its short code can be
 * reached); undefined when none is. Enqueue phone messages with its `name`.
 */
export function phoneSender(channels: readonly Channel[]): SendingChannel | undefined {
  const sending = channels.filter((channel): channel is SendingChannel => 'send' in channel);
  return (
    sending.find((channel) => channel.name === KANNEL_CHANNEL) ??
    sending.find((channel) => channel.name === TWILIO_CHANNEL) ??
    sending.find((channel) => channel.name === GLOBELABS_CHANNEL)
  );
}
