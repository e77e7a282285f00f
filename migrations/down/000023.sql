-- Reverse of the batched starts migration.
alter function app_private.append_to_streams(jsonb) reset plan_cache_mode;
create or replace function app_private.start_execution(
  p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean
) returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  w record;
  v_id uuid;
  v_created timestamptz;
  k record;
  e app_public.executions;
begin
  select wf.id, wf.team_id, wf.status, wf.current_version into w from app_public.workflows wf where wf.id = p_workflow_id;
  if not found or (p_check_role and not app_hidden.has_team_role(w.team_id, 'viewer')) then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(w.team_id, 'editor') then
    raise exception 'starting an execution needs the editor role' using errcode = 'LFDNY';
  end if;
  if w.status <> 'active' then
    raise exception 'workflow is %, only active workflows can start executions', w.status using errcode = 'LFSTA',
      detail = format('current_state=%s', w.status);
  end if;
  if p_trigger_type is null or p_trigger_type not in ('webhook', 'schedule', 'event', 'manual', 'retry') then
    raise exception 'unknown trigger type' using errcode = 'LFVAL', detail = 'field: trigger_type';
  end if;
  if p_idempotency_key is not null and char_length(p_idempotency_key) not between 1 and 200 then
    raise exception 'idempotency key must have 1 to 200 characters' using errcode = 'LFVAL', detail = 'field: idempotency_key';
  end if;

  v_id := app_public.uuid_generate_v7();
  v_created := app_hidden.uuid_v7_time(v_id);  -- created_at matches the id's time: lookups by id prune partitions

  if p_idempotency_key is not null then
    -- Concurrent callers with the same key: the second INSERT waits for the first transaction, then finds its row.
    insert into app_private.execution_idempotency_keys (team_id, key, workflow_id, execution_id, execution_created_at)
      values (w.team_id, p_idempotency_key, w.id, v_id, v_created)
      on conflict (team_id, key) do nothing;
    if not found then
      select * into k from app_private.execution_idempotency_keys ik
       where ik.team_id = w.team_id and ik.key = p_idempotency_key;
      if k.workflow_id <> w.id then
        raise exception 'idempotency key already used for another workflow' using errcode = 'LFCNF', detail = 'field: idempotency_key';
      end if;
      select * into e from app_public.executions x where x.id = k.execution_id and x.created_at = k.execution_created_at;
      if not found then
        raise exception 'idempotency key already used (its execution is archived)' using errcode = 'LFCNF', detail = 'field: idempotency_key';
      end if;
      return e;
    end if;
  end if;

  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, idempotency_key, attempt, version)
    values (v_id, v_created, w.team_id, w.id, w.current_version, 'pending', p_trigger_type, p_input, p_idempotency_key, 1, 1)
    returning * into e;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
    values (v_id, v_created, 1, w.team_id, null, 'pending', v_created, p_actor, 'created');
  perform app_private.append_events('execution-' || v_id, 'execution', 0,
    jsonb_build_array(jsonb_build_object(
      'type', 'ExecutionCreated',
      'data', jsonb_build_object('execution_id', v_id, 'workflow_id', w.id, 'team_id', w.team_id,
                                 'workflow_version', w.current_version, 'state', 'pending', 'trigger_type', p_trigger_type,
                                 'attempt', 1, 'created_at', v_created),
      'metadata', jsonb_build_object('actor', p_actor))),
    w.team_id);
  return e;
end;
$$;
comment on function app_private.start_execution(uuid, text, jsonb, text, uuid, boolean) is 'Service path of start_execution (owner only): starts an execution of an active workflow pinned to its current version; p_actor is recorded, p_check_role applies the visitor''s team role checks.';
drop function if exists app_private.start_executions(jsonb, uuid, boolean);
drop type if exists app_private.execution_start_item;
