/**
 * One delivery status across providers, as officers read it. The outbox stores where a message
 * is in its own life (queued, sending, sent, delivered, failed, cancelled); this is the view:
 * - pending: not due yet (scheduled, held by quiet hours) and never tried;
 * - queued: due, or being sent right now;
 * - errored: an attempt failed and it will be tried again (its reason is the last error);
 * - sent: the provider took it (a doubted "delivered" stays here, with its reason);
 * - delivered: the provider's delivery report said so, and nothing contradicted it;
 * - failed: given up (the provider's reason in plain words, from each adapter's mapping);
 * - cancelled: never sent (the broadcast was stopped, the citizen opted out).
 */
export const DELIVERY_STATUSES = ['pending', 'queued', 'errored', 'sent', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The view as SQL over the outbox row aliased `o`: the one definition, so counts and lists agree. */
export const DELIVERY_STATUS_SQL = `CASE
  WHEN o.status = 'queued' AND o.last_error IS NOT NULL THEN 'errored'
  WHEN o.status = 'queued' AND o.attempts = 0 AND o.not_before > now() THEN 'pending'
  WHEN o.status IN ('queued', 'sending') THEN 'queued'
  ELSE o.status END`;

/** Why a message stands where it does, in plain words (null when there is nothing to say). */
export const DELIVERY_REASON_SQL = `CASE WHEN o.status IN ('sent', 'delivered') THEN o.delivery_doubt ELSE o.last_error END`;
