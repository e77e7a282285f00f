-- Function bodies restored here come from the schema before migration 20: node scripts/restore-body.ts --before 20 --rewrite migrations/down/000020.sql
-- Reverse of migration 000020 (node runs at engine rate): the single node-run functions as migration 000007 left them, then
-- the batched form and its types dropped.
CREATE OR REPLACE FUNCTION app_private.record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean) RETURNS app_public.execution_node_runs
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  e app_public.executions;
  n app_public.execution_node_runs;
  v_attempt integer;
begin
  if p_node_name is null or char_length(p_node_name) not between 1 and 200 then
    raise exception 'node name must have 1 to 200 characters' using errcode = 'LFVAL', detail = 'field: node_name';
  end if;
  if p_attempt is not null and p_attempt < 1 then
    raise exception 'attempt must be positive' using errcode = 'LFVAL', detail = 'field: attempt';
  end if;
  e := app_private.lock_execution_for_node_run(p_execution_id, p_check_role);
  v_attempt := coalesce(p_attempt, (select coalesce(max(nr.attempt), 0) + 1 from app_public.execution_node_runs nr
                                     where nr.execution_id = e.id and nr.execution_created_at = e.created_at and nr.node_name = p_node_name));
  insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status, started_at)
    values (e.id, e.created_at, e.team_id, p_node_name, p_node_id, v_attempt, 'running', clock_timestamp())
    on conflict do nothing
    returning * into n;
  if n.execution_id is null then
    raise exception 'node % attempt % was already started', p_node_name, v_attempt using errcode = 'LFCNF', detail = 'field: attempt';
  end if;
  return n;
end;
$$;
comment on function app_private.record_node_run_start(uuid, text, integer, uuid, boolean) is 'Service path of record_node_run_start (owner only).';

CREATE OR REPLACE FUNCTION app_private.record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean) RETURNS app_public.execution_node_runs
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  e app_public.executions;
  n app_public.execution_node_runs;
  v_limit integer := (select s.node_output_max_bytes from app_private.execution_settings s);
  v_size integer;
begin
  if p_status is null or p_status not in ('succeeded', 'failed', 'skipped', 'cancelled') then
    raise exception 'status must be succeeded, failed, skipped or cancelled' using errcode = 'LFVAL', detail = 'field: status';
  end if;
  v_size := octet_length(coalesce(p_output::text, ''));
  if v_size > v_limit then
    raise exception 'node output is % bytes, the limit is %', v_size, v_limit using errcode = 'LFLIM',
      detail = format('field: output limit=%s size=%s', v_limit, v_size);
  end if;
  v_size := octet_length(coalesce(p_error::text, ''));
  if v_size > v_limit then
    raise exception 'node error is % bytes, the limit is %', v_size, v_limit using errcode = 'LFLIM',
      detail = format('field: error limit=%s size=%s', v_limit, v_size);
  end if;
  e := app_private.lock_execution_for_node_run(p_execution_id, p_check_role);
  select * into n from app_public.execution_node_runs nr
   where nr.execution_id = e.id and nr.execution_created_at = e.created_at and nr.node_name = p_node_name
     and (p_attempt is null or nr.attempt = p_attempt)
   order by nr.attempt desc limit 1
   for update;
  if not found then
    raise exception 'node run not found' using errcode = 'LFNTF', detail = 'field: node_name';
  end if;
  if n.status not in ('pending', 'running') then
    raise exception 'node run already finished (%)', n.status using errcode = 'LFSTA', detail = format('current_state=%s', n.status);
  end if;
  update app_public.execution_node_runs nr set status = p_status, finished_at = clock_timestamp(), output = p_output, error = p_error
   where nr.execution_id = n.execution_id and nr.execution_created_at = n.execution_created_at
     and nr.node_name = n.node_name and nr.attempt = n.attempt
  returning * into n;
  return n;
end;
$$;
comment on function app_private.record_node_run_finish(uuid, text, integer, text, jsonb, jsonb, boolean) is 'Service path of record_node_run_finish (owner only).';
drop function app_private.node_run_or_raise(app_public.execution_node_run_result);
drop function app_public.record_node_runs(jsonb);
drop function app_private.record_node_runs(jsonb, uuid, boolean);
drop type app_private.node_run_item;
drop type app_public.execution_node_run_result;
