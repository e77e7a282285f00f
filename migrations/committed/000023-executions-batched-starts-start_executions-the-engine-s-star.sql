--! Previous: sha1:43c17d885739edf59d115141e0cd237071090d4c
--! Hash: sha1:e9b30d1cfce84c5c42fb9a4dca47c7752f76a880
--! Message: Executions: batched starts (start_executions, the engine's start lane; the single start is a one-item call); the append plans generically

-- Executions: batched starts (app_private.start_executions, one statement per step for many starts, the engine's
-- group-commit lane); the single start becomes a one-item call of it (one home of the start rules).
-- Events: the append plans generically (its statements were re-planned on every call, about a third of a
-- single append's time). Exact reverse: migrations/down/current.sql.

------------------------------------------------------------------------------------------------------------
-- The append: generic plans (it has a SET clause of its own, so it did not inherit the engine's setting when
-- called alone, and two of its statements were planned anew on every call).
------------------------------------------------------------------------------------------------------------
alter function app_private.append_to_streams(jsonb) set plan_cache_mode = force_generic_plan;

------------------------------------------------------------------------------------------------------------
-- Batched starts
------------------------------------------------------------------------------------------------------------
drop function if exists app_private.start_executions(jsonb, uuid, boolean);
drop type if exists app_private.execution_start_item;
create type app_private.execution_start_item as (
  ord integer,
  workflow_id uuid,
  trigger_type text,
  input jsonb,
  idempotency_key text,
  team_id uuid,
  workflow_version integer,
  new_id uuid,
  code text,
  message text,
  detail text,
  execution_id uuid,
  execution_created_at timestamptz,
  created boolean
);
comment on type app_private.execution_start_item is 'Working row of app_private.start_executions: one parsed start request, its workflow, the id it would take, its refusal (code, message, detail) once known, and the execution it resolved to (created here, or the one its idempotency key names).';

create function app_private.start_executions(p_items jsonb, p_actor uuid default null, p_check_role boolean default false)
  returns table (ord integer, ok boolean, error_code text, error_message text, error_detail text,
                 execution_id uuid, execution_created_at timestamptz, created boolean)
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_items app_private.execution_start_item[];
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 starts per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;

  -- 1. parse each item, find its workflow and apply the checks of a start, in their order
  select coalesce(array_agg(row(p.ord, p.workflow_id, p.trigger_type, p.input, p.idempotency_key, w.team_id, w.current_version,
                                case when c.code is null then app_public.uuid_generate_v7() end,
                                c.code, c.message, c.detail, null, null, null)::app_private.execution_start_item order by p.ord), '{}')
    into v_items
    from (
      select a.o::integer as ord, a.x,
             case when jsonb_typeof(a.x->'workflow_id') = 'string'
                   and (a.x->>'workflow_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'workflow_id')::uuid end as workflow_id,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'trigger_type' end as trigger_type,
             case when jsonb_typeof(a.x) = 'object' and a.x ? 'input' then a.x->'input' end as input,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'idempotency_key' end as idempotency_key
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ) p
    left join app_public.workflows w on w.id = p.workflow_id
    cross join lateral (
      select case
               when jsonb_typeof(p.x) <> 'object' then array['LFVAL', 'each start item must be a JSON object', 'field: items']
               when p.workflow_id is null then array['LFVAL', 'workflow_id must be a uuid', 'field: workflow_id']
               when w.id is null or (p_check_role and not app_hidden.has_team_role(w.team_id, 'viewer'))
                 then array['LFNTF', 'workflow not found', 'field: workflow_id']
               when p_check_role and not app_hidden.has_team_role(w.team_id, 'editor')
                 then array['LFDNY', 'starting an execution needs the editor role', null]
               when w.status <> 'active'
                 then array['LFSTA', format('workflow is %s, only active workflows can start executions', w.status), format('current_state=%s', w.status)]
               when p.trigger_type is null or p.trigger_type not in ('webhook', 'schedule', 'event', 'manual', 'retry')
                 then array['LFVAL', 'unknown trigger type', 'field: trigger_type']
               when p.idempotency_key is not null and char_length(p.idempotency_key) not between 1 and 200
                 then array['LFVAL', 'idempotency key must have 1 to 200 characters', 'field: idempotency_key']
             end as v
    ) r
    cross join lateral (select r.v[1] as code, r.v[2] as message, r.v[3] as detail) c;

  -- 2. idempotency keys: the first item of each (team, key) claims it, in key order (no deadlocks between
  --    batches); a key another transaction holds makes this one wait for it, as in a single start
  with claimed as (
    insert into app_private.execution_idempotency_keys as k (team_id, key, workflow_id, execution_id, execution_created_at)
    select f.team_id, f.idempotency_key, f.workflow_id, f.new_id, app_hidden.uuid_v7_time(f.new_id)
      from (select distinct on (i.team_id, i.idempotency_key) i.*
              from unnest(v_items) i
             where i.code is null and i.idempotency_key is not null
             order by i.team_id, i.idempotency_key, i.ord) f
     order by f.team_id, f.idempotency_key
    on conflict (team_id, key) do nothing
    returning k.execution_id
  )
  select array_agg(row(i.ord, i.workflow_id, i.trigger_type, i.input, i.idempotency_key, i.team_id, i.workflow_version, i.new_id,
                       i.code, i.message, i.detail, null, null,
                       i.code is null and (i.idempotency_key is null or cl.execution_id is not null))::app_private.execution_start_item
                   order by i.ord)
    into v_items
    from unnest(v_items) i
    left join claimed cl on cl.execution_id = i.new_id;

  -- 3. the new executions, their first transition
  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, idempotency_key, attempt, version)
  select i.new_id, app_hidden.uuid_v7_time(i.new_id), i.team_id, i.workflow_id, i.workflow_version, 'pending', i.trigger_type, i.input, i.idempotency_key, 1, 1
    from unnest(v_items) i where i.created
   order by i.ord;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
  select i.new_id, app_hidden.uuid_v7_time(i.new_id), 1, i.team_id, null, 'pending', app_hidden.uuid_v7_time(i.new_id), p_actor, 'created'
    from unnest(v_items) i where i.created;

  -- 4. items whose key was claimed before (by another transaction, or by an earlier item of this call): the
  --    execution the key names, or LFCNF
  select array_agg(case when i.created or i.code is not null or i.idempotency_key is null then i
                        else row(i.ord, i.workflow_id, i.trigger_type, i.input, i.idempotency_key, i.team_id, i.workflow_version, i.new_id,
                                 case when k.workflow_id <> i.workflow_id or x.id is null then 'LFCNF' end,
                                 case when k.workflow_id <> i.workflow_id then 'idempotency key already used for another workflow'
                                      when x.id is null then 'idempotency key already used (its execution is archived)' end,
                                 case when k.workflow_id <> i.workflow_id or x.id is null then 'field: idempotency_key' end,
                                 x.id, x.created_at, false)::app_private.execution_start_item end
                   order by i.ord)
    into v_items
    from unnest(v_items) i
    left join app_private.execution_idempotency_keys k
      on not i.created and i.code is null and k.team_id = i.team_id and k.key = i.idempotency_key
    left join app_public.executions x
      on x.id = k.execution_id and x.created_at = k.execution_created_at and k.workflow_id = i.workflow_id;

  -- 5. ExecutionCreated for every new execution: one append of all their streams
  perform 1 from app_private.append_to_streams((
    select coalesce(jsonb_agg(jsonb_build_object(
             'stream_id', 'execution-' || i.new_id, 'stream_type', 'execution', 'expected_version', 0, 'team_id', i.team_id,
             'events', jsonb_build_array(jsonb_build_object(
               'type', 'ExecutionCreated',
               'data', jsonb_build_object('execution_id', i.new_id, 'workflow_id', i.workflow_id, 'team_id', i.team_id,
                                          'workflow_version', i.workflow_version, 'state', 'pending', 'trigger_type', i.trigger_type,
                                          'attempt', 1, 'created_at', app_hidden.uuid_v7_time(i.new_id)),
               'metadata', jsonb_build_object('actor', p_actor)))) order by i.ord), '[]')
      from unnest(v_items) i where i.created));

  return query
  select i.ord, i.code is null, i.code, i.message, i.detail,
         case when i.created then i.new_id else i.execution_id end,
         case when i.created then app_hidden.uuid_v7_time(i.new_id) else i.execution_created_at end,
         coalesce(i.created, false)
    from unnest(v_items) i
   order by i.ord;
end;
$$;
comment on function app_private.start_executions(jsonb, uuid, boolean) is
'Service path of many starts in one call (owner only; the engine''s group commit sends concurrent single starts
through it). p_items: a JSON array (at most 10000) of {workflow_id, trigger_type, input?, idempotency_key?}; an
absent input is SQL null, input: null is JSON null. Each item is checked as app_private.start_execution checks a
start, in the same order and with the same errors, and answered on its own: one row per item, in input order,
with ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA, LFCNF), error_message and error_detail as the single start
raises them; execution_id and execution_created_at of the execution started, or of the one an idempotency key
already names (created = false). A refused item writes nothing; the others commit together. Items with one
idempotency key in one call resolve to the first of them. p_actor is recorded on the first transition and the
ExecutionCreated event; p_check_role applies the visitor''s team role checks.';
revoke execute on function app_private.start_executions(jsonb, uuid, boolean) from public;

------------------------------------------------------------------------------------------------------------
-- The single start: a one-item call of start_executions
------------------------------------------------------------------------------------------------------------
create or replace function app_private.start_execution(
  p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean
) returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  r record;
  e app_public.executions;
begin
  select * into r
    from app_private.start_executions(
           jsonb_build_array(jsonb_build_object('workflow_id', p_workflow_id, 'trigger_type', p_trigger_type, 'idempotency_key', p_idempotency_key)
                             || case when p_input is null then '{}'::jsonb else jsonb_build_object('input', p_input) end),
           p_actor, p_check_role);
  if not r.ok and r.error_detail is null then
    raise exception '%', r.error_message using errcode = r.error_code;
  elsif not r.ok then
    raise exception '%', r.error_message using errcode = r.error_code, detail = r.error_detail;
  end if;
  select * into e from app_public.executions x where x.id = r.execution_id and x.created_at = r.execution_created_at;
  return e;
end;
$$;
comment on function app_private.start_execution(uuid, text, jsonb, text, uuid, boolean) is 'Service path of start_execution (owner only): starts an execution of an active workflow pinned to its current version; p_actor is recorded, p_check_role applies the visitor''s team role checks. A one-item call of app_private.start_executions (the same rules and errors).';
