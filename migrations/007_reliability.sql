-- Data rights (Philippine Data Privacy Act): message texts kept RETENTION_DAYS, a citizen's
-- erasure on request, and requests kept for the ministry without the person behind them.

-- When the citizen erased their data. The row stays as a tombstone that keeps their
-- (anonymised) requests attached for the ministries; it has no address, language or subscription.
ALTER TABLE citizens ADD COLUMN deleted_at timestamptz;

-- When a request's answers were removed because its citizen asked for erasure. The reference,
-- service, status, history and municipality stay: they are the ministry's record.
ALTER TABLE requests ADD COLUMN anonymised_at timestamptz;

-- When a message's text was purged (RETENTION_DAYS after it was queued, or at erasure). The row
-- stays, so broadcast progress, delivery counts and costs remain right.
ALTER TABLE outbox ADD COLUMN purged_at timestamptz;
CREATE INDEX outbox_unpurged ON outbox (created_at) WHERE purged_at IS NULL;
