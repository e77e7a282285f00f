-- Function bodies restored here come from the schema before migration 8: node scripts/restore-body.ts --before 8 --rewrite migrations/down/000008.sql
-- Down for the event store, projections and read models: the exact reverse of migration 000008.
drop function app_private.read_model_drift();
drop function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint);
drop function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint);
drop function app_private.project_workflow_list(regclass, xid8, bigint, xid8, bigint);
drop table app_private.team_activity__shadow;
drop table app_private.workflow_execution_daily_stats__shadow;
drop table app_private.workflow_list__shadow;
drop table app_public.team_activity;
drop table app_public.workflow_execution_daily_stats;
drop table app_public.workflow_list;
drop view app_private.projection_lag_metrics;
drop function app_private.projection_lag();
drop function app_private.projection_swap(text[]);
drop table app_private.projection_dead_letters;
drop table app_private.projection_rebuilds;
drop table app_private.projection_checkpoints;
drop function app_private.erase_event_personal_data(uuid, text);
drop table app_private.event_personal_data_fields;
drop view app_private.event_store_horizon_metrics;
drop function app_private.event_store_horizon();
drop function app_private.read_stream_events(text, bigint, integer, boolean);
drop function app_private.read_all_events(xid8, bigint, integer, text[], text[]);
delete from app_public.error_codes where code = 'LFPRJ';
-- append_events: back to the body of 000001.
CREATE OR REPLACE FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_current bigint;
  v_archived boolean;
  v_count integer;
  v_existing integer;
begin
  if events is null or jsonb_typeof(events) <> 'array' then
    raise exception 'events must be a JSON array' using errcode = 'LFVAL', detail = 'field: events';
  end if;
  v_count := jsonb_array_length(events);
  if v_count = 0 then
    return;
  end if;
  if expected_version is not null and expected_version < 0 then
    raise exception 'expected_version must be null (any), 0 (no stream) or a positive version' using errcode = 'LFVAL', detail = 'field: expected_version';
  end if;

  -- Lock the stream (creating it when new) so appends to one stream serialize.
  insert into app_public.event_streams as s (id, type, team_id)
    values (append_events.stream_id, append_events.stream_type, append_events.team_id)
    on conflict (id) do nothing;
  select s.version, s.archived into v_current, v_archived
    from app_public.event_streams s where s.id = append_events.stream_id for update;

  -- Idempotent retry: the same event ids already appended return the original result.
  select count(*) into v_existing
    from app_public.events e
   where e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x where x ? 'event_id');
  if v_existing > 0 then
    if v_existing = v_count and (select count(*) from app_public.events e
          where e.stream_id = append_events.stream_id
            and e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x)) = v_count then
      return query select e.event_id, e.stream_version, e.global_position from app_public.events e
        where e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x)
        order by e.stream_version;
      return;
    end if;
    raise exception 'some event ids already exist in another append' using errcode = 'LFDUP',
      detail = format('stream %s', append_events.stream_id);
  end if;

  if v_archived then
    raise exception 'stream % is archived', append_events.stream_id using errcode = 'LFARC';
  end if;
  if expected_version is not null and expected_version <> v_current then
    raise exception 'stream % is at version %, not the expected %', append_events.stream_id, v_current, expected_version
      using errcode = 'LFVER', detail = format('current_version=%s', v_current);
  end if;

  update app_public.event_streams s set version = v_current + v_count, updated_at = now()
   where s.id = append_events.stream_id;

  return query
  insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
  select append_events.stream_id, append_events.stream_type, v_current + x.ord,
         coalesce((x.e->>'event_id')::uuid, public.gen_random_uuid()),
         x.e->>'type',
         coalesce((x.e->>'schema_version')::integer, 1),
         coalesce(x.e->'data', '{}'::jsonb),
         coalesce(x.e->'metadata', '{}'::jsonb),
         coalesce(append_events.team_id, (select s.team_id from app_public.event_streams s where s.id = append_events.stream_id))
    from jsonb_array_elements(events) with ordinality as x(e, ord)
  returning events.event_id, events.stream_version, events.global_position;
end;
$$;
comment on function app_private.append_events(text, text, bigint, jsonb, uuid) is
'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to a stream.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result; an empty array is a no-op; an archived stream raises LFARC.
Called by the domain functions in the same transaction as their state change.';
