-- The grievance desk (issue 17): a citizen's complaint or question and the messages of the
-- conversation it starts with the office that owns it.

-- status: 'drafting' (opened by a menu, waiting for the citizen's words), 'open' (waiting for
-- the office), 'answered' (an officer replied, waiting for the citizen), 'closed'.
-- ministry_code NULL: not routed yet (a super-admin's queue). The office is the ministry in the
-- municipality. anonymous: the officer never sees who wrote; the citizen_id is kept only so
-- that replies reach them.
CREATE TABLE threads (
  id bigserial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  citizen_id bigint NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
  category_code text REFERENCES categories(code) ON DELETE SET NULL,
  municipality_code text REFERENCES municipalities(code) ON DELETE SET NULL,
  ministry_code text REFERENCES ministries(code) ON DELETE SET NULL,
  service_code text REFERENCES services(code) ON DELETE SET NULL,
  request_id bigint REFERENCES requests(id) ON DELETE SET NULL,
  anonymous boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('drafting', 'open', 'answered', 'closed')),
  -- The officer (API key) the thread is assigned to.
  assigned_key_id bigint REFERENCES api_keys(id),
  channel text NOT NULL,
  flagged boolean NOT NULL DEFAULT false,
  resolution text,
  -- Until when the citizen's next text (not a keyword) is this thread's (conversation/desk.ts).
  awaiting_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  first_response_at timestamptz,
  closed_at timestamptz
);
CREATE INDEX threads_queue ON threads (ministry_code, municipality_code, status, created_at);
CREATE INDEX threads_citizen ON threads (citizen_id, updated_at DESC);
CREATE INDEX threads_awaiting ON threads (citizen_id) WHERE awaiting_until IS NOT NULL;

-- author: 'citizen', 'officer' (a reply the citizen receives) or 'note' (internal, never sent).
-- body is emptied (purged_at set) once the thread has been closed longer than RETENTION_DAYS.
CREATE TABLE thread_messages (
  id bigserial PRIMARY KEY,
  thread_id bigint NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  author text NOT NULL CHECK (author IN ('citizen', 'officer', 'note')),
  -- 'citizen', or the officer's key label ('key:12').
  actor text NOT NULL,
  body text NOT NULL,
  channel text,
  created_at timestamptz NOT NULL DEFAULT now(),
  purged_at timestamptz
);
CREATE INDEX thread_messages_thread ON thread_messages (thread_id, id);
