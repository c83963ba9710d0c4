-- The Citizen's Charter (RA 11032): the calendar of non-working days the processing-time clock
-- skips, each service's classification and Charter, and each request's clock.

-- A day (or the rest of a day, from `from_time`) on which offices do not work, in the
-- deployment's time zone (TIME_ZONE, Asia/Manila). municipality_code NULL: everywhere this
-- deployment serves (national and regional days, a region-wide suspension); otherwise one
-- municipality (a local holiday, a suspension declared by its mayor). No foreign key: the
-- calendar is kept apart from the catalog, and a catalog re-import must not drop it.
CREATE TABLE calendar_days (
  id bigserial PRIMARY KEY,
  day date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('national', 'regional', 'local', 'suspension')),
  municipality_code text,
  name text NOT NULL,
  -- A half day: offices close at this time (e.g. 12:00); NULL for the whole day.
  from_time time,
  sample boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'local' OR municipality_code IS NOT NULL)
);
-- One entry per day, place and name (everywhere counts as one place).
CREATE UNIQUE INDEX calendar_days_unique ON calendar_days (day, COALESCE(municipality_code, ''), name);
CREATE INDEX calendar_days_day ON calendar_days (day);

-- SAMPLE DATA: the 2026 Philippine holidays (Proclamation No. 1006, s. 2025, as reported) and the
-- BARMM ones, whose Islamic dates move with the moon sighting and are proclaimed each year.
-- Check them against the year's proclamations; replace them through /api/v1/calendar.
INSERT INTO calendar_days (day, kind, municipality_code, name, sample) VALUES
  ('2026-01-01', 'national', NULL, 'New Year''s Day', true),
  ('2026-01-16', 'regional', NULL, 'Lailatul Isra Wal Mi''raj', true),
  ('2026-01-21', 'regional', NULL, 'Bangsamoro Foundation Day', true),
  ('2026-02-17', 'national', NULL, 'Chinese New Year', true),
  ('2026-02-25', 'national', NULL, 'EDSA People Power Revolution Anniversary', true),
  ('2026-03-20', 'national', NULL, 'Eid''l Fitr', true),
  ('2026-04-02', 'national', NULL, 'Maundy Thursday', true),
  ('2026-04-03', 'national', NULL, 'Good Friday', true),
  ('2026-04-09', 'national', NULL, 'Araw ng Kagitingan', true),
  ('2026-05-01', 'national', NULL, 'Labour Day', true),
  ('2026-05-27', 'national', NULL, 'Eid''l Adha', true),
  ('2026-06-12', 'national', NULL, 'Independence Day', true),
  ('2026-06-16', 'regional', NULL, 'Amun Jadid (Islamic New Year)', true),
  ('2026-08-21', 'national', NULL, 'Ninoy Aquino Day', true),
  ('2026-08-25', 'regional', NULL, 'Maulid un-Nabi', true),
  ('2026-08-31', 'national', NULL, 'National Heroes Day', true),
  ('2026-11-01', 'national', NULL, 'All Saints'' Day', true),
  ('2026-11-02', 'national', NULL, 'All Souls'' Day', true),
  ('2026-11-30', 'national', NULL, 'Bonifacio Day', true),
  ('2026-12-08', 'national', NULL, 'Feast of the Immaculate Conception', true),
  ('2026-12-24', 'national', NULL, 'Christmas Eve', true),
  ('2026-12-25', 'national', NULL, 'Christmas Day', true),
  ('2026-12-30', 'national', NULL, 'Rizal Day', true),
  ('2026-12-31', 'national', NULL, 'Last day of the year', true),
  ('2026-06-20', 'local', 'cc-cotabato', 'Cotabato City Charter Day', true),
  ('2026-04-15', 'local', 'lds-marawi', 'Marawi City Charter Day', true);

-- The Charter per service: its classification (3, 7 or 20 working days, or `custom` with its own
-- number), and the Charter text (steps with their durations and responsible units, fees, the
-- responsible officer or unit, how to complain), shaped by src/services/charter-schema.ts.
ALTER TABLE services ADD COLUMN classification text NOT NULL DEFAULT 'simple'
  CHECK (classification IN ('simple', 'complex', 'highly_technical', 'custom'));
ALTER TABLE services ADD COLUMN working_days integer NOT NULL DEFAULT 3 CHECK (working_days BETWEEN 1 AND 250);
ALTER TABLE services ADD COLUMN charter jsonb;

-- Each request's clock. received_at is created_at. due_at: when the working days run out;
-- warn_at: one working day before (the console's "at risk"); both NULL for a request filed
-- before this migration. acted_at: when the office decided (the clock stopped). One extension
-- (extended_at, its reason). deemed_approved_at: the clock ran out with no decision.
ALTER TABLE requests ADD COLUMN working_days integer;
ALTER TABLE requests ADD COLUMN due_at timestamptz;
ALTER TABLE requests ADD COLUMN warn_at timestamptz;
ALTER TABLE requests ADD COLUMN acted_at timestamptz;
ALTER TABLE requests ADD COLUMN extended_at timestamptz;
ALTER TABLE requests ADD COLUMN extension_reason text;
ALTER TABLE requests ADD COLUMN deemed_approved_at timestamptz;
CREATE INDEX requests_clock ON requests (due_at) WHERE acted_at IS NULL AND due_at IS NOT NULL;
