-- Function bodies restored here come from the schema before migration 17: node scripts/restore-body.ts --before 17 --rewrite migrations/down/000017.sql
-- Down: the exact reverse of migration 000017 (append_to_streams, the set-based stream check); append_events gets its 000008 body back.
drop trigger if exists _200_restrict_delete on app_public.event_streams;
drop function if exists app_private.tg_event_streams__restrict_delete();
drop trigger if exists _200_stream_exists on app_public.events;
drop function if exists app_private.tg_events__stream_exists();
alter table app_public.events add constraint events_stream_id_fkey foreign key (stream_id) references app_public.event_streams (id) on delete restrict;
CREATE OR REPLACE FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_count integer;
  v_current bigint;
  v_archived boolean;
  v_team uuid;
  v_ids uuid[];
  v_existing integer;
  v_bumped boolean := false;
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
  if stream_type is null then
    raise exception 'stream_type is required' using errcode = 'LFVAL', detail = 'field: stream_type';
  end if;

  if jsonb_path_exists(events, '$[*].event_id') then
    -- Idempotent retry: the same event ids already appended to this stream return the original result.
    v_ids := array(select (x->>'event_id')::uuid from jsonb_array_elements(events) x where x ? 'event_id');
    select count(*) into v_existing from app_public.events e where e.event_id = any (v_ids);
    if v_existing > 0 then
      if v_existing = v_count and cardinality(v_ids) = v_count
         and (select count(*) from app_public.events e
               where e.event_id = any (v_ids) and e.stream_id = append_events.stream_id) = v_count then
        return query select e.event_id, e.stream_version, e.global_position from app_public.events e
          where e.event_id = any (v_ids) order by e.stream_version;
        return;
      end if;
      raise exception 'some event ids already exist in another append' using errcode = 'LFDUP',
        detail = format('stream %s', append_events.stream_id);
    end if;
  end if;

  -- Fast path: lock and bump in one statement when the expectation holds.
  update app_public.event_streams s
     set version = s.version + v_count, updated_at = now()
   where s.id = append_events.stream_id
     and not s.archived
     and (append_events.expected_version is null or s.version = append_events.expected_version)
  returning s.version - v_count, s.team_id into v_current, v_team;
  v_bumped := found;

  if not v_bumped then
    -- A new stream: create it already bumped (only when "any" or "no stream" is expected).
    if expected_version is null or expected_version = 0 then
      insert into app_public.event_streams as s (id, type, team_id, version)
        values (append_events.stream_id, append_events.stream_type, append_events.team_id, v_count)
        on conflict (id) do nothing
      returning 0::bigint, s.team_id into v_current, v_team;
      v_bumped := found;
    end if;
  end if;

  if not v_bumped then
    -- The careful path: lock the existing stream and find out what to do.
    select s.version, s.archived, s.team_id into v_current, v_archived, v_team
      from app_public.event_streams s where s.id = append_events.stream_id for update;
    if not found then
      -- Only reachable with expected_version > 0 on a missing stream.
      raise exception 'stream % does not exist, not at the expected version %', append_events.stream_id, expected_version
        using errcode = 'LFVER', detail = 'current_version=0';
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
  end if;

  -- Wake-up: NOTIFY serialises the commits of notifying transactions cluster-wide (a global lock held through
  -- the commit's WAL flush), which cut single-append throughput about 5x when every writer notified. So only
  -- the transaction holding a transaction-scoped try-lock notifies; the others commit in parallel and are
  -- picked up by that wake-up or the next one (or the manager's polling fallback).
  if coalesce(pg_catalog.current_setting('linkflow.events_notify', true), '') <> 'off'
     and pg_catalog.pg_try_advisory_xact_lock(41004, 0) then
    perform pg_catalog.pg_notify('linkflow_events', '');
  end if;

  return query
  insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
  select append_events.stream_id, append_events.stream_type, v_current + x.ord,
         coalesce((x.e->>'event_id')::uuid, public.gen_random_uuid()),
         x.e->>'type',
         coalesce((x.e->>'schema_version')::integer, 1),
         coalesce(x.e->'data', '{}'::jsonb),
         coalesce(x.e->'metadata', '{}'::jsonb),
         coalesce(append_events.team_id, v_team)
    from jsonb_array_elements(events) with ordinality as x(e, ord)
  returning events.event_id, events.stream_version, events.global_position;
end;
$_$;
comment on function app_private.append_events(text, text, bigint, jsonb, uuid) is
'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to a stream.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result; an empty array is a no-op; an archived stream raises LFARC.
Sends a wake-up NOTIFY on linkflow_events (only while no other appending transaction holds the notify gate, advisory lock 41004/0) unless the setting linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';
drop function if exists app_private.append_to_streams(jsonb);
drop function if exists app_private.append_retry_result(text[], integer[], uuid[], text[], jsonb[], jsonb[]);
drop function if exists app_private.event_input_problem(jsonb);
drop function if exists app_private.append_input_problem(jsonb);
