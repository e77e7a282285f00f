-- Function bodies restored here come from the schema before migration 12: node scripts/restore-body.ts --before 12 --rewrite migrations/down/000012.sql
-- Reverse of the current migration: the functions as migrations 000005, 000007 and 000009 left them.

CREATE OR REPLACE FUNCTION app_hidden.deleted_user_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select u.id from app_public.users u where u.deleted_at is not null;
$$;
comment on function app_hidden.deleted_user_ids() is 'Ids of soft-deleted users (uses the partial index on deleted_at). Used by RLS policies to hide their memberships.';

CREATE OR REPLACE FUNCTION app_private.lock_team_for_caller(team_id uuid) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller uuid := app_private.require_live_user();
  v_role text;
begin
  perform 1 from app_public.teams t where t.id = lock_team_for_caller.team_id and t.deleted_at is null for update;
  if not found then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  select m.role into v_role from app_public.team_memberships m
   where m.team_id = lock_team_for_caller.team_id and m.user_id = v_caller;
  if v_role is null then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return v_role;
end;
$$;
comment on function app_private.lock_team_for_caller(uuid) is 'Locks the live team row (FOR UPDATE) and returns the caller''s role in it; LFNTF when the team is missing, deleted or the caller is not a member (no existence leak).';

CREATE OR REPLACE FUNCTION app_private.workflow_lock(workflow_id uuid, min_role text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
begin
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id for update;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if not app_hidden.has_team_role(w.team_id, min_role) then
    raise exception 'this action needs the % role in the workflow''s team', min_role using errcode = 'LFDNY';
  end if;
  return w;
end;
$$;
comment on function app_private.workflow_lock(uuid, text) is 'Locks a workflow row (FOR UPDATE: concurrent writers queue here) after checking the caller may see it (else LFNTF) and has min_role in its team (else LFDNY).';

CREATE OR REPLACE FUNCTION app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean) RETURNS app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_execution_id);
  e app_public.executions;
begin
  select * into e from app_public.executions x
   where x.id = p_execution_id and x.created_at between t - interval '1 hour' and t + interval '1 hour' for share;
  if not found then
    select * into e from app_public.executions x where x.id = p_execution_id for share;
  end if;
  if e.id is null or (p_check_role and not app_hidden.has_team_role(e.team_id, 'viewer')) then
    raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: execution_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(e.team_id, 'editor') then
    raise exception 'recording node runs needs the editor role' using errcode = 'LFDNY';
  end if;
  if e.state not in ('running', 'waiting') then
    raise exception 'node runs are recorded only while the execution is running or waiting (it is %)', e.state
      using errcode = 'LFSTA', detail = format('current_state=%s', e.state);
  end if;
  return e;
end;
$$;
comment on function app_private.lock_execution_for_node_run(uuid, boolean) is 'Finds (pruned by the id''s time) and share-locks an execution for a node run write; checks the role and that it is running or waiting.';

CREATE OR REPLACE FUNCTION app_public.transition_execution(id uuid, to_state text, expected_from text DEFAULT NULL::text, details jsonb DEFAULT NULL::jsonb) RETURNS app_public.executions
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.transition_execution($1, $2, $3, $4, app_public.current_user_id(), true);
$_$;
comment on function app_public.transition_execution(uuid, text, text, jsonb) is 'Moves an execution to to_state in one atomic step: checks the move is legal (execution_allowed_transitions) and that the current state is expected_from (when given), updates the row (started_at on the first running of an attempt, finished_at and duration_ms on finishing, attempt + 1 on a retry), records the transition (from, to, at, actor, reason = details.reason) and appends ExecutionStateChanged. Illegal or stale: LFSTA with DETAIL current_state=<s>, nothing written. Needs the editor role.';

CREATE OR REPLACE FUNCTION app_public.transition_executions(items jsonb) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.apply_execution_transitions($1, app_public.current_user_id(), true);
$_$;
comment on function app_public.transition_executions(jsonb) is 'Batched transitions in one statement and one commit, for engines that report in bulk. items: [{id, to_state, expected_from?, details?}] (at most 10000). Returns one result per item in input order: ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA) with current_state; failed items write nothing. Needs the editor role on each execution''s team.';

drop function if exists app_private.execution_peek(uuid);
