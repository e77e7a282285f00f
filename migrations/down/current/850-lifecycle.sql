-- reverse of migrations/current/850-lifecycle.sql
CREATE OR REPLACE FUNCTION app_private.execution_bytes(r app_public.executions) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_bytes(r app_public.executions) IS 'The bytes a row of executions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

CREATE OR REPLACE FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) IS 'The bytes a row of execution_transitions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

CREATE OR REPLACE FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) IS 'The bytes a row of execution_node_runs counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';
