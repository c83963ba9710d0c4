-- Lingkod's first schema: the catalog (ministries, places, services), citizens and their
-- addresses, requests with their history, and announcement subscriptions.
-- Localised text is jsonb: {"en": "...", "fil": "...", "bn": "..."}; "en" is always present.

CREATE TABLE ministries (
  code text PRIMARY KEY,
  name jsonb NOT NULL,
  sample boolean NOT NULL DEFAULT false
);

-- Provinces, and the special geographic area, which is administered like one.
CREATE TABLE provinces (
  code text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('province', 'city', 'special_area')),
  position integer NOT NULL DEFAULT 0
);

CREATE TABLE municipalities (
  code text PRIMARY KEY,
  province_code text NOT NULL REFERENCES provinces(code) ON DELETE CASCADE,
  name text NOT NULL
);
CREATE INDEX municipalities_province ON municipalities (province_code, name);

-- Service centres: where citizens are served in person (the counterpart of Union Digital Centers).
CREATE TABLE centres (
  code text PRIMARY KEY,
  municipality_code text NOT NULL REFERENCES municipalities(code) ON DELETE CASCADE,
  name text NOT NULL,
  address text NOT NULL,
  hours text NOT NULL,
  phone text
);
CREATE INDEX centres_municipality ON centres (municipality_code);

CREATE TABLE categories (
  code text PRIMARY KEY,
  name jsonb NOT NULL,
  position integer NOT NULL DEFAULT 0
);

CREATE TABLE services (
  code text PRIMARY KEY,
  category_code text NOT NULL REFERENCES categories(code) ON DELETE CASCADE,
  ministry_code text NOT NULL REFERENCES ministries(code) ON DELETE CASCADE,
  name jsonb NOT NULL,
  requirements jsonb NOT NULL DEFAULT '[]',
  fee_php numeric(12, 2) NOT NULL DEFAULT 0,
  processing_time jsonb NOT NULL,
  office jsonb NOT NULL,
  -- The request form: an array of fields, or null when the service takes no requests.
  form jsonb,
  -- Ordered statuses a request moves through; the first is where a new request starts.
  workflow jsonb NOT NULL DEFAULT '["received","in_review","needs_info","approved","rejected","ready_for_pickup","closed"]',
  position integer NOT NULL DEFAULT 0
);
CREATE INDEX services_category ON services (category_code, position);

CREATE TABLE topics (
  code text PRIMARY KEY,
  name jsonb NOT NULL,
  position integer NOT NULL DEFAULT 0
);

-- Facts about the loaded catalog, e.g. {"sample": true} while the sample data is in use.
CREATE TABLE catalog_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE citizens (
  id bigserial PRIMARY KEY,
  locale text,
  opted_out boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- How a citizen is reached: 'tel:+639171234567', 'telegram:123456'. One citizen, many addresses.
CREATE TABLE citizen_addresses (
  address text PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
  channel text NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX citizen_addresses_citizen ON citizen_addresses (citizen_id);

CREATE TABLE requests (
  id bigserial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  citizen_id bigint NOT NULL REFERENCES citizens(id),
  service_code text NOT NULL REFERENCES services(code),
  answers jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL,
  channel text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_citizen ON requests (citizen_id, created_at DESC);
CREATE INDEX requests_service_status ON requests (service_code, status, created_at DESC);

-- Every status a request has had, with who moved it and why.
CREATE TABLE request_events (
  id bigserial PRIMARY KEY,
  request_id bigint NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  status text NOT NULL,
  note text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE TABLE subscriptions (
  citizen_id bigint NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
  topic_code text NOT NULL REFERENCES topics(code) ON DELETE CASCADE,
  municipality_code text NOT NULL REFERENCES municipalities(code) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (citizen_id, topic_code, municipality_code)
);
CREATE INDEX subscriptions_topic ON subscriptions (topic_code, municipality_code);
