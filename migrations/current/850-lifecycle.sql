-- The usage byte counters in PL/pgSQL: the same sums, a plan kept for the session.
--
-- As SQL functions they were never inlined (the whole-row argument reaches them through a row-type conversion and
-- is used once per column), so every statement calling them parsed and planned their body again: the usage
-- triggers of one single move spent about 0.4 ms there, half the cost of the move (measured with 1 client,
-- synchronous_commit off: 0.90 ms per bare move with the SQL bodies, 0.42 ms with these).

create or replace function app_private.execution_bytes(r app_public.executions) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
end;
$$;

create or replace function app_private.execution_transition_bytes(r app_public.execution_transitions) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
end;
$$;

create or replace function app_private.execution_node_run_bytes(r app_public.execution_node_runs) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
end;
$$;
