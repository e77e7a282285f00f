--! Previous: sha1:b6b4b64b14e958983f8263caa9b50f1eedb5f928
--! Hash: sha1:3217f13227a5f164f989c15233d57451e922b42d
--! Message: append_events takes the array form's lean path, hot month listing returns plain UTC timestamp text, retention trim in batches from a keyset position with set-based legal-hold and archive-due checks

--! split: 400-events.sql
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

--! split: 800-archive.sql
------------------------------------------------------------------------------------------------------------
-- The hot listing (ArchiveReader.listExecutions): the page's timestamps come as PostgreSQL's own text output
-- in UTC ("2026-10-30 00:01:01.123457+00", TimeZone and DateStyle pinned by the function), which the client
-- turns into the ISO form with string slicing. Before, they came as epoch microseconds (extract() on numeric),
-- which the client turned into text with BigInt arithmetic, and the client also parsed a created_at it did not
-- use into a Date: the per-row client work cost more than the statement. created_at stays the timestamptz sort
-- key of the caller's ORDER BY (which need not fetch it).
------------------------------------------------------------------------------------------------------------

drop function if exists app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean);
drop type if exists app_private.archive_list_row;

create type app_private.archive_list_row as (
  id uuid, created_at timestamptz, batch_id uuid, row_no integer,
  team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid,
  input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer,
  created_utc text, started_utc text, finished_utc text, duration_ms bigint, updated_utc text
);
comment on type app_private.archive_list_row is 'One row of a hot+cold listing page: a hot execution''s columns (timestamps as text in UTC and DateStyle ISO, e.g. 2026-10-30 00:01:01.123457+00; created_at is the sort key), or a cold key (batch_id, row_no with team_id, workflow_id and state; the other columns null).';

create function app_private.archive_list_page(
    team_id uuid, workflow_id uuid, state text, from_time timestamptz, to_time timestamptz,
    after_created_at timestamptz, after_id uuid, max_rows integer, include_cold boolean default true)
  returns setof app_private.archive_list_row
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
  set timezone = 'UTC'
  set datestyle = 'ISO, YMD'
as $$
-- timestamps as their text output in UTC (the client makes the ISO form of it): app_private.archive_iso is not
-- inlined (a function call per column and row) and its to_char costs about a third of the page's statement
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
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.workflow_id = archive_list_page.workflow_id
       and (archive_list_page.team_id is null or e.team_id = archive_list_page.team_id)
       and (archive_list_page.state is null or e.state = archive_list_page.state)
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  elsif state is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.team_id = archive_list_page.team_id and e.state = archive_list_page.state
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  else
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.team_id = archive_list_page.team_id
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  end if;
  if include_cold then
    return query
    select a.execution_id, a.created_at, a.batch_id, a.row_no, a.team_id, a.workflow_id, null::integer, a.state, null::text, null::uuid,
           null::jsonb, null::jsonb, null::jsonb, null::integer, null::text, null::integer, null::text, null::text, null::text, null::bigint, null::text
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
comment on function app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) is 'Up to 2 x max_rows candidates of one listing page (newest first, keyset after (after_created_at, after_id), filtered by team, workflow, state and [from_time, to_time)): hot executions with their columns (timestamps as text in UTC), and cold keys of deleted batches. The caller takes the first max_rows in (created_at desc, id desc) order. Hot rows of batches not yet deleted are served hot, so no execution appears twice. Refuses a call without team and workflow, and a max_rows outside 1..10000 (LFVAL).';
revoke all on function app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) from public;

--! split: 850-lifecycle.sql
-- Trimming node outputs in proportion to the batch, not to the history.
--
-- lifecycle_trim_due: the legal-hold check is an anti-join on legal_holds and the archive-due exclusion is
-- written on the row (the executions it keeps out are those lifecycle_archive_due lists: terminal and not held
-- are already required here, what is left is "older than the hot retention, not archived, not recently
-- restored"), instead of a call of archive_is_held (SET clause: never inlined, run per row) and a correlated
-- lifecycle_archive_due per candidate (which called archive_is_held again). Same rows, same columns.
--
-- lifecycle_trim_node_outputs: walks the due node runs in their order (execution_created_at, execution_id,
-- node_name, attempt) from a keyset position (after_created_at, after_execution_id: the last execution of the
-- previous call, inclusive) and stops at max_rows (executions sorted, then each one's node runs: an incremental
-- sort the limit stops); returns that position for the next call. JIT off: a plan over every daily partition
-- compiles thousands of expressions (seconds) for milliseconds of work.

create or replace function app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid default null,
                                                          at timestamptz default now())
returns table (execution_id uuid, execution_created_at timestamptz, team_id uuid, node_name text, attempt integer,
               mode text, new_output jsonb, bytes_freed bigint)
