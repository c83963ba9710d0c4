-- Telegram, and one citizen across channels.

-- Updates already handled, by Telegram's update_id: Telegram redelivers an update when a
-- webhook is slow or fails, and the primary key makes a redelivery a no-op. Telegram keeps
-- undelivered updates for 24 hours, so rows older than two days are pruned.
CREATE TABLE telegram_updates (
  update_id bigint PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telegram_updates_received ON telegram_updates (received_at);

-- Set when the citizen cannot be reached at this address (blocked the Telegram bot, or a send
-- was refused with 403); cleared when they write from it again. Nothing is sent there meanwhile.
ALTER TABLE citizen_addresses ADD COLUMN unreachable_since timestamptz;

-- What a channel needs beyond the text to deliver a message as it was meant, e.g. a Telegram
-- reply's inline keyboard, or the message it replaces. NULL for plain text.
ALTER TABLE outbox ADD COLUMN payload jsonb;
