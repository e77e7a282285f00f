--! Previous: sha1:7c701c35cdbf3db0c028aed3e08f4a97a04908ff
--! Hash: sha1:f6c9063808b82aaed88fb3e8a05198a5831e0e1e
--! Message: Closed lists declared once (team roles by rank; execution failure and active states; node-run finished statuses) and mutation payload fields named for their entity (scalar results by smart tag)

--! split: 100-foundation.sql
-- Closed lists the topics below refer to: execution and node-run subsets, declared once beside
-- app_hidden.execution_states() (immutable: the planner folds them into constants, so referring to them costs the
-- engine nothing).
create or replace function app_hidden.execution_failure_states() returns text[]
  language sql immutable parallel safe
as $$
  select array['failed', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_failure_states() is 'The finished states that count as failures (metrics, read models, drift checks): failed, timed_out, crashed.';
create or replace function app_hidden.execution_active_states() returns text[]
  language sql immutable parallel safe
as $$
  select array['running', 'waiting'];
$$;
comment on function app_hidden.execution_active_states() is 'The states in which an execution records node runs: running, waiting.';
create or replace function app_hidden.node_run_finished_statuses() returns text[]
  language sql immutable parallel safe
as $$
  select array['succeeded', 'failed', 'skipped', 'cancelled'];
$$;
comment on function app_hidden.node_run_finished_statuses() is 'The statuses a node run may finish with: succeeded, failed, skipped, cancelled (the execution_node_runs_status_known constraint lists these plus pending and running).';
revoke all on function app_hidden.execution_failure_states() from public;
revoke all on function app_hidden.execution_active_states() from public;
revoke all on function app_hidden.node_run_finished_statuses() from public;
grant execute on function app_hidden.execution_failure_states() to linkflow_visitor;
grant execute on function app_hidden.execution_active_states() to linkflow_visitor;
grant execute on function app_hidden.node_run_finished_statuses() to linkflow_visitor;

-- GraphQL: uuid_generate_v7 is a mutation (volatile) returning a scalar: it names its payload field.
comment on function app_public.uuid_generate_v7() is E'@resultFieldName uuid\nA time-ordered UUID (RFC 9562 version 7): good locality in b-tree indexes; the first 48 bits are the unix time in milliseconds.';

--! split: 200-users.sql
-- Team roles are declared once, by their rank (app_hidden.team_role_rank): a role is known when it has one.

CREATE OR REPLACE FUNCTION app_private.assert_role(role text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if app_hidden.team_role_rank(role) is null then
    raise exception 'unknown role %', role using errcode = 'LFVAL', detail = 'field: role';
  end if;
end;
$$;

comment on function app_private.assert_role(text) is 'Raises LFVAL (field: role) unless the role is a team role (one that app_hidden.team_role_rank ranks: owner, admin, editor, viewer).';
comment on function app_hidden.team_role_rank(text) is 'The rank of a team role (viewer 1, editor 2, admin 3, owner 4; null for anything else): the one declaration of the team roles, which the membership constraint, assert_role and has_team_role refer to.';
alter table app_public.team_memberships drop constraint team_memberships_role_known;
alter table app_public.team_memberships add constraint team_memberships_role_known check (app_hidden.team_role_rank(role) is not null);

-- GraphQL: a mutation that returns a scalar names its payload field (the others are named for their entity).

comment on function app_public.authenticate(text, text) is E'@resultFieldName jwtToken\nSigns in: returns an HS256 JWT (claims sub and user_id = the user id, iat, exp, iss/aud when configured) that the server verifies with JWT_SECRET. Unknown email, wrong password, suspended or deleted user all raise the same LFDNY error after the same bcrypt work.';

comment on function app_public.change_password(text, text) is E'@resultFieldName passwordChanged\nChanges the signed-in user''s password after checking the current one (LFDNY when wrong); the new one must pass the strength check (LFVAL field password).';

comment on function app_public.delete_team(uuid) is E'@resultFieldName teamDeleted\nSoft-deletes the team (owners only): it disappears from every read path and can be restored by an owner within the restore window, after which the purge job deletes it.';

comment on function app_public.leave_team(uuid) is E'@resultFieldName teamLeft\nThe signed-in user leaves the team; the last owner cannot leave (LFCNF: hand ownership over first).';

comment on function app_public.remove_team_member(uuid, uuid) is E'@resultFieldName memberRemoved\nRemoves a member. Only owners and admins; admins cannot remove owners (LFDNY); the last owner cannot be removed (LFCNF).';

--! split: 400-events.sql
-- Read models refer to the declared state subsets instead of spelling them out.

CREATE OR REPLACE FUNCTION app_private.project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  execute format($q$
    with ev as (
      select (e.data->>'workflow_id')::uuid as wid, coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, e.type,
             (((case when e.type = 'ExecutionCreated' then e.data->>'created_at' else e.data->>'at' end)::timestamptz) at time zone 'UTC')::date as day,
             e.data->>'to_state' as to_state, (e.data->>'duration_ms')::bigint as duration_ms
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and (e.type = 'ExecutionCreated'
              or (e.type = 'ExecutionStateChanged' and e.data->>'to_state' = any (app_hidden.execution_terminal_states())))
    )
    insert into %1$s as t (workflow_id, day, team_id, created_count, succeeded_count, failed_count, cancelled_count,
                           finished_count, total_duration_ms, max_duration_ms, updated_at)
    select wid, day, (max(team_id::text))::uuid,
           count(*) filter (where type = 'ExecutionCreated'),
           count(*) filter (where to_state = 'succeeded'),
           count(*) filter (where to_state = any (app_hidden.execution_failure_states())),
           count(*) filter (where to_state = 'cancelled'),
           count(*) filter (where type = 'ExecutionStateChanged'),
           coalesce(sum(duration_ms) filter (where type = 'ExecutionStateChanged'), 0),
           max(duration_ms) filter (where type = 'ExecutionStateChanged'),
           now()
      from ev where wid is not null and day is not null group by wid, day
    on conflict (workflow_id, day) do update set
      created_count = t.created_count + excluded.created_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      finished_count = t.finished_count + excluded.finished_count,
      total_duration_ms = t.total_duration_ms + excluded.total_duration_ms,
      max_duration_ms = greatest(t.max_duration_ms, excluded.max_duration_ms),
      updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

CREATE OR REPLACE FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  -- 1. execution counters and the newest execution created in the batch
  execute format($q$
    with ev as (
      select e.global_position as pos, e.type, e.data, e.team_id
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('ExecutionCreated', 'ExecutionStateChanged')
    ), agg as (
      select (data->>'workflow_id')::uuid as wid, (max(coalesce(data->>'team_id', team_id::text)))::uuid as team_id,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'succeeded') as succeeded,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'cancelled') as cancelled
        from ev group by 1
    ), newest as (
      select distinct on ((data->>'workflow_id')::uuid) (data->>'workflow_id')::uuid as wid,
             (data->>'execution_id')::uuid as eid, (data->>'created_at')::timestamptz as at, data->>'state' as state
        from ev where type = 'ExecutionCreated'
       order by (data->>'workflow_id')::uuid, (data->>'created_at')::timestamptz desc, pos desc
    )
    insert into %1$s as t (workflow_id, team_id, execution_count, succeeded_count, failed_count, cancelled_count,
                           last_execution_id, last_execution_at, last_execution_state, last_execution_seq)
    select a.wid, a.team_id, a.created, a.succeeded, a.failed, a.cancelled, n.eid, n.at, n.state, 0
      from agg a left join newest n on n.wid = a.wid
     where a.wid is not null
    on conflict (workflow_id) do update set
      execution_count = t.execution_count + excluded.execution_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      last_execution_id = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_id else t.last_execution_id end,
      last_execution_state = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_state else t.last_execution_state end,
      last_execution_seq = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end,
      last_execution_at = greatest(excluded.last_execution_at, t.last_execution_at)
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 2. the last execution's newest state
  execute format($q$
    with last_move as (
      select distinct on ((e.data->>'execution_id')::uuid) (e.data->>'execution_id')::uuid as eid,
             e.data->>'to_state' as state, (e.data->>'seq')::integer as seq
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'ExecutionStateChanged'
       order by (e.data->>'execution_id')::uuid, (e.data->>'seq')::integer desc
    )
    update %1$s t set last_execution_state = m.state, last_execution_seq = m.seq
      from last_move m
     where t.last_execution_id = m.eid and m.seq > t.last_execution_seq
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 3. workflow state, guarded by stream version: the newest full state (created/saved), then a newer status
  -- change, then deletion
  execute format($q$
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, created_at, updated_at)
    select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid, coalesce((e.data->>'team_id')::uuid, e.team_id),
           e.data->>'name', e.data->>'status', (e.data->>'version')::integer, e.stream_version,
           min(e.created_at) filter (where e.type = 'WorkflowCreated') over (partition by (e.data->>'workflow_id')::uuid), e.created_at
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved')
     order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    on conflict (workflow_id) do update set
      name = excluded.name, status = excluded.status, version = excluded.version, stream_version = excluded.stream_version,
      created_at = coalesce(t.created_at, excluded.created_at), updated_at = excluded.updated_at
    where t.stream_version < excluded.stream_version
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    with st as (
      select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid as wid, e.data, e.stream_version as sv, e.created_at
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'WorkflowStatusChanged'
       order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    )
    update %1$s t set status = st.data->>'status', version = coalesce((st.data->>'version')::integer, t.version),
           stream_version = st.sv, updated_at = st.created_at
      from st where t.workflow_id = st.wid and t.stream_version < st.sv
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    delete from %1$s t using app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type = 'WorkflowDeleted' and t.workflow_id = (e.data->>'workflow_id')::uuid
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

CREATE OR REPLACE FUNCTION app_private.read_model_drift() RETURNS TABLE(read_model text, key text, problem text, expected text, actual text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  -- workflow_list vs workflows
  select 'workflow_list', w.id::text, 'missing', w.name, null
    from app_public.workflows w
   where not exists (select 1 from app_public.workflow_list l where l.workflow_id = w.id)
  union all
  select 'workflow_list', l.workflow_id::text, 'orphan', null, l.name
    from app_public.workflow_list l
   where l.name is not null and not exists (select 1 from app_public.workflows w where w.id = l.workflow_id)
  union all
  select 'workflow_list', w.id::text, 'fields',
         concat_ws('/', w.name, w.status, w.current_version, w.team_id), concat_ws('/', l.name, l.status, l.version, l.team_id)
    from app_public.workflows w join app_public.workflow_list l on l.workflow_id = w.id
   where (w.name, w.status, w.current_version, w.team_id) is distinct from (l.name, l.status, l.version, l.team_id)
  union all
  select 'workflow_list', x.workflow_id::text, 'execution_counts',
         concat_ws('/', x.total, x.succeeded, x.failed, x.cancelled),
         concat_ws('/', l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
    from (select e.workflow_id, count(*) as total,
                 count(*) filter (where e.state = 'succeeded') as succeeded,
                 count(*) filter (where e.state = any (app_hidden.execution_failure_states())) as failed,
                 count(*) filter (where e.state = 'cancelled') as cancelled
            from app_public.executions e group by e.workflow_id) x
    join app_public.workflow_list l on l.workflow_id = x.workflow_id
   where (x.total, x.succeeded, x.failed, x.cancelled) is distinct from (l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
  union all
  -- workflow_execution_daily_stats vs executions (created per day)
  select 'workflow_execution_daily_stats', concat(coalesce(x.workflow_id, s.workflow_id), '@', coalesce(x.day, s.day)), 'created_count',
         coalesce(x.n, 0)::text, coalesce(s.created_count, 0)::text
    from (select e.workflow_id, (e.created_at at time zone 'UTC')::date as day, count(*) as n
            from app_public.executions e group by 1, 2) x
    full join (select * from app_public.workflow_execution_daily_stats where created_count > 0) s
      on s.workflow_id = x.workflow_id and s.day = x.day
   where coalesce(x.n, 0) <> coalesce(s.created_count, 0)
     and (x.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = x.workflow_id))
     and (s.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = s.workflow_id))
  union all
  -- team_activity vs the event log
  select 'team_activity', coalesce(t.team_id, a.team_id)::text, 'row_count', coalesce(t.n, 0)::text, coalesce(a.n, 0)::text
    from (select coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, count(*) as n from app_public.events e
           where e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
             and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             and not exists (select 1 from app_private.projection_dead_letters d where d.projection = 'team_activity' and d.global_position = e.global_position)
           group by 1) t
    full join (select team_id, count(*) as n from app_public.team_activity group by 1) a on a.team_id = t.team_id
   where coalesce(t.n, 0) <> coalesce(a.n, 0) and coalesce(t.team_id, a.team_id) is not null;
$$;

--! split: 500-executions.sql
-- The node-run write path refers to the declared subsets (100-foundation.sql).
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
  if not (e.state = any (app_hidden.execution_active_states())) then
    raise exception 'node runs are recorded only while the execution is running or waiting (it is %)', e.state
      using errcode = 'LFSTA', detail = format('current_state=%s', e.state);
  end if;
  return e;
end;
$$;

CREATE OR REPLACE FUNCTION app_private.record_node_runs(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_node_run_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  v_limit integer := (select s.node_output_max_bytes from app_private.execution_settings s);
  v_items app_private.node_run_item[];
  v_max jsonb := '{}';
  v_started app_public.execution_node_runs[] := '{}';
  v_finished app_public.execution_node_runs[] := '{}';
  v_found app_public.execution_node_runs[] := '{}';
  v_finishes integer;
  it app_private.node_run_item;
  k text;
  m integer;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 node runs per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;

  -- 1. parse and validate each item (the checks of the single calls, in their order)
  select coalesce(array_agg(row(p.ord, p.op, p.execution_id, p.node_name, p.node_id, p.attempt, p.status, p.output, p.error,
                                null, null, v.code, v.message, v.detail, null)::app_private.node_run_item order by p.ord), '{}')
    into v_items
    from (
      select a.o::integer as ord, a.x,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'op' end as op,
             case when jsonb_typeof(a.x->'execution_id') = 'string' and (a.x->>'execution_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'execution_id')::uuid end as execution_id,
             case when jsonb_typeof(a.x->'node_name') = 'string' then a.x->>'node_name' end as node_name,
             case when jsonb_typeof(a.x->'node_id') = 'string' and (a.x->>'node_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'node_id')::uuid end as node_id,
             case when jsonb_typeof(a.x->'attempt') = 'number' and (a.x->>'attempt') ~ '^-?[0-9]{1,9}$' then (a.x->>'attempt')::integer end as attempt,
             coalesce(jsonb_typeof(a.x->'attempt'), 'null') <> 'null'
               and not (jsonb_typeof(a.x->'attempt') = 'number' and (a.x->>'attempt') ~ '^-?[0-9]{1,9}$') as attempt_bad,
             coalesce(jsonb_typeof(a.x->'node_id'), 'null') <> 'null'
               and not (jsonb_typeof(a.x->'node_id') = 'string' and (a.x->>'node_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') as node_id_bad,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'status' end as status,
             case when jsonb_typeof(a.x) = 'object' then nullif(a.x->'output', 'null'::jsonb) end as output,
             case when jsonb_typeof(a.x) = 'object' then nullif(a.x->'error', 'null'::jsonb) end as error
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ) p
    cross join lateral (
      select octet_length(coalesce(p.output::text, '')) as output_size, octet_length(coalesce(p.error::text, '')) as error_size
    ) z
    cross join lateral (
      select case
               when jsonb_typeof(p.x) <> 'object' then 'LFVAL'
               when p.op is null or p.op not in ('start', 'finish') then 'LFVAL'
               when p.execution_id is null then 'LFVAL'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'LFVAL'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'LFVAL'
               when p.op = 'start' and p.node_id_bad then 'LFVAL'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'LFVAL'
               when p.op = 'finish' and (z.output_size > v_limit or z.error_size > v_limit) then 'LFLIM'
             end as code,
             case
               when jsonb_typeof(p.x) <> 'object' then 'each node run item must be a JSON object'
               when p.op is null or p.op not in ('start', 'finish') then 'op must be start or finish'
               when p.execution_id is null then 'execution_id must be a uuid'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'node name must have 1 to 200 characters'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'attempt must be positive'
               when p.op = 'start' and p.node_id_bad then 'node_id must be a uuid'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'status must be succeeded, failed, skipped or cancelled'
               when p.op = 'finish' and z.output_size > v_limit then format('node output is %s bytes, the limit is %s', z.output_size, v_limit)
               when p.op = 'finish' and z.error_size > v_limit then format('node error is %s bytes, the limit is %s', z.error_size, v_limit)
             end as message,
             case
               when jsonb_typeof(p.x) <> 'object' then 'field: items'
               when p.op is null or p.op not in ('start', 'finish') then 'field: op'
               when p.execution_id is null then 'field: execution_id'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'field: node_name'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'field: attempt'
               when p.op = 'start' and p.node_id_bad then 'field: node_id'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'field: status'
               when p.op = 'finish' and z.output_size > v_limit then format('field: output limit=%s size=%s', v_limit, z.output_size)
               when p.op = 'finish' and z.error_size > v_limit then format('field: error limit=%s size=%s', v_limit, z.error_size)
             end as detail
    ) v;

  -- 2. the executions: found (pruned by the ids' time) and checked without a lock, then the writable ones
  --    share-locked once, in id order, and their state read under the lock
  with wanted as (
    select distinct i.execution_id as id from unnest(v_items) i where i.code is null
  ), found as (
    select f.id, f.created_at, f.team_id,
           case when not p_check_role then null
                when not app_hidden.has_team_role(f.team_id, 'viewer') then 'LFNTF'
                when not app_hidden.has_team_role(f.team_id, 'editor') then 'LFDNY' end as denied
      from wanted w
     cross join lateral (
       (select x.id, x.created_at, x.team_id from app_public.executions x
         where x.id = w.id
           and x.created_at between app_hidden.uuid_v7_time(w.id) - interval '1 hour' and app_hidden.uuid_v7_time(w.id) + interval '1 hour')
       union all
       (select x.id, x.created_at, x.team_id from app_public.executions x where x.id = w.id)
       limit 1) f
  ), locked as materialized (
    select l.id, l.state
      from (select * from found where denied is null order by id) f
     cross join lateral (
       select x.id, x.state from app_public.executions x where x.id = f.id and x.created_at = f.created_at for share) l
  )
  select array_agg(row(i.ord, i.op, i.execution_id, i.node_name, i.node_id, i.attempt, i.status, i.output, i.error,
                       f.created_at, f.team_id,
                       coalesce(i.code, case when f.id is null or f.denied = 'LFNTF' then 'LFNTF' when f.denied is not null then f.denied
                                             when not (l.state = any (app_hidden.execution_active_states())) then 'LFSTA' end),
                       case when i.code is not null then i.message
                            when f.id is null or f.denied = 'LFNTF' then 'execution not found'
                            when f.denied is not null then 'recording node runs needs the editor role'
                            when not (l.state = any (app_hidden.execution_active_states())) then
                              format('node runs are recorded only while the execution is running or waiting (it is %s)', l.state) end,
                       case when i.code is not null then i.detail
                            when f.id is null or f.denied = 'LFNTF' then 'field: execution_id'
                            when f.denied is not null then null
                            when not (l.state = any (app_hidden.execution_active_states())) then format('current_state=%s', l.state) end,
                       case when i.code is null and f.denied is null and not (l.state = any (app_hidden.execution_active_states())) then l.state end
                  )::app_private.node_run_item order by i.ord)
    into v_items
    from unnest(v_items) i
    left join found f on f.id = i.execution_id
    left join locked l on l.id = i.execution_id;
  v_items := coalesce(v_items, '{}');

  -- 3. attempts, in input order: a start takes the node's next attempt unless given; a finish without one takes
  --    the node's latest attempt as of its place in the batch
  select coalesce(jsonb_object_agg(s.k, s.m), '{}') into v_max
    from (select nr.execution_id::text || '|' || nr.node_name as k, max(nr.attempt) as m
            from (select distinct i.execution_id, i.execution_created_at, i.node_name from unnest(v_items) i where i.code is null) d
            join app_public.execution_node_runs nr
              on nr.execution_id = d.execution_id and nr.execution_created_at = d.execution_created_at and nr.node_name = d.node_name
           group by 1) s;
  for n in 1 .. cardinality(v_items) loop
    it := v_items[n];
    continue when it.code is not null;
    k := it.execution_id::text || '|' || it.node_name;
    m := coalesce((v_max->>k)::integer, 0);
    if it.op = 'start' then
      it.attempt := coalesce(it.attempt, m + 1);
      if it.attempt > m then v_max := v_max || jsonb_build_object(k, it.attempt); end if;
    elsif it.attempt is null and m = 0 or it.attempt > m then
      it.code := 'LFNTF'; it.message := 'node run not found'; it.detail := 'field: node_name';
    else
      it.attempt := coalesce(it.attempt, m);
    end if;
    v_items[n] := it;
  end loop;

  -- 4. starts: one INSERT (the first item of an attempt wins; an attempt that exists already is LFCNF)
  with ins as (
    insert into app_public.execution_node_runs as nr (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status, started_at)
    select i.execution_id, i.execution_created_at, i.team_id, i.node_name, i.node_id, i.attempt, 'running', clock_timestamp()
      from unnest(v_items) i
     where i.op = 'start' and i.code is null
     order by i.ord
    on conflict do nothing
    returning nr.*
  )
  select coalesce(array_agg(row(ins.*)::app_public.execution_node_runs), '{}') into v_started from ins;

  -- 5. finishes: one UPDATE of the runs still pending or running (the first finish of a run wins)
  with f as (
    select distinct on (i.execution_id, i.node_name, i.attempt) i.*
      from unnest(v_items) i
     where i.op = 'finish' and i.code is null
     order by i.execution_id, i.node_name, i.attempt, i.ord
  ), upd as (
    update app_public.execution_node_runs nr
       set status = f.status, finished_at = clock_timestamp(), output = f.output, error = f.error
      from f
     where nr.execution_id = f.execution_id and nr.execution_created_at = f.execution_created_at
       and nr.node_name = f.node_name and nr.attempt = f.attempt and nr.status in ('pending', 'running')
    returning nr.*
  )
  select coalesce(array_agg(row(upd.*)::app_public.execution_node_runs), '{}') into v_finished from upd;

  -- finishes that changed nothing: read their runs to say why (already finished, or no such run)
  select count(*) into v_finishes from unnest(v_items) i where i.op = 'finish' and i.code is null;
  if v_finishes > cardinality(v_finished) then
    select coalesce(array_agg(nr), '{}') into v_found
      from (select distinct i.execution_id, i.execution_created_at, i.node_name, i.attempt
              from unnest(v_items) i where i.op = 'finish' and i.code is null) d
      join app_public.execution_node_runs nr
        on nr.execution_id = d.execution_id and nr.execution_created_at = d.execution_created_at
       and nr.node_name = d.node_name and nr.attempt = d.attempt;
  end if;

  -- 6. one result per item, in input order
  return query
    with i as (
      select x.*, row_number() over (partition by x.op, x.execution_id, x.node_name, x.attempt, x.code is null order by x.ord) as nth
        from unnest(v_items) x
    ), r as (
      select i.ord, i.op, i.node_name, i.attempt, i.code as item_code, i.message as item_message, i.detail as item_detail,
             i.current_state as item_state, coalesce(s, f) as run, g.status as found_status, g.execution_id is not null as found
        from i
        left join unnest(v_started) s
          on i.op = 'start' and i.code is null and i.nth = 1
         and s.execution_id = i.execution_id and s.node_name = i.node_name and s.attempt = i.attempt
        left join unnest(v_finished) f
          on i.op = 'finish' and i.code is null and i.nth = 1
         and f.execution_id = i.execution_id and f.node_name = i.node_name and f.attempt = i.attempt
        left join unnest(v_found) g
          on i.op = 'finish' and i.code is null
         and g.execution_id = i.execution_id and g.node_name = i.node_name and g.attempt = i.attempt
    ), o as (
      select r.*,
             case when r.item_code is not null then r.item_code
                  when (r.run).execution_id is not null then null
                  when r.op = 'start' then 'LFCNF'
                  when r.found then 'LFSTA'
                  else 'LFNTF' end as code
        from r
    )
    select o.ord, o.code is null, o.code,
           case when o.item_code is not null then o.item_message
                when o.code = 'LFCNF' then format('node %s attempt %s was already started', o.node_name, o.attempt)
                when o.code = 'LFSTA' then format('node run already finished (%s)', o.found_status)
                when o.code = 'LFNTF' then 'node run not found' end,
           case when o.item_code is not null then o.item_detail
                when o.code = 'LFCNF' then 'field: attempt'
                when o.code = 'LFSTA' then format('current_state=%s', o.found_status)
                when o.code = 'LFNTF' then 'field: node_name' end,
           case when o.item_code is not null then o.item_state
                when o.code = 'LFSTA' then o.found_status
                else (o.run).status end,
           (o.run).execution_id, (o.run).execution_created_at, (o.run).team_id, (o.run).node_name, (o.run).node_id, (o.run).attempt,
           (o.run).status, (o.run).started_at, (o.run).finished_at, (o.run).output, (o.run).error
      from o
     order by o.ord;
end;
$_$;

--! split: 800-archive.sql
-- Archive candidates are the finished executions: app_hidden.execution_terminal_states().

CREATE OR REPLACE FUNCTION app_private.archive_candidates(default_hot_days integer, terminal_before timestamp with time zone DEFAULT now()) RETURNS TABLE(team_id uuid, day date, executions bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select e.team_id, (e.created_at at time zone 'UTC')::date, count(*)
    from app_public.executions e
    left join app_private.archive_retention r on r.team_id = e.team_id
   where e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < terminal_before - make_interval(days => coalesce(r.hot_days, default_hot_days))
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > now())
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
   group by 1, 2
   order by 2, 1;
$$;

CREATE OR REPLACE FUNCTION app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text DEFAULT 'executions'::text, encrypted boolean DEFAULT false) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_hot integer;
  v_no integer;
  v_id uuid;
  v_key text;
  v_count integer;
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  select coalesce(r.hot_days, default_hot_days) into v_hot from (select 1) one
    left join app_private.archive_retention r on r.team_id = archive_plan_batch.team_id;
  -- one planner per team at a time
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || archive_plan_batch.team_id::text));
  create temporary table if not exists archive_plan_rows (id uuid, created_at timestamptz, workflow_id uuid, state text) on commit drop;
  truncate archive_plan_rows;
  insert into archive_plan_rows
  select e.id, e.created_at, e.workflow_id, e.state
    from app_public.executions e
   where e.team_id = archive_plan_batch.team_id
     and e.created_at >= day::timestamp at time zone 'UTC' and e.created_at < (day + 1)::timestamp at time zone 'UTC'
     and e.created_at < now() - make_interval(days => v_hot)
     and e.state = any (app_hidden.execution_terminal_states())
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > now())
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
   order by e.created_at, e.id
   limit max_rows;
  get diagnostics v_count = row_count;
  if v_count = 0 then
    return null;
  end if;
  select coalesce(max(b.batch_no), 0) + 1 into v_no from app_private.archive_batches b
   where b.team_id = archive_plan_batch.team_id and b.day = archive_plan_batch.day;
  v_key := format('%s/team_id=%s/date=%s/%s.parquet', key_prefix, archive_plan_batch.team_id, to_char(day, 'YYYY-MM-DD'), lpad(v_no::text, 6, '0'));
  insert into app_private.archive_batches (team_id, day, batch_no, key, min_created_at, max_created_at, row_count, encrypted)
  select archive_plan_batch.team_id, archive_plan_batch.day, v_no, v_key, min(p.created_at), max(p.created_at), count(*), archive_plan_batch.encrypted
    from archive_plan_rows p
  returning id into v_id;
  insert into app_private.archived_executions (execution_id, created_at, batch_id, row_no, team_id, workflow_id, state)
  select p.id, p.created_at, v_id, (row_number() over (order by p.created_at desc, p.id desc) - 1)::integer,
         archive_plan_batch.team_id, p.workflow_id, p.state
    from archive_plan_rows p;
  perform app_private.archive_event(archive_plan_batch.team_id, 'ArchiveBatchPlanned',
    jsonb_build_object('batch_id', v_id, 'key', v_key, 'day', day, 'row_count', v_count));
  return v_id;
end;
$$;
