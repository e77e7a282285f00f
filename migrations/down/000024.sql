-- Reverse: the body of 000006.
create or replace function app_private.execution_documents(ids uuid[])
  returns table (
    id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid,
    input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer,
    created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint,
    transitions jsonb, node_runs jsonb, pg_bytes bigint)
  language sql stable
  set search_path = pg_catalog
as $$
  with e as materialized (
    select x.* from app_public.executions x where x.id = any(ids)
  ), bounds as materialized (
    select min(e.created_at) as lo, max(e.created_at) as hi from e
  ), t as (
    select x.execution_id,
           jsonb_agg(jsonb_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
             'at', app_private.archive_iso(x.at), 'actor_id', x.actor_id, 'reason', x.reason, 'details', x.details)
             order by x.seq) as docs,
           sum(pg_column_size(x.*))::bigint as bytes
      from app_public.execution_transitions x
     where x.execution_created_at >= (select lo from bounds) and x.execution_created_at <= (select hi from bounds)
       and x.execution_id in (select e.id from e)
     group by x.execution_id
  ), n as (
    select r.execution_id,
           jsonb_agg(jsonb_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt,
             'status', r.status, 'started_at', app_private.archive_iso(r.started_at),
             'finished_at', app_private.archive_iso(r.finished_at), 'output', r.output, 'error', r.error)
             order by r.node_name, r.attempt) as docs,
           sum(pg_column_size(r.*))::bigint as bytes
      from app_public.execution_node_runs r
     where r.execution_created_at >= (select lo from bounds) and r.execution_created_at <= (select hi from bounds)
       and r.execution_id in (select e.id from e)
     group by r.execution_id
  )
  select e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         app_private.archive_micros(e.created_at), app_private.archive_micros(e.started_at),
         app_private.archive_micros(e.finished_at), e.duration_ms, app_private.archive_micros(e.updated_at),
         coalesce(t.docs, '[]'::jsonb), coalesce(n.docs, '[]'::jsonb),
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from e
    left join t on t.execution_id = e.id
    left join n on n.execution_id = e.id
   order by e.created_at desc, e.id desc;
$$;
comment on function app_private.execution_documents(uuid[]) is 'Executions with their transitions and node runs (nested JSON, ordered), timestamps as exact epoch microseconds (top level) or ISO strings with microseconds (nested), newest first; pg_bytes is the PostgreSQL size of the rows (pg_column_size). What the archiver writes and hot reads return.';
