--! Previous: sha1:73d73bd1991c7291a579ee92783dc9fef0ca0298
--! Hash: sha1:1b93c8cddc4ce0fe7d021c3c6dad8c300840a87e
--! Message: Policy helpers: deleted_user_ids() answers only about the caller's teams; team, workflow and execution locks only after the access check

-- Issue 13: policy helpers answer only about rows the caller may see, and take locks only after the access check.

-- Soft-deleted users: only those in the caller's own teams (the RLS policy on team_memberships needs no more).
create or replace function app_hidden.deleted_user_ids() returns setof uuid
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select u.id from app_public.users u
   where u.deleted_at is not null
     and exists (select 1 from app_public.team_memberships m
                  where m.user_id = u.id and m.team_id in (select app_hidden.current_user_team_ids()));
$$;
comment on function app_hidden.deleted_user_ids() is 'Ids of the soft-deleted users who are members of the caller''s own live teams (uses the partial index on deleted_at). Used by RLS policies to hide their memberships; never names users of other teams.';

-- Team row lock: membership first (no lock), then the lock, then the role again (it may have changed while waiting).
create or replace function app_private.lock_team_for_caller(team_id uuid) returns text
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_caller uuid := app_private.require_live_user();
  v_role text;
begin
  if not exists (select 1 from app_public.team_memberships m
                   join app_public.teams t on t.id = m.team_id and t.deleted_at is null
                  where m.team_id = lock_team_for_caller.team_id and m.user_id = v_caller) then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
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
comment on function app_private.lock_team_for_caller(uuid) is 'Checks the caller is a member of the live team (else LFNTF: no existence leak), then locks the team row (FOR UPDATE) and returns the caller''s role in it as of after the lock. Never locks a team the caller is not in.';
revoke execute on function app_private.lock_team_for_caller(uuid) from public;

-- Workflow row lock: visibility and role first (no lock), then the lock.
create or replace function app_private.workflow_lock(workflow_id uuid, min_role text) returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
begin
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if not app_hidden.has_team_role(w.team_id, min_role) then
    raise exception 'this action needs the % role in the workflow''s team', min_role using errcode = 'LFDNY';
  end if;
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id for update;
  if not found then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  return w;
end;
$$;
comment on function app_private.workflow_lock(uuid, text) is 'Checks the caller may see the workflow (else LFNTF) and has min_role in its team (else LFDNY), then locks its row (FOR UPDATE: concurrent writers queue here) and returns it as of after the lock. Never locks a workflow the caller may not change.';
revoke execute on function app_private.workflow_lock(uuid, text) from public;

-- Execution share lock for node-run writes: find and check without a lock, then share-lock and re-read.
create or replace function app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean)
  returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_execution_id);
  e app_public.executions;
begin
  select * into e from app_public.executions x
   where x.id = p_execution_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
  if not found then
    select * into e from app_public.executions x where x.id = p_execution_id;
  end if;
  if e.id is null or (p_check_role and not app_hidden.has_team_role(e.team_id, 'viewer')) then
    raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: execution_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(e.team_id, 'editor') then
    raise exception 'recording node runs needs the editor role' using errcode = 'LFDNY';
  end if;
  select * into e from app_public.executions x where x.id = e.id and x.created_at = e.created_at for share;
  if e.state not in ('running', 'waiting') then
    raise exception 'node runs are recorded only while the execution is running or waiting (it is %)', e.state
      using errcode = 'LFSTA', detail = format('current_state=%s', e.state);
  end if;
  return e;
end;
$$;
comment on function app_private.lock_execution_for_node_run(uuid, boolean) is 'Finds an execution (pruned by the id''s time), checks the role, then share-locks it for a node run write and checks (after the lock) that it is running or waiting. Never locks an execution the caller may not write.';
revoke execute on function app_private.lock_execution_for_node_run(uuid, boolean) from public;

-- Transitions through the public API: the caller's access to each execution is checked without a lock before
-- the transition engine (which locks its targets) sees the item; items naming executions the caller may not
-- change are answered here and never reach the engine's locks.
create or replace function app_private.execution_peek(p_id uuid) returns app_public.executions
  language sql stable
  set search_path = pg_catalog
as $$
  select * from (
    (select x.* from app_public.executions x
      where x.id = p_id
        and x.created_at between app_hidden.uuid_v7_time(p_id) - interval '1 hour' and app_hidden.uuid_v7_time(p_id) + interval '1 hour')
    union all
    (select x.* from app_public.executions x where x.id = p_id)
  ) e limit 1;
$$;
comment on function app_private.execution_peek(uuid) is 'The execution with this id read without a lock (first the partitions around the id''s UUIDv7 time, then all), or null. For access checks that must come before any lock.';
revoke execute on function app_private.execution_peek(uuid) from public;

