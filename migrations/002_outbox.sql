-- The outbox: every message that leaves Lingkod is a row here, written in the same
-- transaction as the change that caused it. Dispatchers claim rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  -- Who receives it, and through which channel ('sms', 'telegram', 'simulator', ...).
  address text NOT NULL,
  channel text NOT NULL,
  body text NOT NULL,
  -- 'reply' (an answer to what the citizen sent), 'status' (a request's update), 'broadcast'.
  kind text NOT NULL CHECK (kind IN ('reply', 'status', 'broadcast', 'notice')),
  -- Lower goes first: replies and status updates before broadcasts, emergencies before others.
  priority smallint NOT NULL DEFAULT 5,
  citizen_id bigint REFERENCES citizens(id) ON DELETE SET NULL,
  request_id bigint REFERENCES requests(id) ON DELETE SET NULL,
  broadcast_id bigint,
  -- queued → sending → sent → delivered; or failed / cancelled.
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  -- Not before this time (retry back-off, quiet hours, a schedule).
  not_before timestamptz NOT NULL DEFAULT now(),
  -- While 'sending': the claim expires here, so a killed dispatcher's rows are taken again.
  lease_until timestamptz,
  provider_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  delivered_at timestamptz
);
-- The dispatcher's claim query walks this index: due rows in priority order.
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE status IN ('queued', 'sending');
CREATE UNIQUE INDEX outbox_provider ON outbox (channel, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status) WHERE broadcast_id IS NOT NULL;
