-- The voice line (issue 21): recordings of prompts a ministry uploaded, per i18n key and locale.
-- A recording says one text: `text_hash` is the SHA-256 of the translation it was recorded for,
-- and it is played only while the string still reads so (an edited translation is spoken by
-- text-to-speech until it is recorded again). Small files (short prompts), kept in the database
-- so every instance serves the same ones.
CREATE TABLE voice_prompts (
  locale text NOT NULL,
  key text NOT NULL,
  text_hash text NOT NULL,
  content_type text NOT NULL,
  audio bytea NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (locale, key)
);
CREATE INDEX voice_prompts_text ON voice_prompts (locale, text_hash);
