-- The one-stream JSON form takes the array form's lean path when it can.
--
-- append_events(stream, type, expected, events jsonb, team) handed every call to append_to_streams, whose
-- validation of each element and event (type, ids, metadata, schema_version patterns) and explicit locking are what
-- a multi-stream append with caller ids needs. When no event carries an event_id or a schema_version other than 1,
-- the events are unpacked into arrays in one statement and go to app_private.append_stream_events, whose lean path
-- (one stream UPDATE, one INSERT) takes them if the stream exists, is live and meets the expectation, and hands
-- everything else to append_to_streams with the same events. The EventStore's single-stream append (TypeScript)
-- calls this form.
create or replace function app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid default null)
  returns table (event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_types text[];
  v_datas jsonb[];
  v_metadatas jsonb[];
  v_plain boolean;
begin
  if jsonb_typeof(events) = 'array' and jsonb_array_length(events) > 0 then
    select bool_and(jsonb_typeof(e.x) = 'object' and jsonb_typeof(e.x->'type') = 'string'
                    and coalesce(jsonb_typeof(e.x->'event_id'), 'null') = 'null'
                    and coalesce(e.x->'schema_version', '1'::jsonb) = '1'::jsonb),
           array_agg(e.x->>'type' order by e.o), array_agg(e.x->'data' order by e.o), array_agg(e.x->'metadata' order by e.o)
      into v_plain, v_types, v_datas, v_metadatas
      from jsonb_array_elements(events) with ordinality e(x, o);
    if v_plain then
      return query
      select a.event_id, a.stream_version, a.global_position
        from app_private.append_stream_events(append_events.stream_id, append_events.stream_type, append_events.expected_version,
                                              v_types, v_datas, v_metadatas, append_events.team_id) a;
      return;
    end if;
  end if;
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_events.stream_id, 'stream_type', append_events.stream_type,
           'expected_version', append_events.expected_version, 'team_id', append_events.team_id,
           'events', coalesce(append_events.events, 'null'::jsonb)))) a;
end;
$$;
