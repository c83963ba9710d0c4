-- A first start's way in without the admin command: while no live API key exists, the server
-- prints a one-time sign-in link in its log (src/services/first-start.ts). The link's token is
-- stored here only as its sha256; it lasts 15 minutes and is used once, to make the first
-- super-admin key, whose source is 'first-start'.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_source_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_source_check CHECK (source IN ('api', 'cli', 'env', 'first-start'));

CREATE TABLE first_start_links (
  token_hash text PRIMARY KEY,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  -- The key its use made.
  key_id bigint REFERENCES api_keys(id) ON DELETE SET NULL
);
