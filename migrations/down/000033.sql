-- Down of migration 000033: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
-- reverse of migrations/current/850-lifecycle.sql: the earlier trim functions
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid);

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer DEFAULT 5000, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(team_id uuid, node_runs integer, bytes_freed bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
     order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
     limit max_rows
  ), upd as (
    update app_public.execution_node_runs n set output = d.new_output
      from due d
     where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
       and n.node_name = d.node_name and n.attempt = d.attempt
    returning n.team_id, d.bytes_freed
  )
  select u.team_id, count(*)::integer, sum(u.bytes_freed)::bigint from upd u group by u.team_id;
end;
$$;

COMMENT ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone) IS 'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';

revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) from public;

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(execution_id uuid, execution_created_at timestamp with time zone, team_id uuid, node_name text, attempt integer, mode text, new_output jsonb, bytes_freed bigint)
    LANGUAGE sql STABLE
    AS $_$
  select n.execution_id, n.execution_created_at, n.team_id, n.node_name, n.attempt, p.node_output, t.new_output,
         (pg_column_size(n.output) - z.stored)::bigint
    from app_public.execution_node_runs n
    join app_public.executions e on e.id = n.execution_id and e.created_at = n.execution_created_at
    left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
    left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
    cross join lateral (select coalesce(wp.node_output, tp.node_output, 'keep') as node_output,
                               case when wp.id is not null then wp.node_output_after_days else tp.node_output_after_days end as after_days,
                               case when wp.id is not null then wp.node_output_max_bytes else tp.node_output_max_bytes end as max_bytes) p
    cross join lateral (select case p.node_output
             when 'drop' then jsonb_build_object('$trimmed', octet_length(n.output::text))
             else jsonb_build_object('$trimmed', octet_length(n.output::text), 'preview', left(n.output::text, p.max_bytes)) end as new_output) t
    -- a new value of at most 130 bytes is stored with a 1-byte header instead of 4 (short varlena)
    cross join lateral (select case when pg_column_size(t.new_output) <= 130 then pg_column_size(t.new_output) - 3
                                    else pg_column_size(t.new_output) end as stored) z
   where (only_team_id is null or n.team_id = only_team_id)
     and p.node_output in ('trim', 'drop')
     and n.output is not null
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (p.node_output = 'drop' or octet_length(n.output::text) > p.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output)
     and e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < at - make_interval(days => p.after_days)
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
     -- executions leaving the hot tables in this pass are archived as they are
     and not exists (select 1 from app_private.lifecycle_archive_due(default_hot_days, e.team_id, at) d
                      where d.execution_id = e.id and d.created_at = e.created_at);
$_$;

COMMENT ON FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone) IS 'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more).';

--! split: 800-archive.sql
-- Reverse of migrations/current/800-archive.sql: the listing page with timestamps as epoch microseconds.
drop function if exists app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean);
drop type if exists app_private.archive_list_row;

create type app_private.archive_list_row as (
  id uuid, created_at timestamptz, batch_id uuid, row_no integer,
  team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid,
  input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer,
  created_micros bigint, started_micros bigint, finished_micros bigint, duration_ms bigint, updated_micros bigint
);
comment on type app_private.archive_list_row is 'One row of a hot+cold listing page: a hot execution''s columns (timestamps as exact epoch microseconds), or a cold key (batch_id, row_no; the other columns null).';

CREATE OR REPLACE FUNCTION app_private.archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean DEFAULT true) RETURNS SETOF app_private.archive_list_row
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
-- timestamps as microseconds inline (the expression of app_private.archive_micros, which a SET clause keeps
-- from being inlined: a function call per column and row cost more than the scan)
declare
  lo timestamptz := coalesce(from_time, '-infinity');
  hi timestamptz := least(coalesce(to_time, 'infinity'), coalesce(after_created_at + interval '1 microsecond', 'infinity'));
  ca timestamptz := coalesce(after_created_at, 'infinity');
  ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
begin
  if team_id is null and workflow_id is null then
    raise exception 'a team or a workflow is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 10000 then
    raise exception 'limit must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: limit';
  end if;
  if workflow_id is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.workflow_id = archive_list_page.workflow_id
       and (archive_list_page.team_id is null or e.team_id = archive_list_page.team_id)
       and (archive_list_page.state is null or e.state = archive_list_page.state)
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  elsif state is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.team_id = archive_list_page.team_id and e.state = archive_list_page.state
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  else
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.team_id = archive_list_page.team_id
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  end if;
  if include_cold then
    return query
    select a.execution_id, a.created_at, a.batch_id, a.row_no, a.team_id, a.workflow_id, null::integer, a.state, null::text, null::uuid,
           null::jsonb, null::jsonb, null::jsonb, null::integer, null::text, null::integer, (extract(epoch from a.created_at) * 1000000)::bigint,
           null::bigint, null::bigint, null::bigint, null::bigint
      from app_private.archived_executions a
      join app_private.archive_batches b on b.id = a.batch_id and b.state = 'deleted'
     where (archive_list_page.team_id is null or a.team_id = archive_list_page.team_id)
       and (archive_list_page.workflow_id is null or a.workflow_id = archive_list_page.workflow_id)
       and (archive_list_page.state is null or a.state = archive_list_page.state)
       and a.created_at >= lo and a.created_at < hi and (a.created_at, a.execution_id) < (ca, ci)
     order by a.created_at desc, a.execution_id desc
     limit max_rows;
  end if;
end;
$$;

COMMENT ON FUNCTION app_private.archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean) IS 'Up to 2 x max_rows candidates of one listing page (newest first, keyset after (after_created_at, after_id), filtered by team, workflow, state and [from_time, to_time)): hot executions with their columns, and cold keys of deleted batches. The caller takes the first max_rows in (created_at desc, id desc) order. Hot rows of batches not yet deleted are served hot, so no execution appears twice.';
revoke all on function app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) from public;

--! split: 400-events.sql
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
