-- People, not keys: every key names the person (or centre operator) who holds it and, for a
-- ministry's key, its role; which ministries answer for which service centres; and console
-- sessions that are not the key.

-- Who holds the key: a person ("Maria Santos, MSSD records"), or a centre's operator. The
-- second approval of a broadcast must come from another holder (src/services/broadcasts.ts).
-- Keys made before this migration are held by whoever their name says.
ALTER TABLE api_keys ADD COLUMN holder text;
UPDATE api_keys SET holder = CASE WHEN source = 'env' THEN 'ADMIN_API_KEY (operator)' ELSE name END;
ALTER TABLE api_keys ALTER COLUMN holder SET NOT NULL;

-- A ministry's key is an `admin` (manages the ministry's keys: makes and revokes them) or an
-- `officer` (works on requests and broadcasts, makes no keys). Super-admin keys are `admin`;
-- centre keys `officer`. Keys made by `npm run admin` before this migration were a ministry's
-- first keys, made by the operator to start it: admins; keys made through the API: officers.
ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'officer' CHECK (role IN ('admin', 'officer'));
UPDATE api_keys SET role = 'admin' WHERE ministry_code IS NULL OR (source = 'cli' AND kind = 'officer');
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role CHECK (
  (ministry_code IS NOT NULL OR role = 'admin') AND (kind <> 'centre' OR role = 'officer')
);

-- The ministries that answer for a service centre: a super-admin makes the first centre key of
-- a centre for a ministry (which records the pair here); from then on that ministry's admins may
-- make more keys for the centre. No other ministry can make keys in that centre's name.
CREATE TABLE centre_ministries (
  centre_code text NOT NULL REFERENCES centres(code) ON DELETE CASCADE,
  ministry_code text NOT NULL REFERENCES ministries(code) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_code, ministry_code)
);
INSERT INTO centre_ministries (centre_code, ministry_code)
SELECT DISTINCT centre_code, ministry_code FROM api_keys WHERE kind = 'centre'
ON CONFLICT DO NOTHING;

-- A signed-in console: the cookie holds a random session id (32 bytes), stored here only as its
-- sha256. A session ends at sign-out (ended_at), after CONSOLE_SESSION_IDLE_MINUTES without a
-- request, at expires_at (CONSOLE_SESSION_MAX_HOURS after sign-in) however active, and at once
-- when its key is revoked (every request joins api_keys and reads revoked_at).
CREATE TABLE console_sessions (
  id_hash text PRIMARY KEY,
  key_id bigint NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX console_sessions_key ON console_sessions (key_id) WHERE ended_at IS NULL;
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
