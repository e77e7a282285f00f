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
