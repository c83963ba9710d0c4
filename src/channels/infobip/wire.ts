import { z } from 'zod';
import type { MessageStatus } from '../../outbox/outbox';

/**
 * Infobip's wire formats, as its published docs give them:
 * - inbound (MO_JSON_2): https://www.infobip.com/docs/api/channels/sms/inbound-sms/receive-inbound-sms-messages
 * - sending: https://www.infobip.com/docs/api/channels/sms/sms-messaging/outbound-sms/send-sms-message (`/sms/2/text/advanced`,
 *   superseded by /sms/3/messages) and https://dev-old.infobip.com/send-sms/fully-featured-text-message
 * - delivery reports: https://www.infobip.com/docs/api/channels/sms/sms-messaging/logs-and-status-reports/receive-outbound-sms-message-report
 * - status and error objects: https://www.infobip.com/docs/essentials/api-essentials/response-status-and-error-codes
 */

/** An Infobip message id: printable ASCII, no control characters (PostgreSQL refuses NUL in text). */
const messageId = z.string().min(1).max(100).regex(/^[\x21-\x7e]+$/);

/** One inbound text of an MO_JSON_2 forward; fields we do not use (price, callbackData…) pass. */
const inboundText = z.object({
  messageId,
  from: z.string().min(1).max(40),
  to: z.string().max(40).optional(),
  text: z.string().max(2000).optional(),
  cleanText: z.string().max(2000).optional(),
  keyword: z.string().max(200).optional(),
  receivedAt: z.string().max(40).optional(),
  smsCount: z.number().int().min(0).max(255).optional(),
});

/** MO_JSON_2: `{ results: [...], messageCount, pendingMessageCount }` (Infobip's bucket is at most 100 by default). */
export const inboundForward = z.object({
  results: z.array(inboundText).min(1).max(1000),
  messageCount: z.number().int().min(0).optional(),
  pendingMessageCount: z.number().int().min(0).optional(),
});

/** The status object Infobip puts in send answers, delivery reports and logs. */
const statusObject = z.object({
  groupId: z.number().int().optional(),
  groupName: z.string().max(60),
  id: z.number().int().optional(),
  name: z.string().max(100).optional(),
  description: z.string().max(500).optional(),
});
/** The error object of a delivery report; `groupName` OK (id 0) when there was none. */
const errorObject = z.object({
  groupId: z.number().int().optional(),
  groupName: z.string().max(60).optional(),
  id: z.number().int().optional(),
  name: z.string().max(100).optional(),
  description: z.string().max(500).optional(),
  permanent: z.boolean().optional(),
});

/** A delivery report forward: `{ results: [{ bulkId, messageId, to, sentAt, doneAt, smsCount, price, status, error }] }`. */
export const deliveryReports = z.object({
  results: z
    .array(
      z.object({
        messageId,
        status: statusObject,
        error: errorObject.nullish(),
      }),
    )
    .min(1)
    .max(1000),
});
export type DeliveryReport = z.infer<typeof deliveryReports>['results'][number];

/** The answer to `POST /sms/2/text/advanced`: `{ bulkId, messages: [{ to, status, messageId }] }`. */
export const sendAnswer = z.object({
  bulkId: z.string().optional(),
  messages: z.array(z.object({ messageId: z.string().max(100).optional(), status: statusObject.optional() })).min(1),
});

/** Infobip's error body for a refused request: `{ requestError: { serviceException: { messageId, text } } }`. */
export const requestError = z.object({
  requestError: z.object({
    serviceException: z.object({ messageId: z.string().optional(), text: z.string().optional() }).optional(),
    policyException: z.object({ messageId: z.string().optional(), text: z.string().optional() }).optional(),
  }),
});

/**
 * Text from Infobip made safe for an officer's screen and the logs: control characters out,
 * runs of digits long enough to be a phone number hidden, at most `max` characters.
 */
export function plain(text: string | undefined, max = 160): string {
  return (text ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\+?\d[\d ()-]{5,}\d/g, '…')
    .trim()
    .slice(0, max);
}

/** A status or error object in plain words: `NAME (description)`. */
function named(object: { name?: string; description?: string } | null | undefined): string {
  if (!object) return '';
  const name = plain(object.name, 60);
  const description = plain(object.description, 120);
  return name && description ? `${name} (${description})` : name || description;
}

/**
 * Where a delivery report leaves the outbox row, and why in plain words when it failed.
 * Groups (Infobip's "Response status and error codes"): 1 PENDING in flight → sent;
 * 3 DELIVERED → delivered, except DELIVERED_TO_OPERATOR (id 2), which is intermediate ("a
 * further DLR may follow") → sent; 2 UNDELIVERABLE, 4 EXPIRED, 5 REJECTED → failed.
 * Undefined for a group Infobip may add later: nothing is moved.
 */
export function reportOutcome(report: DeliveryReport): { status: Extract<MessageStatus, 'sent' | 'delivered' | 'failed'>; reason?: string } | undefined {
  const group = report.status.groupName.toUpperCase();
  if (group === 'PENDING') return { status: 'sent' };
  if (group === 'DELIVERED') {
    const intermediate = report.status.id === 2 || report.status.name === 'DELIVERED_TO_OPERATOR';
    return { status: intermediate ? 'sent' : 'delivered' };
  }
  if (group === 'UNDELIVERABLE' || group === 'EXPIRED' || group === 'REJECTED') return { status: 'failed', reason: failureReason(report.status, report.error) };
  return undefined;
}

/** `Infobip UNDELIVERABLE: UNDELIVERABLE_NOT_DELIVERED (…); error EC_ABSENT_SUBSCRIBER (…), permanent`. */
export function failureReason(status: z.infer<typeof statusObject>, error?: z.infer<typeof errorObject> | null): string {
  const parts = [`Infobip ${plain(status.groupName, 30)}: ${named(status) || 'no detail'}`];
  if (error && error.id !== 0 && (error.groupName ?? '').toUpperCase() !== 'OK') {
    const what = named(error);
    if (what) parts.push(`error ${what}${error.permanent === true ? ', permanent' : error.permanent === false ? ', temporary' : ''}`);
  }
  return parts.join('; ').slice(0, 400);
}
