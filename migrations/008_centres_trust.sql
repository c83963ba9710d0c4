-- Service centres and trust: centre API keys, requests filed at a centre that the citizen
-- confirms, a verification code on every message Lingkod pushes, and the people who share a phone.

-- A key is an officer's (a ministry's, or super-admin with no ministry) or a service centre's.
-- A centre key belongs to one centre and to the ministry that answers for its operators; it
-- can file assisted requests and list its centre's, nothing else (src/services/access.ts).
ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'officer' CHECK (kind IN ('officer', 'centre'));
ALTER TABLE api_keys ADD COLUMN centre_code text REFERENCES centres(code);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_centre CHECK (
  (kind = 'centre') = (centre_code IS NOT NULL) AND (kind <> 'centre' OR ministry_code IS NOT NULL)
);

-- The people who share one phone (a family's): each request may be for one of them. A profile
-- is never deleted while requests name it; removing one hides it from the phone's lists.
CREATE TABLE profiles (
  id bigserial PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
  name text NOT NULL,
  relationship text NOT NULL CHECK (relationship IN ('child', 'spouse', 'parent', 'sibling', 'grandparent', 'relative', 'other')),
  created_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz
);
CREATE UNIQUE INDEX profiles_name ON profiles (citizen_id, lower(name)) WHERE removed_at IS NULL;
-- NULL: the request is for the phone's own holder.
ALTER TABLE requests ADD COLUMN profile_id bigint REFERENCES profiles(id);

-- A request an operator filed at a centre on a citizen's behalf. Nothing reaches the ministry
-- until the citizen confirms it from their own phone (a reply with confirm_code, or 1 on the
-- screen offered when they dial); unconfirmed ones expire. The answers are cleared once it is
-- decided (on confirmation they live on in the request).
CREATE TABLE assisted_requests (
  id bigserial PRIMARY KEY,
  centre_code text NOT NULL REFERENCES centres(code),
  -- The operator's centre key, its ministry, and the name the operator gave at the counter.
  key_id bigint NOT NULL REFERENCES api_keys(id),
  ministry_code text NOT NULL,
  operator text,
  citizen_id bigint NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
  address text NOT NULL,
  service_code text NOT NULL REFERENCES services(code),
  answers jsonb NOT NULL DEFAULT '{}',
  -- {"name": "...", "relationship": "..."} when filed for someone else on this phone.
  person jsonb,
  locale text,
  confirm_code text NOT NULL,
  -- pending → confirmed | declined | expired (a pending one past expires_at counts as expired).
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'declined', 'expired')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  request_id bigint REFERENCES requests(id),
  -- The SMS that told the citizen (its verification code names the centre when checked).
  outbox_id bigint
);
CREATE INDEX assisted_requests_pending ON assisted_requests (citizen_id, expires_at) WHERE status = 'pending';
CREATE UNIQUE INDEX assisted_requests_code ON assisted_requests (citizen_id, confirm_code) WHERE status = 'pending';
CREATE INDEX assisted_requests_centre ON assisted_requests (centre_code, id DESC);
CREATE INDEX assisted_requests_ministry ON assisted_requests (ministry_code, id DESC);
CREATE INDEX assisted_requests_outbox ON assisted_requests (outbox_id) WHERE outbox_id IS NOT NULL;

-- Every message Lingkod pushes (not the direct answers to a citizen's own text) ends with a
-- code the citizen can check (VERIFY <code>). Six characters from 32 without look-alikes (no
-- 0/O, no 1/I), the first always a letter so a code never reads as a number; ~29 bits drawn
-- from gen_random_uuid()'s strong randomness (bytes 0-5 of a v4 UUID are all random).
-- Outbox.enqueue and the broadcast fan-out both call this: codes are made in one place.
ALTER TABLE outbox ADD COLUMN verification_code text;
CREATE INDEX outbox_verification ON outbox (verification_code) WHERE verification_code IS NOT NULL;
CREATE FUNCTION verification_code() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT translate(substr(b, 1, 1), base64, repeat('ABCDEFGHJKLMNPQR', 4))
      || translate(substr(b, 2, 5), base64, repeat('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 2))
    FROM (SELECT encode(substr(uuid_send(gen_random_uuid()), 1, 6), 'base64') AS b,
                 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/' AS base64) s
$$;
