-- The ministries' side: API keys, the audit log and broadcasts; the municipality of a request;
-- where a citizen is reached; and the outbox's per-channel claim index.

-- A key belongs to one ministry, or (ministry_code NULL) is a super-admin key. Only the
-- sha256 of a key is stored; the key itself is shown once, when it is created.
CREATE TABLE api_keys (
  id bigserial PRIMARY KEY,
  ministry_code text REFERENCES ministries(code),
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  -- The key's first characters, so a person can tell keys apart in a list.
  prefix text NOT NULL,
  -- 'api' (made by another key), 'cli' (npm run admin), 'env' (ADMIN_API_KEY, exists while set).
  source text NOT NULL CHECK (source IN ('api', 'cli', 'env')),
  created_by bigint REFERENCES api_keys(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by bigint REFERENCES api_keys(id)
);
CREATE INDEX api_keys_ministry ON api_keys (ministry_code, id);

-- Every change made through the API or the admin command: who (key), when, what.
-- No foreign keys: the log outlives what it describes.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  key_id bigint,
  -- 'key:12', 'cli' or 'env'.
  actor text NOT NULL,
  -- The ministry whose records changed; NULL for shared records (categories, super-admin keys).
  ministry_code text,
  -- 'request.status', 'broadcast.create', 'key.revoke', ...
  action text NOT NULL,
  -- 'request:12345678901', 'broadcast:7', ...
  target text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_ministry ON audit_log (ministry_code, id DESC);

-- An announcement to the subscribers of a topic, optionally narrowed to some municipalities,
-- channels and languages (NULL: all). texts: {"en": "...", "fil": "..."}; citizens whose
-- language has no text get default_locale's.
CREATE TABLE broadcasts (
  id bigserial PRIMARY KEY,
  ministry_code text NOT NULL REFERENCES ministries(code),
  topic_code text NOT NULL REFERENCES topics(code),
  municipalities text[],
  channels text[],
  languages text[],
  texts jsonb NOT NULL,
  default_locale text NOT NULL,
  emergency boolean NOT NULL DEFAULT false,
  -- draft → (pending_approval →) scheduled → sending → completed; or stopped.
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'pending_approval', 'scheduled', 'sending', 'completed', 'stopped')),
  scheduled_at timestamptz,
  -- Counted when scheduled (to decide on approval), then fixed at fan-out.
  recipients integer,
  created_by bigint NOT NULL REFERENCES api_keys(id),
  scheduled_by bigint REFERENCES api_keys(id),
  approved_by bigint REFERENCES api_keys(id),
  stopped_by bigint REFERENCES api_keys(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  stopped_at timestamptz
);
CREATE INDEX broadcasts_ministry ON broadcasts (ministry_code, id DESC);
CREATE INDEX broadcasts_due ON broadcasts (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX broadcasts_sending ON broadcasts (id) WHERE status = 'sending';
ALTER TABLE outbox ADD CONSTRAINT outbox_broadcast_fk FOREIGN KEY (broadcast_id) REFERENCES broadcasts(id);

-- A request's municipality, when its form asks for one (a field with key "municipality" whose
-- answer is a municipality code), so officers can filter requests by place.
ALTER TABLE requests ADD COLUMN municipality_code text GENERATED ALWAYS AS (answers ->> 'municipality') STORED;
CREATE INDEX requests_municipality ON requests (municipality_code, created_at DESC) WHERE municipality_code IS NOT NULL;

-- Where each citizen is reached: the address they used last, and the channel that can push
-- to it (a phone number seen over USSD or SMS is reached by SMS). Broadcast fan-out and
-- status updates both read this, so they always agree.
CREATE VIEW citizen_reach AS
SELECT DISTINCT ON (citizen_id)
       citizen_id,
       address,
       CASE WHEN address LIKE 'tel:%' THEN 'sms' ELSE channel END AS channel
  FROM citizen_addresses
 ORDER BY citizen_id, last_seen_at DESC, address;

-- Each channel's dispatcher claims its own due messages in priority order; one index per lane
-- keeps a slow channel's backlog from being walked by the others.
CREATE INDEX outbox_lane ON outbox (channel, priority, not_before, id) WHERE status IN ('queued', 'sending');
DROP INDEX outbox_due;
