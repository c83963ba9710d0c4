-- Globe Labs (issue 14): a subscriber's consent to an app gives an access_token per subscriber,
-- needed to send them anything (src/channels/globelabs). Stored sealed (AES-256-GCM under a key
-- derived from GLOBELABS_APP_SECRET): the table alone does not let anyone text the subscriber.
-- The unsubscribe notification deletes the row. Keyed by provider so another provider with
-- per-subscriber consent can share it.
CREATE TABLE sms_subscriptions (
  provider text NOT NULL,
  -- tel:+63…, as citizen_addresses has it.
  address text NOT NULL,
  token_sealed text NOT NULL,
  subscribed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, address)
);
