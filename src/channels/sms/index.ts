import express from 'express';
import { SMS_CHANNEL } from '../../conversation/sms';
import type { EphemeralStore } from '../../store/ephemeral';
import type { Channel, ChannelDeps, SendingChannel } from '../channel';
import { GLOBELABS_CHANNEL, globeLabsConfigured, globeLabsSms } from '../globelabs/globelabs';
import { KANNEL_CHANNEL, kannelConfigured, kannelSms } from '../kannel/kannel';
import { TWILIO_CHANNEL, twilioConfigured, twilioSms } from '../twilio/twilio';
import { INFOBIP_CHANNEL, infobipConfigured, infobipSms } from '../infobip/infobip';
import { SEMAPHORE_CHANNEL, semaphoreConfigured, semaphoreSms } from '../semaphore/semaphore';
import { M360_CHANNEL, m360Configured, m360Sms } from '../m360/m360';
import { SSLWIRELESS_CHANNEL, sslWirelessConfigured, sslWirelessSms } from '../sslwireless/sslwireless';

export { SMS_CHANNEL };

/**
 * The SMS channels this configuration turns on, sharing the conversation layer's SMS
 * conversation (keywords, dedupe, floods, opt-out): Kannel when its four settings are present,
 * Twilio when its three and PUBLIC_URL are, Infobip when its base URL, key, sender and webhook
 * authentication are, Globe Labs when its short code, app id and secret and webhook token are;
 * then the send-only aggregators Semaphore, M360 and SSL Wireless, each when its settings are. A
 * channel that is off says so once, here, at start-up.
 */
export function smsChannels(deps: ChannelDeps & { store: EphemeralStore }): SendingChannel[] {
  const { config, log } = deps;
  const channels: SendingChannel[] = [];
  if (kannelConfigured(config)) channels.push(kannelSms(deps));
  else log.info('Kannel SMS is off: set KANNEL_SENDSMS_URL, KANNEL_USERNAME, KANNEL_PASSWORD and KANNEL_TOKEN to turn it on');
  if (twilioConfigured(config)) channels.push(twilioSms(deps));
  else log.info('Twilio SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and PUBLIC_URL to turn it on');
  if (infobipConfigured(config)) channels.push(infobipSms(deps));
  else log.info('Infobip SMS is off: set INFOBIP_BASE_URL, INFOBIP_API_KEY, INFOBIP_SENDER and INFOBIP_WEBHOOK_USER with INFOBIP_WEBHOOK_PASSWORD, or INFOBIP_WEBHOOK_TOKEN, to turn it on');
  if (globeLabsConfigured(config)) channels.push(globeLabsSms(deps));
  else log.info('Globe Labs SMS is off: set GLOBELABS_SHORTCODE, GLOBELABS_APP_ID, GLOBELABS_APP_SECRET and GLOBELABS_WEBHOOK_TOKEN to turn it on');
  // The outbound-only aggregators (src/channels/sms/outbound.ts).
  if (semaphoreConfigured(config)) channels.push(semaphoreSms(deps));
  else log.info('Semaphore SMS is off: set SEMAPHORE_API_KEY and SEMAPHORE_SENDER to turn it on');
  if (m360Configured(config)) channels.push(m360Sms(deps));
  else log.info('M360 SMS is off: set M360_API_URL, M360_USERNAME, M360_PASSWORD and M360_SHORTCODE_MASK to turn it on');
  if (sslWirelessConfigured(config)) channels.push(sslWirelessSms(deps));
  else log.info('SSL Wireless SMS is off: set SSLWIRELESS_API_URL, SSLWIRELESS_API_TOKEN and SSLWIRELESS_SID to turn it on');
  return channels;
}

/** The SMS providers this configuration turns on, by channel name (the registration pack names them as processors). */
export function configuredSmsProviders(config: ChannelDeps['config']): string[] {
  const providers: [string, (config: ChannelDeps['config']) => boolean][] = [
    [KANNEL_CHANNEL, kannelConfigured],
    [TWILIO_CHANNEL, twilioConfigured],
    [INFOBIP_CHANNEL, infobipConfigured],
    [GLOBELABS_CHANNEL, globeLabsConfigured],
    [SEMAPHORE_CHANNEL, semaphoreConfigured],
    [M360_CHANNEL, m360Configured],
    [SSLWIRELESS_CHANNEL, sslWirelessConfigured],
  ];
  return providers.filter(([, on]) => on(config)).map(([name]) => name);
}

/**
 * The logical channel `sms`, under which status updates and broadcasts to phones are queued
 * (the reachability rule and the broadcast fan-out know phones, not providers): it sends
 * through `phoneSender`, so changing provider needs no change to queued messages; the
 * dispatcher's SMS router (src/outbox/routing) chooses each message's provider instead when
 * it runs. Delivery reports find such messages because each provider also looks under `sms`.
 */
export function phoneChannel(channels: readonly Channel[]): SendingChannel | undefined {
  const sender = phoneSender(channels);
  if (!sender) return undefined;
  return { name: SMS_CHANNEL, router: express.Router(), ratePerSecond: sender.ratePerSecond, send: (message) => sender.send(message) };
}

/**
 * The channel that sends to a `tel:` address: Kannel when it is on (two-way, through a local
 * operator), else Twilio, else Infobip, else Globe Labs (only subscribers who opted in to its
 * short code can be reached), else Semaphore, M360, SSL Wireless in that order;
 * undefined when none is (the first of `phoneProviders`; the router chooses per message). Enqueue
 * phone messages with its `name`.
 */
export function phoneSender(channels: readonly Channel[]): SendingChannel | undefined {
  return phoneProviders(channels)[0];
}

/** The SMS providers that are on, in the fixed order above: the routes when SMS_ROUTES is empty (src/outbox/routing). */
export function phoneProviders(channels: readonly Channel[]): SendingChannel[] {
  const sending = channels.filter((channel): channel is SendingChannel => 'send' in channel);
  const order = [KANNEL_CHANNEL, TWILIO_CHANNEL, INFOBIP_CHANNEL, GLOBELABS_CHANNEL, SEMAPHORE_CHANNEL, M360_CHANNEL, SSLWIRELESS_CHANNEL];
  return order.flatMap((name) => sending.filter((channel) => channel.name === name));
}
