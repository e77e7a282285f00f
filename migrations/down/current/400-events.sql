-- Reverse of migrations/current/400-events.sql.
drop function if exists app_private.projection_shadow_indexes(text[], boolean);

CREATE OR REPLACE FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  -- 1. execution counters and the newest execution created in the batch
  execute format($q$
    with ev as (
      select e.global_position as pos, e.type, e.data, e.team_id
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('ExecutionCreated', 'ExecutionStateChanged')
    ), agg as (
      select (data->>'workflow_id')::uuid as wid, (max(coalesce(data->>'team_id', team_id::text)))::uuid as team_id,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'succeeded') as succeeded,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'cancelled') as cancelled
        from ev group by 1
    ), newest as (
      select distinct on ((data->>'workflow_id')::uuid) (data->>'workflow_id')::uuid as wid,
             (data->>'execution_id')::uuid as eid, (data->>'created_at')::timestamptz as at, data->>'state' as state
        from ev where type = 'ExecutionCreated'
       order by (data->>'workflow_id')::uuid, (data->>'created_at')::timestamptz desc, pos desc
    )
    insert into %1$s as t (workflow_id, team_id, execution_count, succeeded_count, failed_count, cancelled_count,
                           last_execution_id, last_execution_at, last_execution_state, last_execution_seq)
    select a.wid, a.team_id, a.created, a.succeeded, a.failed, a.cancelled, n.eid, n.at, n.state, 0
      from agg a left join newest n on n.wid = a.wid
     where a.wid is not null
    on conflict (workflow_id) do update set
      execution_count = t.execution_count + excluded.execution_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      last_execution_id = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_id else t.last_execution_id end,
      last_execution_state = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_state else t.last_execution_state end,
      last_execution_seq = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end,
      last_execution_at = greatest(excluded.last_execution_at, t.last_execution_at)
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 2. the last execution's newest state
  execute format($q$
    with last_move as (
      select distinct on ((e.data->>'execution_id')::uuid) (e.data->>'execution_id')::uuid as eid,
             e.data->>'to_state' as state, (e.data->>'seq')::integer as seq
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'ExecutionStateChanged'
       order by (e.data->>'execution_id')::uuid, (e.data->>'seq')::integer desc
    )
    update %1$s t set last_execution_state = m.state, last_execution_seq = m.seq
      from last_move m
     where t.last_execution_id = m.eid and m.seq > t.last_execution_seq
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 3. workflow state, guarded by stream version: the newest full state (created/saved), then a newer status
  -- change, then deletion
  execute format($q$
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, created_at, updated_at)
    select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid, coalesce((e.data->>'team_id')::uuid, e.team_id),
           e.data->>'name', e.data->>'status', (e.data->>'version')::integer, e.stream_version,
           min(e.created_at) filter (where e.type = 'WorkflowCreated') over (partition by (e.data->>'workflow_id')::uuid), e.created_at
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved')
     order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    on conflict (workflow_id) do update set
      name = excluded.name, status = excluded.status, version = excluded.version, stream_version = excluded.stream_version,
      created_at = coalesce(t.created_at, excluded.created_at), updated_at = excluded.updated_at
    where t.stream_version < excluded.stream_version
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    with st as (
      select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid as wid, e.data, e.stream_version as sv, e.created_at
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'WorkflowStatusChanged'
       order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    )
    update %1$s t set status = st.data->>'status', version = coalesce((st.data->>'version')::integer, t.version),
           stream_version = st.sv, updated_at = st.created_at
      from st where t.workflow_id = st.wid and t.stream_version < st.sv
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    delete from %1$s t using app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type = 'WorkflowDeleted' and t.workflow_id = (e.data->>'workflow_id')::uuid
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

COMMENT ON FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) IS 'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based.';

alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) reset work_mem;
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) reset jit;
alter function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint) reset jit;
