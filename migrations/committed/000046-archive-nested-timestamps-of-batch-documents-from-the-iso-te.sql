--! Previous: sha1:1ba8ffb97700efcc9f1dcb40eac3820e9e987994
--! Hash: sha1:2eb000c350f3d18f6286f4fba99153262c8fc0e8
--! Message: Archive: nested timestamps of batch documents from the ISO text padded to six fraction digits (a third of to_char's cost), DateStyle pinned

--! split: 800-archive.sql
-- Archiver speed: the nested timestamps of a batch's documents (three per node run, one per transition: about
-- 2.4 million per 100,000 executions) are formatted from the ISO text of the timestamp in UTC, padded to six
-- fraction digits, instead of by to_char (1.8 us a value against 0.6 us; the same text for every timestamp, tested
-- against app_private.archive_iso). DateStyle is pinned, since the text of a timestamp depends on it.
CREATE OR REPLACE FUNCTION app_private.archive_batch_documents(batch_ids uuid[])
 RETURNS TABLE(batch_id uuid, row_no integer, id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint, transitions json, node_runs json, transition_count integer, node_run_count integer, actor_ids uuid[], pg_bytes bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog'
 SET jit TO 'off'
 SET "DateStyle" TO 'ISO, YMD'
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
              'at', replace(rpad((x.at at time zone 'UTC')::text, 26, case when length((x.at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z', 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            count(*) as n, array_agg(distinct x.actor_id) filter (where x.actor_id is not null) as actors,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select json_agg(json_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', replace(rpad((r.started_at at time zone 'UTC')::text, 26, case when length((r.started_at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z',
              'finished_at', replace(rpad((r.finished_at at time zone 'UTC')::text, 26, case when length((r.finished_at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z',
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            count(*) as n, sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   where a.batch_id = any(batch_ids);
$function$;

comment on function app_private.archive_batch_documents(batch_ids uuid[]) is 'The hot executions of planned batches as the archiver writes them: each with its batch and row number, transitions and node runs as nested JSON (ordered; timestamps as ISO strings with microseconds, the text of app_private.archive_iso), top-level timestamps as exact epoch microseconds, the nested row counts, the transitions'' actors and pg_bytes (the PostgreSQL size of the rows, pg_column_size). Rows come in no particular order: order by row_no. An execution of a batch that is no longer hot is absent.';