language sql stable
as $$
  select n.execution_id, n.execution_created_at, n.team_id, n.node_name, n.attempt, x.node_output, t.new_output,
         (pg_column_size(n.output) - z.stored)::bigint
    -- the executions first (every rule of the execution), in order: a caller taking the oldest few stops early
    from (select e.id, e.created_at, p.node_output, p.max_bytes
            from app_public.executions e
            left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
            left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
            left join app_private.archive_retention r on r.team_id = e.team_id
           cross join lateral (select coalesce(wp.node_output, tp.node_output, 'keep') as node_output,
                                      case when wp.id is not null then wp.node_output_after_days else tp.node_output_after_days end as after_days,
                                      case when wp.id is not null then wp.node_output_max_bytes else tp.node_output_max_bytes end as max_bytes) p
           where (only_team_id is null or e.team_id = only_team_id)
             and p.node_output in ('trim', 'drop')
             and e.state = any (app_hidden.execution_terminal_states())
             and e.created_at < at - make_interval(days => p.after_days)
             -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
             and not exists (select 1 from app_private.legal_holds h
                              where h.released_at is null and h.team_id = e.team_id
                                and (h.workflow_id is null and h.execution_id is null
                                     or h.workflow_id = e.workflow_id or h.execution_id = e.id))
             -- executions leaving the hot tables in this pass are archived as they are: those
             -- app_private.lifecycle_archive_due lists (terminal and not held hold already; the same hot retention precedence)
             and (e.created_at < at - make_interval(days => coalesce(wp.hot_days, tp.hot_days, r.hot_days,
                    (select s.default_hot_days from app_private.lifecycle_settings s), default_hot_days))
                  and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
                  and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > at)) is not true
           order by e.created_at, e.id
          offset 0) x
    join app_public.execution_node_runs n on n.execution_id = x.id and n.execution_created_at = x.created_at
    cross join lateral (select case x.node_output
             when 'drop' then jsonb_build_object('$trimmed', octet_length(n.output::text))
             else jsonb_build_object('$trimmed', octet_length(n.output::text), 'preview', left(n.output::text, x.max_bytes)) end as new_output) t
    -- a new value of at most 130 bytes is stored with a 1-byte header instead of 4 (short varlena)
    cross join lateral (select case when pg_column_size(t.new_output) <= 130 then pg_column_size(t.new_output) - 3
                                    else pg_column_size(t.new_output) end as stored) z
   where n.output is not null
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (x.node_output = 'drop' or octet_length(n.output::text) > x.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output);
$$;

comment on function app_private.lifecycle_trim_due(integer, uuid, timestamptz) is
  'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are: the executions app_private.lifecycle_archive_due lists). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more). Set-based: the hold check and the archive exclusion are joins of the one statement.';

drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz);
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid);
create function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000,
                                                        only_team_id uuid default null, at timestamptz default now(),
                                                        after_created_at timestamptz default null, after_execution_id uuid default null)
returns table (team_id uuid, node_runs integer, bytes_freed bigint, last_created_at timestamptz, last_execution_id uuid)
language plpgsql volatile
set search_path = pg_catalog
-- the plan spans every daily partition: JIT would compile thousands of expressions (seconds) for milliseconds of work
set jit = off
-- the due set is estimated at a row or two (many filters), so the planner would build and sort all of it for the
-- limit; without plain sorts it takes the executions in order and sorts only each one's node runs (incremental
-- sort), and the limit stops the walk
set enable_sort = off
as $$
declare
  v_before timestamptz;
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  if (after_created_at is null) <> (after_execution_id is null) then
    raise exception 'after_created_at and after_execution_id go together' using errcode = 'LFVAL', detail = 'field: after_execution_id';
  end if;
  -- nothing is due after the newest cutoff of the trim/drop policies in scope (none: nothing to do)
  select at - make_interval(days => min(p.node_output_after_days)) into v_before
    from app_public.retention_policies p
   where p.node_output in ('trim', 'drop') and (only_team_id is null or p.team_id = only_team_id);
  if v_before is null then
    return;
  end if;
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
     where d.execution_created_at < v_before
       and d.execution_created_at >= coalesce(after_created_at, '-infinity')
       and (d.execution_created_at, d.execution_id)
           >= (coalesce(after_created_at, '-infinity'), coalesce(after_execution_id, '00000000-0000-0000-0000-000000000000'))
     order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
     limit max_rows
  ), upd as (
    update app_public.execution_node_runs n set output = d.new_output
      from due d
     where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
       and n.node_name = d.node_name and n.attempt = d.attempt
    returning n.team_id, n.execution_created_at, n.execution_id, d.bytes_freed
  -- the position of the batch's last node run (the same on every row): where the next call starts
  ), l as materialized (
    select u.execution_created_at, u.execution_id from upd u order by 1 desc, 2 desc limit 1
  )
  select u.team_id, count(*)::integer, sum(u.bytes_freed)::bigint, l.execution_created_at, l.execution_id
    from upd u cross join l
   group by u.team_id, l.execution_created_at, l.execution_id;
end;
$$;

comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid) is
  'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement, oldest first (by execution_created_at, execution_id, node_name, attempt), starting at the execution (after_created_at, after_execution_id) inclusive when given (both or neither: LFVAL). Returns per team the node runs trimmed and the bytes freed (the dry run''s measure), and on every row the position of the batch''s last execution (last_created_at, last_execution_id): pass it as after_* to the next call of the same pass, so each call reads about its batch instead of the history before it. default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns fewer than max_rows node runs.';

revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid) from public;
