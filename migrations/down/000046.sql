-- Down of migration 000046: the exact reverse, topic by topic, last topic first.

--! split: 800-archive.sql
-- back to to_char for the nested timestamps
CREATE OR REPLACE FUNCTION app_private.archive_batch_documents(batch_ids uuid[])
 RETURNS TABLE(batch_id uuid, row_no integer, id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint, transitions json, node_runs json, transition_count integer, node_run_count integer, actor_ids uuid[], pg_bytes bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog'
 SET jit TO 'off'
AS $function$
  select a.batch_id, a.row_no, e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         (extract(epoch from e.created_at) * 1000000)::bigint, (extract(epoch from e.started_at) * 1000000)::bigint,
         (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint,
         coalesce(t.docs, '[]'::json), coalesce(n.docs, '[]'::json), t.n::integer, n.n::integer, t.actors,
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from app_private.archived_executions a
    join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
   cross join lateral (
     select json_agg(json_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
              'at', to_char(x.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            count(*) as n, array_agg(distinct x.actor_id) filter (where x.actor_id is not null) as actors,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select json_agg(json_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'finished_at', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            count(*) as n, sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   where a.batch_id = any(batch_ids);
$function$;

comment on function app_private.archive_batch_documents(batch_ids uuid[]) is 'The hot executions of planned batches as the archiver writes them: each with its batch and row number, transitions and node runs as nested JSON (ordered; timestamps as ISO strings with microseconds), top-level timestamps as exact epoch microseconds, the nested row counts, the transitions'' actors and pg_bytes (the PostgreSQL size of the rows, pg_column_size). Rows come in no particular order: order by row_no. An execution of a batch that is no longer hot is absent.';
