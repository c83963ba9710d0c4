-- The forensic trail of USSD hops (issue 12): for each hop a gateway brought, which gateway,
-- network and source address it came from, its session id and USSD code, when, and the citizen
-- and address it acted for. Never what the caller typed. One INSERT per hop (services/hop-trail.ts);
-- purged after RETENTION_DAYS (services/retention.ts).
CREATE TABLE ussd_hops (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- 'africastalking', and the other gateway families as they are added.
  gateway text NOT NULL,
  -- The mobile network the gateway named (Africa's Talking's networkCode).
  network text,
  -- The address the hop came from (the socket's, or a forwarded one through TRUST_PROXY).
  source inet,
  -- The gateway's own session id, to match against the gateway's session report.
  session_id text NOT NULL,
  service_code text,
  -- 'tel:+63…': kept after an erasure (until purged), since it shows whether the erasure was the phone's.
  address text NOT NULL,
  -- The citizen the address belonged to when the row was written (NULL once it was erased).
  -- No foreign key: a trail row must never stop or slow a change to citizens.
  citizen_id bigint
);
CREATE INDEX ussd_hops_citizen ON ussd_hops (citizen_id, received_at) WHERE citizen_id IS NOT NULL;
CREATE INDEX ussd_hops_address ON ussd_hops (address, received_at);
-- Rows arrive in time order: a BRIN index finds the expired ones for the purge at almost no cost per INSERT.
CREATE INDEX ussd_hops_received ON ussd_hops USING brin (received_at);
