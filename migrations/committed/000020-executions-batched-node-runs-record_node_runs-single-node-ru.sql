--! Previous: sha1:44834fc193bc3842925d96ec8026e1e872beafc9
--! Hash: sha1:95f65b1e3b6f5a10cb2a3fb6cb4baa46ad8d2aab
--! Message: executions: batched node runs (record_node_runs), single node-run functions as one-item calls

------------------------------------------------------------------------------------------------------------
-- Node runs at engine rate (issue 19): one batched, set-based form for node-run start and finish; the single
-- functions become one-item calls of it (one home for the rules). Reverse: migrations/down/current.sql.
------------------------------------------------------------------------------------------------------------
drop function if exists app_public.record_node_runs(jsonb);
drop function if exists app_private.record_node_runs(jsonb, uuid, boolean);
drop function if exists app_private.node_run_or_raise(app_public.execution_node_run_result);
drop type if exists app_public.execution_node_run_result;
drop type if exists app_private.node_run_item;

create type app_public.execution_node_run_result as (
  ord integer,
  ok boolean,
  error_code text,
  error_message text,
  error_detail text,
  current_state text,
  execution_id uuid,
  execution_created_at timestamptz,
  team_id uuid,
  node_name text,
  node_id uuid,
  attempt integer,
  status text,
  started_at timestamptz,
  finished_at timestamptz,
  output jsonb,
  error jsonb
);
comment on type app_public.execution_node_run_result is 'Per-item result of record_node_runs: ok with the node run as written (current_state = its status), or error_code (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA, LFCNF) with the message and detail the single functions raise, and current_state (the execution''s state for LFSTA on a finished execution, the node run''s status for LFSTA on a finished node run).';

create type app_private.node_run_item as (
  ord integer,
  op text,
  execution_id uuid,
  node_name text,
  node_id uuid,
  attempt integer,
  status text,
  output jsonb,
  error jsonb,
  execution_created_at timestamptz,
  team_id uuid,
  code text,
  message text,
  detail text,
  current_state text
);
comment on type app_private.node_run_item is 'Working row of record_node_runs: one parsed item, the execution it resolved to, and its refusal (code, message, detail) once known.';

create function app_private.record_node_runs(p_items jsonb, p_actor uuid default null, p_check_role boolean default false)
  returns setof app_public.execution_node_run_result
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
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
               when p.op = 'finish' and (p.status is null or p.status not in ('succeeded', 'failed', 'skipped', 'cancelled')) then 'LFVAL'
               when p.op = 'finish' and (z.output_size > v_limit or z.error_size > v_limit) then 'LFLIM'
             end as code,
             case
               when jsonb_typeof(p.x) <> 'object' then 'each node run item must be a JSON object'
               when p.op is null or p.op not in ('start', 'finish') then 'op must be start or finish'
               when p.execution_id is null then 'execution_id must be a uuid'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'node name must have 1 to 200 characters'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'attempt must be positive'
               when p.op = 'start' and p.node_id_bad then 'node_id must be a uuid'
               when p.op = 'finish' and (p.status is null or p.status not in ('succeeded', 'failed', 'skipped', 'cancelled')) then 'status must be succeeded, failed, skipped or cancelled'
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
               when p.op = 'finish' and (p.status is null or p.status not in ('succeeded', 'failed', 'skipped', 'cancelled')) then 'field: status'
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
                                             when l.state not in ('running', 'waiting') then 'LFSTA' end),
                       case when i.code is not null then i.message
                            when f.id is null or f.denied = 'LFNTF' then 'execution not found'
                            when f.denied is not null then 'recording node runs needs the editor role'
                            when l.state not in ('running', 'waiting') then
                              format('node runs are recorded only while the execution is running or waiting (it is %s)', l.state) end,
                       case when i.code is not null then i.detail
                            when f.id is null or f.denied = 'LFNTF' then 'field: execution_id'
                            when f.denied is not null then null
                            when l.state not in ('running', 'waiting') then format('current_state=%s', l.state) end,
                       case when i.code is null and f.denied is null and l.state not in ('running', 'waiting') then l.state end
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
$$;
comment on function app_private.record_node_runs(jsonb, uuid, boolean) is
'Node runs in bulk (owner only; the engines'' service path). items: [{op: "start", execution_id, node_name, attempt?, node_id?}
| {op: "finish", execution_id, node_name, status: succeeded|failed|skipped|cancelled, output?, error?, attempt?}] (at most 10000).
Set-based: the executions are found and (p_check_role) checked without a lock, then share-locked once per batch in id
order; all starts are one INSERT and all finishes one UPDATE. Items apply in input order per node: a start takes the
node''s next attempt unless given, a finish without an attempt the node''s latest as of its place in the batch (a start
and its finish may share a batch). Returns one result per item in input order; a refused item (LFVAL, LFLIM, LFNTF,
LFDNY, LFSTA, LFCNF: the single functions'' errors, message and detail) writes nothing, the others commit.
p_actor is accepted for symmetry with apply_execution_transitions (node runs record no actor).';
revoke execute on function app_private.record_node_runs(jsonb, uuid, boolean) from public;

