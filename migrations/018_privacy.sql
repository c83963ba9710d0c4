-- Data protection (issue 20): consent records, a privacy officer's key role, breach notices.

-- Consent given and withdrawn, per purpose (data/purposes.yaml), as evidence (NPC Circular
-- 2023-04; PDPO 2025): the channel, the time, and the exact text the citizen saw with the
-- version of the purposes it was given under and the text's SHA-256. Append-only: a trigger
-- refuses UPDATE, DELETE and TRUNCATE, so a revision is never changed in place. A citizen's
-- erasure does not need to touch these rows: they hold no number, chat or name, only the
-- citizen's key, and erasure removes everything that key leads to (citizen_addresses); the
-- erasure itself is appended as a withdrawal. No foreign key: nothing may cascade into them.
CREATE TABLE consent_events (
  id bigserial PRIMARY KEY,
  citizen_id bigint NOT NULL,
  purpose text NOT NULL,
  -- What within the purpose: 'topic/municipality' for one subscription; '' for the whole purpose.
  scope text NOT NULL DEFAULT '',
  action text NOT NULL CHECK (action IN ('given', 'withdrawn')),
  channel text NOT NULL,
  notice_key text NOT NULL,
  notice_locale text NOT NULL,
  notice_text text NOT NULL,
  notice_sha256 text NOT NULL,
  purposes_version integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_events_citizen ON consent_events (citizen_id, id);
CREATE INDEX consent_events_time ON consent_events (created_at, id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A privacy officer's key (the DPO's): works as an officer of its ministry, reads the consent records and sends breach notices.
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'officer', 'privacy'));

-- A personal data breach notice (NPC Circular 16-03): the report's fields, the officer's
-- selection of who is affected, and how many were notified (the notices are outbox rows of kind
-- 'notice', which quiet hours do not hold).
CREATE TABLE breaches (
  id bigserial PRIMARY KEY,
  -- {nature, dataInvolved, measures, dpoContact, helpOffered}
  report jsonb NOT NULL,
  -- {from, to, ministry, service, references}
  selection jsonb NOT NULL,
  texts jsonb NOT NULL,
  affected integer NOT NULL,
  notified integer NOT NULL,
  created_by bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
