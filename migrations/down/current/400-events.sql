-- reverse of migrations/current/400-events.sql
CREATE OR REPLACE FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_events.stream_id, 'stream_type', append_events.stream_type,
           'expected_version', append_events.expected_version, 'team_id', append_events.team_id,
           'events', coalesce(append_events.events, 'null'::jsonb)))) a;
end;
$$;

COMMENT ON FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid) IS 'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to one stream: the
single-stream form of app_private.append_to_streams, with the same rules and errors.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result (also while the original is in flight); ids reused with other content or
elsewhere raise LFDUP; an empty array is a no-op; an archived stream raises LFARC; bad input raises LFVAL.
Sends a wake-up NOTIFY on linkflow_events (only while no other appending transaction holds the notify gate, advisory lock 41004/0) unless the setting linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';
