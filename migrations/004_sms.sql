-- SMS: inbound de-duplication and opt-out times.
-- A provider retries a webhook it thinks we missed, and Kannel re-sends a message after a
-- restart; each message is handled once because its provider id can be recorded only once.
-- Only ids and times are kept here: no phone number, no text.
CREATE TABLE inbound_messages (
  -- The provider's name ('kannel', 'twilio'): ids are unique per provider, not across them.
  channel text NOT NULL,
  -- Twilio's MessageSid, Kannel's message id (%I).
  provider_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT inbound_messages_provider UNIQUE (channel, provider_id)
);
-- For pruning old ids (a provider retries within minutes, not months).
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);

-- When a citizen opted out of announcements (STOP, or a carrier's opt-out); NULL while opted in.
ALTER TABLE citizens ADD COLUMN opted_out_at timestamptz;
