--! Previous: sha1:15504050a24fa14b8d7b61fc2f89e5c4c99c6216
--! Hash: sha1:f14caf473bd634ad6e44b7bd025b37928277e063
--! Message: Events: the events-to-streams relation stays in GraphQL as a virtual foreign key

-- The events -> event_streams relation stays in GraphQL (Event.stream, EventStream.eventsByStreamId) now that
-- the rule is a statement-level trigger instead of a foreign key: a PostGraphile virtual foreign key.
comment on table app_public.events is E'@foreignKey (stream_id) references app_public.event_streams (id)\nThe append-only event log. Read globally in (transaction_id, global_position) order, exposing only transactions older than the current snapshot''s xmin, so readers never skip an event committed out of order. metadata carries correlation_id, causation_id, actor and trace_id. team_id is denormalised from the stream for RLS and distribution. Every event''s stream exists (trigger _200_stream_exists).';
