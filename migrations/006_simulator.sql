-- The phone simulator's inbox: what the 'simulator' channel delivered to a simulated phone
-- (status updates, announcements), read by the /simulator page. Addresses are `sim:+63…`,
-- never a real citizen's `tel:` address.
CREATE TABLE simulator_inbox (
  id bigserial PRIMARY KEY,
  address text NOT NULL,
  body text NOT NULL,
  -- The outbox message this is; its provider id for delivery reports is 'sim-<id>'.
  outbox_id bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- When the simulated phone fetched it: the simulator's delivery report.
  delivered_at timestamptz
);
CREATE INDEX simulator_inbox_address ON simulator_inbox (address, id);
-- A dispatcher that retries a send after a crash finds the earlier copy instead of adding one.
CREATE UNIQUE INDEX simulator_inbox_outbox ON simulator_inbox (outbox_id) WHERE outbox_id IS NOT NULL;
