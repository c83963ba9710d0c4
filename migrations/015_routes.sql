-- SMS routing (src/outbox/routing): the provider that carried each phone message and the
-- recipient's network as the prefix table read it, for the console's per-route counts and for
-- delivery reports to reach the right circuit breaker; and why a "delivered" was not believed.
ALTER TABLE outbox ADD COLUMN route text;
ALTER TABLE outbox ADD COLUMN network text;
ALTER TABLE outbox ADD COLUMN delivery_doubt text;
CREATE INDEX outbox_route ON outbox (route, created_at) WHERE route IS NOT NULL;
