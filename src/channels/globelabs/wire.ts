import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Globe Labs' wire formats, from its published API documentation (the "SMS" and "Subscriber
 * Consent Workflow" sections of https://github.com/globelabs/gl-docs README.md, forked at
 * https://github.com/Sterling-Technologies/gl-docs; fixtures/ holds them in our own values).
 * Numbers arrive as strings or numbers (`"numberOfMessagesInThisBatch":"2"` in the multipart
 * sample, `1` in the single one), `messageId` may be null, `senderAddress` is `tel:+63…`.
 */

/** Longest text of one part we accept (a part is at most 160 GSM-7 characters; generous for UCS-2 and escapes). */
const MAX_PART = 1000;
/** Most parts of one multipart text (a concatenated SMS has at most 255; operators send far fewer). */
export const MAX_PARTS = 20;

const count = z.union([z.number().int(), z.string().regex(/^\d{1,3}$/).transform(Number)]);

const inboundMessage = z.object({
  dateTime: z.string().max(100).nullish(),
  destinationAddress: z.string().max(40).nullish(),
  messageId: z.string().max(100).regex(/^[\x21-\x7e]+$/).nullish(),
  message: z.string().max(MAX_PART),
  resourceURL: z.string().max(500).nullish(),
  senderAddress: z.string().min(5).max(40),
  multipartRefId: z.string().max(100).regex(/^[\x21-\x7e]*$/).nullish(),
  multipartSeqNum: count.nullish(),
});

/** The Notify URI's body: one or more texts (the parts of one long text come one per request). */
export const inboundBody = z.object({
  inboundSMSMessageList: z.object({
    inboundSMSMessage: z.array(inboundMessage).min(1).max(MAX_PARTS),
    numberOfMessagesInThisBatch: count.nullish(),
    resourceURL: z.string().max(500).nullish(),
    totalNumberOfPendingMessages: count.nullish(),
  }),
});
export type InboundMessage = z.infer<typeof inboundMessage>;

/** Globe Labs' access tokens: URL-safe base64-like (`1ixLbltjWkzwqLMXT-8UF-UQeKRma0hOOWFA6o91oXw`). */
const accessToken = z.string().regex(/^[A-Za-z0-9_.~-]{8,200}$/);
/** `9171234567` (national, no 0), or with 0, 63 or +63 in front. */
const subscriberNumber = z.string().regex(/^\+?\d{10,15}$/);

/** Opt-in: the Redirect URI gets these (GET query after SMS opt-in; JSON in the documented POST sample). */
export const subscribeBody = z.object({ access_token: accessToken, subscriber_number: subscriberNumber });
/** Stop Subscription: POSTed to the Redirect URI after the subscriber texted STOP (STOPSVC cross-telco). */
export const unsubscribeBody = z.object({
  unsubscribed: z.object({ subscriber_number: subscriberNumber, access_token: accessToken.optional(), time_stamp: z.string().max(100).optional() }),
});

/** A subscriber number as Globe Labs writes it (`9171234567`) in a form phoneAddress reads as Philippine. */
export function subscriberPhone(subscriber: string): string {
  return /^9\d{9}$/.test(subscriber) ? `+63${subscriber}` : subscriber;
}

/** `tel:+639171234567` → `+639171234567`. */
export function senderPhone(senderAddress: string): string {
  return senderAddress.replace(/^tel:/i, '');
}

/**
 * Seals access tokens at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the app
 * secret, so a database dump alone cannot text anyone. A token sealed under another secret (the
 * secret rotated) does not open: the subscriber counts as not subscribed until they opt in again.
 */
export class TokenSeal {
  private readonly key: Buffer;

  constructor(appSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', appSecret, 'lingkod', 'globelabs access tokens v1', 32));
  }

  seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The token, or undefined when it was sealed under another secret or altered. */
  open(sealed: string): string | undefined {
    const [version, iv, data, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !data || !tag) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