create or replace function app_public.transition_execution(
  id uuid, to_state text, expected_from text default null, details jsonb default null
) returns app_public.executions
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  e app_public.executions;
begin
  if transition_execution.id is not null and (details is null or jsonb_typeof(details) in ('object', 'null')) then
    e := app_private.execution_peek(transition_execution.id);
    if e.id is null or not app_hidden.has_team_role(e.team_id, 'viewer') then
      raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: id';
    end if;
    if not app_hidden.has_team_role(e.team_id, 'editor') then
      raise exception 'changing an execution needs the editor role' using errcode = 'LFDNY';
    end if;
  end if;
  select * into e from app_private.transition_execution(transition_execution.id, to_state, expected_from, details, app_public.current_user_id(), true);
  return e;
end;
$$;
comment on function app_public.transition_execution(uuid, text, text, jsonb) is 'Moves an execution to to_state in one atomic step: checks the move is legal (execution_allowed_transitions) and that the current state is expected_from (when given), updates the row (started_at on the first running of an attempt, finished_at and duration_ms on finishing, attempt + 1 on a retry), records the transition (from, to, at, actor, reason = details.reason) and appends ExecutionStateChanged. Illegal or stale: LFSTA with DETAIL current_state=<s>, nothing written. Needs the editor role (checked before the execution is locked: LFNTF for non-members, LFDNY for viewers).';
grant execute on function app_public.transition_execution(uuid, text, text, jsonb) to linkflow_visitor;
revoke execute on function app_public.transition_execution(uuid, text, text, jsonb) from public;

create or replace function app_public.transition_executions(items jsonb)
  returns setof app_public.execution_transition_result
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_caller uuid := app_public.current_user_id();
  v_ord integer[]; v_item jsonb[]; v_id uuid[]; v_verdict text[]; v_state text[]; v_attempt integer[];
  v_apply jsonb;
  v_map integer[];
begin
  if items is null or jsonb_typeof(items) <> 'array' or jsonb_array_length(items) > 10000 then
    -- malformed or oversized: the engine answers (LFVAL / LFLIM) before it locks anything
    return query select * from app_private.apply_execution_transitions(items, v_caller, true);
    return;
  end if;
  -- the access check, without locks
  select array_agg(i.ord order by i.ord), array_agg(i.x order by i.ord), array_agg(i.id order by i.ord),
         array_agg(case when i.id is null or not i.well_formed then 'apply'
                        when e.team_id is null or not app_hidden.has_team_role(e.team_id, 'viewer') then 'LFNTF'
                        when not app_hidden.has_team_role(e.team_id, 'editor') then 'LFDNY'
                        else 'apply' end order by i.ord),
         array_agg(e.state order by i.ord), array_agg(e.attempt order by i.ord)
    into v_ord, v_item, v_id, v_verdict, v_state, v_attempt
    from (select a.o::integer as ord, a.x,
                 case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                      then (a.x->>'id')::uuid end as id,
                 (jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))) as well_formed
            from jsonb_array_elements(items) with ordinality as a(x, o)) i
    left join lateral (select p.team_id, p.state, p.attempt from app_private.execution_peek(i.id) p where i.id is not null) e on true;
  if v_ord is null then
    return query select * from app_private.apply_execution_transitions(items, v_caller, true);
    return;
  end if;
  -- the items the caller may change go to the engine (which locks them); v_map takes its ords back to the input's
  select coalesce(jsonb_agg(t.item order by t.ord), '[]'::jsonb), coalesce(array_agg(t.ord order by t.ord), '{}')
    into v_apply, v_map
    from unnest(v_ord, v_item, v_verdict) as t(ord, item, verdict) where t.verdict = 'apply';
  return query
    select * from (
      select v_map[r.ord] as ord, r.execution_id, r.execution_created_at, r.ok, r.error_code, r.current_state, r.seq, r.attempt
        from app_private.apply_execution_transitions(v_apply, v_caller, true) r
       where cardinality(v_map) > 0
      union all
      select t.ord, t.id, null::timestamptz, false, t.verdict,
             case when t.verdict = 'LFDNY' then t.state end, null::integer, case when t.verdict = 'LFDNY' then t.attempt end
        from unnest(v_ord, v_id, v_verdict, v_state, v_attempt) as t(ord, id, verdict, state, attempt) where t.verdict <> 'apply'
    ) r order by r.ord;
end;
$$;
comment on function app_public.transition_executions(jsonb) is 'Batched transitions in one statement and one commit, for engines that report in bulk. items: [{id, to_state, expected_from?, details?}] (at most 10000). Returns one result per item in input order: ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA) with current_state; failed items write nothing. Needs the editor role on each execution''s team, checked before any execution is locked (items the caller may not change never reach the engine''s locks).';
grant execute on function app_public.transition_executions(jsonb) to linkflow_visitor;
revoke execute on function app_public.transition_executions(jsonb) from public;
