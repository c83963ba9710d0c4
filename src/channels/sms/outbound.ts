import express from 'express';
import { isAllowedCountry, phoneNumberOf } from '../../address';
import type { Config } from '../../config';
import { maskDigits, type Logger } from '../../log';
import { preferGsm7 } from '../../text/lookalikes';
import { SendError, type OutboundMessage, type SendingChannel } from '../channel';

/**
 * What is common to the outbound-only SMS aggregators (Semaphore, M360, SSL Wireless): one
 * HTTPS POST per message, the provider's answer read by the provider's own module into an id
 * or a refusal, and refusals turned into the outbox's retry decisions here, in one place.
 */

/** What a provider's refusal means for the message: try again, wait then try again, or give up. */
export type RefusalOutcome = 'retry' | 'back-off' | 'fail' | 'unreachable';

export interface Refusal {
  /** The provider's own code (HTTP status, status_code, the field it named). */
  code: string;
  /** The provider's reason in plain words, for officers reading the outbox. */
  reason: string;
  outcome: RefusalOutcome;
  /** For `back-off`: how long to wait when the provider did not say (Retry-After wins). */
  waitMs?: number;
}

/** One answer from the provider's API, read whole. */
export interface ProviderAnswer {
  status: number;
  /** The body parsed as JSON, else its text. */
  body: unknown;
  /** The answer's Retry-After in milliseconds, when it has one. */
  retryAfterMs?: number;
}

/** What the provider's module knows: its request and how to read its answers. */
export interface OutboundProvider {
  /** The outbox channel (and provider) name. */
  name: string;
  /** The name officers and operators read. */
  label: string;
  ratePerSecond: number;
  /** A reason not to send this text at all (the provider would drop or refuse it). */
  refuse?(text: string): string | undefined;
  /** The provider's API base URL (a trailing `/` is ignored). */
  base: string;
  /** The POST for one message: its path under `base` and body (`json` or `form`); `now` is the attempt's time. */
  request(message: { id: number; to: string; text: string }, now: Date): { path: string; json?: unknown; form?: Record<string, string> };
  /** The provider's id for the message, or its refusal; undefined when the answer is not one it documents. */
  read(answer: ProviderAnswer, message: { id: number }, now: Date): { providerId?: string } | Refusal | undefined;
}

const MINUTE = 60_000;

/** Back-off for an empty balance: long enough for someone to top up, short enough not to lose the day. */
export const TOP_UP_WAIT_MS = 30 * MINUTE;

/** Back-off for flooding when the provider says no wait of its own. */
export const FLOOD_WAIT_MS = MINUTE;

/** Milliseconds until the next midnight in a fixed UTC offset (the Philippines +8, Bangladesh +6: no daylight saving). */
export function untilMidnight(now: Date, offsetHours: number): number {
  const local = now.getTime() + offsetHours * 3_600_000;
  const day = 86_400_000;
  return day - (local % day);
}

/**
 * The refusals every aggregator words alike when it has no code for them (daily maximum,
 * flooding, an empty balance), found in the provider's own text; undefined when none applies.
 */
export function refusalInWords(code: string, said: string, offsetHours: number, now: Date): Refusal | undefined {
  if (/daily|per day|maximum.*today/i.test(said)) return { code, reason: `daily maximum reached: ${said}`, outcome: 'back-off', waitMs: untilMidnight(now, offsetHours) };
  if (/flood|too many|throttl|rate limit|\btps\b/i.test(said)) return { code, reason: `flooding: ${said}`, outcome: 'back-off', waitMs: FLOOD_WAIT_MS };
  if (/balance|credits? consumed|insufficient|not sufficient/i.test(said)) return { code, reason: `insufficient balance: ${said}`, outcome: 'back-off', waitMs: TOP_UP_WAIT_MS };
  return undefined;
}

/** The provider's text as an outbox reason: one line, at most 160 characters, phone numbers masked. */
export function plainWords(value: unknown): string {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.map(plainWords).join('; ') : value === undefined || value === null ? '' : JSON.stringify(value);
  return maskDigits(text.replace(/\s+/g, ' ').trim()).slice(0, 160);
}

export interface OutboundDeps {
  config: Config;
  log: Logger;
  /** How long one request may take before it is retried later. */
  sendTimeoutMs?: number;
  /** The clock (days matter: daily maximums, SSL Wireless's csms_id). */
  now?: () => Date;
}

/**
 * A SendingChannel for an outbound-only HTTP aggregator. No inbound route: citizens' texts
 * come through the two-way providers. The secrets travel only in the request body, never in
 * a URL or a log line; the number never reaches a log line either.
 */
export function outboundSms(provider: OutboundProvider, { config, log, sendTimeoutMs = 10_000, now = () => new Date() }: OutboundDeps): SendingChannel {
  const channelLog = log.child({ name: `channels:${provider.name}` });
  const { label } = provider;
  const base = provider.base.replace(/\/+$/, '');
  return {
    name: provider.name,
    router: express.Router(),
    ratePerSecond: provider.ratePerSecond,
    async send(message: OutboundMessage) {
      const to = phoneNumberOf(message.address);
      if (!to) throw new SendError(`${label} sends only to phone numbers`, false, undefined, true);
      if (!isAllowedCountry(message.address, config.ALLOWED_COUNTRY_CODES)) throw new SendError('country not in ALLOWED_COUNTRY_CODES', false, undefined, true);
      const [text] = preferGsm7([message.body]);
      const refused = provider.refuse?.(text);
      if (refused) throw new SendError(`${label} not asked to send: ${refused}`, false);

      const at = now();
      const { path, json, form } = provider.request({ id: message.id, to: to.replace(/^\+/, ''), text }, at);
      let response: globalThis.Response;
      try {
        response = await fetch(base + path, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
          body: form ? new URLSearchParams(form).toString() : JSON.stringify(json),
          signal: AbortSignal.timeout(sendTimeoutMs),
        });
      } catch (error) {
        throw new SendError(`${label} unreachable: ${(error as Error).name}`, true);
      }
      const raw = await response.text().catch(() => '');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // Not JSON: the provider's module reads the text, or the status decides.
      }
      const seconds = Number(response.headers.get('retry-after'));
      const answer: ProviderAnswer = { status: response.status, body, retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined };

      const read = provider.read(answer, message, at) ?? {
        code: `HTTP ${response.status}`,
        reason: plainWords(raw) || 'no reason given',
        // Not a documented answer: a passing failure (429, 5xx) is tried again, anything else is not.
        outcome: response.status === 429 ? 'back-off' : response.status >= 500 ? 'retry' : 'fail',
        waitMs: FLOOD_WAIT_MS,
      };
      if (!('outcome' in read)) return read;
      const said = `${label} refused (${read.code}): ${read.reason}`;
      if (read.outcome === 'fail' || read.outcome === 'unreachable') channelLog.warn({ code: read.code, outcome: read.outcome }, `${label} refused a message`);
      if (read.outcome === 'retry') throw new SendError(said, true, answer.retryAfterMs);
      if (read.outcome === 'back-off') throw new SendError(said, true, answer.retryAfterMs ?? read.waitMs ?? FLOOD_WAIT_MS);
      throw new SendError(said, false, undefined, read.outcome === 'unreachable');
    },
  };
}