create function app_public.record_node_runs(items jsonb)
  returns setof app_public.execution_node_run_result
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.record_node_runs($1, app_public.current_user_id(), true);
$$;
comment on function app_public.record_node_runs(jsonb) is 'Batched node-run starts and finishes in one statement and one commit, for engines that report in bulk. items: [{op: "start", execution_id, node_name, attempt?, node_id?} | {op: "finish", execution_id, node_name, status, output?, error?, attempt?}] (at most 10000). Returns one result per item in input order: ok with the node run, or error_code (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA, LFCNF) with message, detail and current_state; refused items write nothing. Needs the editor role on each execution''s team, checked before any execution is locked.';
grant execute on function app_public.record_node_runs(jsonb) to linkflow_visitor;
revoke execute on function app_public.record_node_runs(jsonb) from public;

-- The single calls: one-item calls of the batch, raising its refusal.
create function app_private.node_run_or_raise(r app_public.execution_node_run_result)
  returns app_public.execution_node_runs
  language plpgsql immutable
  set search_path = pg_catalog
as $$
begin
  if not r.ok then
    if r.error_detail is null then
      raise exception '%', r.error_message using errcode = r.error_code;
    end if;
    raise exception '%', r.error_message using errcode = r.error_code, detail = r.error_detail;
  end if;
  return row(r.execution_id, r.execution_created_at, r.team_id, r.node_name, r.node_id, r.attempt, r.status,
             r.started_at, r.finished_at, r.output, r.error)::app_public.execution_node_runs;
end;
$$;
comment on function app_private.node_run_or_raise(app_public.execution_node_run_result) is 'The node run of an ok record_node_runs result, or raises the result''s error (code, message, detail).';
revoke execute on function app_private.node_run_or_raise(app_public.execution_node_run_result) from public;

create or replace function app_private.record_node_run_start(
  p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean
) returns app_public.execution_node_runs
  language sql volatile
  set search_path = pg_catalog
as $$
  select app_private.node_run_or_raise(r)
    from app_private.record_node_runs(
           jsonb_build_array(jsonb_build_object('op', 'start', 'execution_id', p_execution_id, 'node_name', p_node_name,
                                                'attempt', p_attempt, 'node_id', p_node_id)),
           null, p_check_role) r;
$$;
comment on function app_private.record_node_run_start(uuid, text, integer, uuid, boolean) is 'Service path of record_node_run_start (owner only): one start through record_node_runs; raises its refusal (LFVAL, LFNTF, LFDNY, LFSTA, LFCNF).';

create or replace function app_private.record_node_run_finish(
  p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean
) returns app_public.execution_node_runs
  language sql volatile
  set search_path = pg_catalog
as $$
  select app_private.node_run_or_raise(r)
    from app_private.record_node_runs(
           jsonb_build_array(jsonb_build_object('op', 'finish', 'execution_id', p_execution_id, 'node_name', p_node_name,
                                                'attempt', p_attempt, 'status', p_status, 'output', p_output, 'error', p_error)),
           null, p_check_role) r;
$$;
comment on function app_private.record_node_run_finish(uuid, text, integer, text, jsonb, jsonb, boolean) is 'Service path of record_node_run_finish (owner only): one finish through record_node_runs; raises its refusal (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA).';
