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
