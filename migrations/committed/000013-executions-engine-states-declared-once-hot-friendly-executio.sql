--! Previous: sha1:1b93c8cddc4ce0fe7d021c3c6dad8c300840a87e
--! Hash: sha1:a7615b7d36b16fef6da24866777bcdbea9db3fa2
--! Message: Executions engine: states declared once, HOT-friendly executions, engine split into parse/lock/plan/write with a lean single move, events through append_events

------------------------------------------------------------------------------------------------------------
-- Executions at database speed (issue 19, SQL half): the states declared once, HOT-friendly executions,
-- the transition engine split into small functions (parse, lock, plan, write) with a lean single move,
-- and every event of a move written through the event store's append.
-- Re-runnable (graphile-migrate watch). Exact reverse: migrations/down/current.sql. Prose: docs/executions.md.
------------------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------------------
-- 1. The execution states, declared once
------------------------------------------------------------------------------------------------------------
create or replace function app_hidden.execution_states() returns text[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select array['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_states() is 'Every execution state, in lifecycle order: the one declaration that constraints, triggers and the engine refer to.';

create or replace function app_hidden.execution_terminal_states() returns text[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select array['succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_terminal_states() is 'The finished (terminal) execution states: reaching one sets finished_at and duration_ms and records a metric sample; a finished execution changes again only through a retry.';

revoke execute on function app_hidden.execution_states(), app_hidden.execution_terminal_states() from public;
grant execute on function app_hidden.execution_states(), app_hidden.execution_terminal_states() to linkflow_visitor;

alter table app_public.executions drop constraint if exists executions_state_known;
alter table app_public.executions add constraint executions_state_known check (state = any (app_hidden.execution_states()));
alter table app_public.execution_transitions drop constraint if exists execution_transitions_from_known;
alter table app_public.execution_transitions add constraint execution_transitions_from_known check (from_state = any (app_hidden.execution_states()));
alter table app_public.execution_transitions drop constraint if exists execution_transitions_to_known;
alter table app_public.execution_transitions add constraint execution_transitions_to_known check (to_state = any (app_hidden.execution_states()));
alter table app_public.execution_metric_samples drop constraint if exists execution_metric_samples_state_known;
alter table app_public.execution_metric_samples add constraint execution_metric_samples_state_known check (state = any (app_hidden.execution_states()));
alter table app_public.execution_allowed_transitions drop constraint if exists execution_allowed_transitions_from_known;
alter table app_public.execution_allowed_transitions add constraint execution_allowed_transitions_from_known check (from_state = any (app_hidden.execution_states()));
alter table app_public.execution_allowed_transitions drop constraint if exists execution_allowed_transitions_to_known;
alter table app_public.execution_allowed_transitions add constraint execution_allowed_transitions_to_known check (to_state = any (app_hidden.execution_states()));

drop trigger if exists _200_terminal_immutable on app_public.executions;
create trigger _200_terminal_immutable before update on app_public.executions
  for each row when (old.state = any (app_hidden.execution_terminal_states()))
  execute function app_private.tg_executions__terminal_immutable();

------------------------------------------------------------------------------------------------------------
-- 2. HOT-friendly executions. A move changes state, attempt, version, timing, output/error and updated_at,
--    none of which is in any index now: every move is a heap-only (HOT) update when its page has room, which
--    a fillfactor of 50 on the partitions keeps. History by state reads the (team|workflow, created_at, id)
--    indexes newest first and filters the state (docs/executions.md, History queries). executions_id_idx
--    repeated the primary key's leading column.
------------------------------------------------------------------------------------------------------------
drop index if exists app_public.executions_state_created_at_idx;
drop index if exists app_public.executions_workflow_id_state_created_at_idx;
drop index if exists app_public.executions_id_idx;

alter table app_private.partitioned_tables add column if not exists fillfactor integer
  constraint partitioned_tables_fillfactor_range check (fillfactor between 10 and 100);
comment on column app_private.partitioned_tables.fillfactor is 'Fillfactor of new partitions (null: the default, 100). Updated-in-place tables keep room for heap-only (HOT) updates.';
update app_private.partitioned_tables set fillfactor = 50 where parent = 'app_public.executions'::regclass;

do $$
declare p record;
begin
  for p in select i.inhrelid::regclass as part from pg_inherits i where i.inhparent = 'app_public.executions'::regclass loop
    execute format('alter table %s set (fillfactor = 50)', p.part);
  end loop;
end;
$$;

create or replace function app_private.ensure_partitions_between(from_day date, to_day date)
  returns table (parent text, partition_name text, range_from date, range_to date, created boolean)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent, p.fillfactor from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)%s',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz,
          case when t.fillfactor is not null then format(' with (fillfactor = %s)', t.fillfactor) else '' end);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
end;
$$;
comment on function app_private.ensure_partitions_between(date, date) is 'Creates the missing daily partitions of every managed parent for the days from_day..to_day (UTC dates, inclusive), with the parent''s configured fillfactor. Idempotent.';

------------------------------------------------------------------------------------------------------------
-- 3. The transition engine: small functions, one job each.
--    parse_execution_moves -> lock_executions -> plan_execution_moves -> write_execution_moves (batches);
--    move_execution (one move, parameters only: pruned at executor start, no arrays).
--    Shared rules: execution_timing_after_move (what a move does to attempt and timing),
--    execution_state_changed_event (the event of a move), append_execution_events (the append).
------------------------------------------------------------------------------------------------------------
drop function if exists app_private.write_execution_moves(app_private.execution_move[], uuid);
drop function if exists app_private.plan_execution_moves(app_private.execution_move_request[], app_public.executions[], boolean);
drop function if exists app_private.move_execution(uuid, text, text, jsonb, uuid, boolean);
drop function if exists app_private.execution_state_changed_event(app_private.execution_move, uuid);
drop function if exists app_private.parse_execution_moves(jsonb);
drop function if exists app_private.lock_executions(uuid[]);
drop function if exists app_private.append_execution_events(jsonb);
drop function if exists app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint);
drop type if exists app_private.execution_move;
drop type if exists app_private.execution_move_request;
drop type if exists app_private.execution_timing;

create type app_private.execution_move_request as (
  ord integer,
  execution_id uuid,
  to_state text,
  expected_from text,
  details jsonb,
  well_formed boolean
);
comment on type app_private.execution_move_request is 'One parsed item of a transition request: its input position, the execution id (null when not a UUID), the target and expected states, details (null unless an object) and whether the item was well formed (an object whose details, if any, is an object).';

create type app_private.execution_timing as (
  attempt integer,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms bigint
);
comment on type app_private.execution_timing is 'Attempt and timing of an execution after a move (see execution_timing_after_move).';

create type app_private.execution_move as (
  ord integer,
  execution_id uuid,
  execution_created_at timestamptz,
  team_id uuid,
  workflow_id uuid,
  step integer,
  ok boolean,
  error_code text,
  denied text,
  from_state text,
  to_state text,
  state text,
  version integer,
  attempt integer,
  at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms bigint,
  output jsonb,
  set_output boolean,
  error jsonb,
  set_error boolean,
  details jsonb,
  final boolean
);
comment on type app_private.execution_move is 'One planned move (plan_execution_moves): the item, its execution, ok or error_code, and the execution''s state, version, attempt, timing and pending output/error after it (unchanged after a refused move). step numbers the moves of one execution in input order; final marks the last step of an execution with at least one accepted move, whose values become the row''s.';

create function app_private.execution_timing_after_move(
  p_to_state text, p_is_retry boolean, p_at timestamptz,
  p_attempt integer, p_started_at timestamptz, p_finished_at timestamptz, p_duration_ms bigint
) returns app_private.execution_timing
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select row(x.attempt, x.started_at,
             case when x.terminal then p_at when p_is_retry then null else p_finished_at end,
             case when x.terminal then
                    case when x.started_at is not null then greatest(0, floor(extract(epoch from (p_at - x.started_at)) * 1000))::bigint end
                  when p_is_retry then null else p_duration_ms end)::app_private.execution_timing
    from (select p_attempt + p_is_retry::integer as attempt,
                 case when p_is_retry then null
                      when p_to_state = 'running' and p_started_at is null then p_at
                      else p_started_at end as started_at,
                 p_to_state = any (app_hidden.execution_terminal_states()) as terminal) x;
$$;
comment on function app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint) is 'The rule of what a move does to attempt and timing: a retry starts a new attempt (attempt + 1, timing reset); the first running of an attempt sets started_at; a finishing move sets finished_at and duration_ms (null if the attempt never ran).';

create function app_private.parse_execution_moves(p_items jsonb) returns setof app_private.execution_move_request
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
$$;
comment on function app_private.parse_execution_moves(jsonb) is 'Parses transition items [{id, to_state, expected_from?, details?}] into execution_move_request rows, in input order (ord from 1). Never raises: malformed items come back with well_formed = false or a null id.';

create function app_private.lock_executions(p_ids uuid[]) returns setof app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_locked integer;
begin
  -- Lock in id order (concurrent callers never deadlock on each other), each lookup pruned to the partitions
  -- around the id's UUIDv7 time.
  return query
    select e.*
      from (select distinct i from unnest(p_ids) i where i is not null order by i) ids(id)
     cross join lateral (
       select x.* from app_public.executions x
        where x.id = ids.id
          and x.created_at between app_hidden.uuid_v7_time(ids.id) - interval '1 hour' and app_hidden.uuid_v7_time(ids.id) + interval '1 hour'
          for update) e;
  get diagnostics v_locked = row_count;
  if v_locked < (select count(distinct i) from unnest(p_ids) i where i is not null) then
    -- rows far from their id's time (imports) or missing: search every partition for those
    return query
      select x.* from app_public.executions x
       where x.id = any (p_ids)
         and not (x.created_at between app_hidden.uuid_v7_time(x.id) - interval '1 hour' and app_hidden.uuid_v7_time(x.id) + interval '1 hour')
       order by x.id
         for update;
  end if;
end;
$$;
comment on function app_private.lock_executions(uuid[]) is 'Locks (FOR UPDATE) and returns the executions with the given ids, in id order, each found in the partitions around its id''s UUIDv7 time (all partitions for the rest). Missing ids are simply absent.';

create function app_private.plan_execution_moves(
  p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean
) returns setof app_private.execution_move
  language sql volatile
  set search_path = pg_catalog
as $$
  with recursive
  requests as (
    select r.*, (row_number() over (partition by r.execution_id order by r.ord))::integer as step
      from unnest(p_requests) r where r.execution_id is not null
  ),
  access as (
    -- the caller's rights, once per team: null (may move), LFDNY (a member without the editor role), LFNTF
    select t.team_id,
           case when not p_check_role or app_hidden.has_team_role(t.team_id, 'editor') then null
                when app_hidden.has_team_role(t.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end as denied
      from (select distinct x.team_id from unnest(p_locked) x) t
  ),
  walk as (
    -- step 0: each locked execution as it is; step k: its k-th requested move, applied when legal
    select x.id, x.created_at, x.team_id, x.workflow_id, a.denied, 0 as step, null::integer as ord, null::text as error_code,
           null::text as from_state, null::text as to_state, x.state, x.version, x.attempt, null::timestamptz as at,
           x.started_at, x.finished_at, x.duration_ms,
           null::jsonb as output, false as set_output, null::jsonb as error, false as set_error, null::jsonb as details
      from unnest(p_locked) x join access a on a.team_id = x.team_id
    union all
    select w.id, w.created_at, w.team_id, w.workflow_id, w.denied, r.step, r.ord, c.code,
           w.state, r.to_state,
           case when c.code is null then r.to_state else w.state end,
           w.version + (c.code is null)::integer,
           case when c.code is null then t.attempt else w.attempt end,
           c.at,
           case when c.code is null then t.started_at else w.started_at end,
           case when c.code is null then t.finished_at else w.finished_at end,
           case when c.code is null then t.duration_ms else w.duration_ms end,
           case when c.code is null and r.details ? 'output' then r.details->'output' else w.output end,
           w.set_output or (c.code is null and r.details ? 'output'),
           case when c.code is null and r.details ? 'error' then r.details->'error' else w.error end,
           w.set_error or (c.code is null and r.details ? 'error'),
           r.details
      from walk w
      join requests r on r.execution_id = w.id and r.step = w.step + 1
      left join app_public.execution_allowed_transitions a on a.from_state = w.state and a.to_state = r.to_state
     cross join lateral (
       select case
                when not r.well_formed then 'LFVAL'
                when w.denied is not null then w.denied
                when r.to_state is null or not (r.to_state = any (app_hidden.execution_states())) then 'LFVAL'
                when r.expected_from is not null and not (r.expected_from = any (app_hidden.execution_states())) then 'LFVAL'
                when char_length(r.details->>'reason') > 2000 then 'LFVAL'
                when r.expected_from is not null and r.expected_from <> w.state then 'LFSTA'
                when a.to_state is null then 'LFSTA'
              end as code,
              clock_timestamp() as at) c
     cross join lateral app_private.execution_timing_after_move(
       r.to_state, coalesce(a.is_retry, false), c.at, w.attempt, w.started_at, w.finished_at, w.duration_ms) t
  )
  select r.ord, r.execution_id, w.created_at, w.team_id, w.workflow_id, w.step,
         coalesce(w.id is not null and w.error_code is null, false),
         case when w.id is not null then w.error_code
              when r.execution_id is null or not r.well_formed then 'LFVAL' else 'LFNTF' end,
         w.denied, w.from_state, w.to_state, w.state, w.version, w.attempt, w.at, w.started_at, w.finished_at, w.duration_ms,
         w.output, w.set_output, w.error, w.set_error, r.details,
         coalesce(w.step = max(w.step) over (partition by w.id) and bool_or(w.error_code is null) over (partition by w.id), false)
    from unnest(p_requests) r
    left join walk w on w.ord = r.ord and w.step > 0
   order by r.ord;
$$;
comment on function app_private.plan_execution_moves(app_private.execution_move_request[], app_public.executions[], boolean) is 'Plans a batch of moves without writing: walks each locked execution through its requested moves in input order (a recursive query, one step per move of the same execution), checking each against the caller''s role, the known states, expected_from and execution_allowed_transitions. A refused move leaves the state as it was for the next one. One execution_move per request, in input order.';

create function app_private.execution_state_changed_event(m app_private.execution_move, p_actor uuid) returns jsonb
  language sql stable parallel safe
  set search_path = pg_catalog
as $$
  select jsonb_build_object(
    'type', 'ExecutionStateChanged',
    'data', jsonb_build_object(
      'execution_id', m.execution_id, 'workflow_id', m.workflow_id, 'team_id', m.team_id, 'from_state', m.from_state,
      'to_state', m.to_state, 'seq', m.version, 'at', m.at, 'attempt', m.attempt, 'started_at', m.started_at,
      'finished_at', m.finished_at, 'duration_ms', m.duration_ms),
    'metadata', jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
      'correlation_id', m.details->'correlation_id', 'causation_id', m.details->'causation_id', 'trace_id', m.details->'trace_id')));
$$;
comment on function app_private.execution_state_changed_event(app_private.execution_move, uuid) is 'The ExecutionStateChanged event of an accepted move ({type, data, metadata} as append_events takes it): data per the contract in docs/executions.md, metadata {actor, correlation_id?, causation_id?, trace_id?} from the move''s details.';

create function app_private.append_execution_events(p_appends jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  a jsonb;
begin
  -- One append per execution stream, through the event store's append (versions, archived-stream refusal,
  -- the wake-up notification). p_appends has the multi-stream form:
  -- [{stream_id, stream_type, expected_version, team_id, events: [...]}], ordered by stream_id.
  for a in select x from jsonb_array_elements(p_appends) x loop
    perform app_private.append_events(a->>'stream_id', a->>'stream_type', (a->>'expected_version')::bigint, a->'events',
                                      (a->>'team_id')::uuid);
  end loop;
end;
$$;
comment on function app_private.append_execution_events(jsonb) is 'Appends the events of a batch of moves, [{stream_id, stream_type, expected_version, team_id, events}] (one entry per execution stream, in stream order), through app_private.append_events: the engine''s one door to the event store.';

create function app_private.move_execution(
  p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean,
  out result app_public.execution_transition_result, out execution app_public.executions
)
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
  v_details jsonb := case when jsonb_typeof(p_details) = 'object' then p_details end;
begin
  result.ord := 1; result.execution_id := p_id; result.ok := false;
  if p_id is not null and p_check_role then
    -- access first (no lock): who may not move it learns nothing more and locks nothing
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1;
    end if;
    if e.id is not null then
      v_denied := case when app_hidden.has_team_role(e.team_id, 'editor') then null
                       when app_hidden.has_team_role(e.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end;
    end if;
  end if;
  if p_id is not null and v_denied is null then
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour'
       for update;
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1 for update;
    end if;
  end if;
  if e.id is not null and v_denied is null then
    select a.is_retry into v_retry from app_public.execution_allowed_transitions a
     where a.from_state = e.state and a.to_state = p_to_state;
  end if;
  v_code := case
    when p_id is null or (p_details is not null and jsonb_typeof(p_details) not in ('object', 'null')) then 'LFVAL'
    when e.id is null or v_denied = 'LFNTF' then 'LFNTF'
    when v_denied is not null then v_denied
    when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'LFVAL'
    when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'LFVAL'
    when char_length(v_details->>'reason') > 2000 then 'LFVAL'
    when p_expected_from is not null and p_expected_from <> e.state then 'LFSTA'
    when v_retry is null then 'LFSTA'
  end;
  if v_code is not null then
    result.error_code := v_code;
    if v_code <> 'LFNTF' then
      result.current_state := e.state; result.attempt := e.attempt;
      result.execution_created_at := case when v_denied is null then e.created_at end;
    end if;
    return;
  end if;

  m.execution_id := e.id; m.team_id := e.team_id; m.workflow_id := e.workflow_id; m.details := v_details;
  m.from_state := e.state; m.to_state := p_to_state; m.version := e.version + 1; m.at := clock_timestamp();
  select x.attempt, x.started_at, x.finished_at, x.duration_ms into m.attempt, m.started_at, m.finished_at, m.duration_ms
    from app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms) x;

  update app_public.executions x set
    state = p_to_state, attempt = m.attempt, version = m.version, started_at = m.started_at,
    finished_at = m.finished_at, duration_ms = m.duration_ms,
    output = case when v_details ? 'output' then v_details->'output' else x.output end,
    error = case when v_details ? 'error' then v_details->'error' else x.error end,
    updated_at = now()
   where x.id = e.id and x.created_at = e.created_at
  returning x.* into execution;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    values (e.id, e.created_at, m.version, e.team_id, m.from_state, p_to_state, m.at, p_actor, v_details->>'reason',
            v_details - 'output' - 'error' - 'reason');
  perform app_private.append_events('execution-' || e.id, 'execution', null,
    jsonb_build_array(app_private.execution_state_changed_event(m, p_actor)), e.team_id);
  if p_to_state = any (app_hidden.execution_terminal_states()) then
    insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
      select e.id, m.at, e.team_id, e.workflow_id, p_to_state, m.duration_ms, count(*)::integer,
             (count(*) filter (where nr.status = 'failed'))::integer
        from app_public.execution_node_runs nr
       where nr.execution_id = e.id and nr.execution_created_at = e.created_at;
  end if;
  result.ok := true; result.execution_created_at := e.created_at; result.current_state := p_to_state;
  result.seq := m.version; result.attempt := m.attempt;
end;
$$;
comment on function app_private.move_execution(uuid, text, text, jsonb, uuid, boolean) is 'The lean single move (owner only): one execution, parameters only (every lookup pruned to one partition at executor start), the same checks and writes as a batch of one: access check before the row lock, legality, then one UPDATE (heap-only), one transition INSERT, one append_events, and a metric sample when finishing. Never raises for a refused move: result carries ok or error_code (LFVAL, LFNTF, LFDNY, LFSTA) and current_state; execution is the moved row.';

create function app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) returns void
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_appends jsonb;
begin
  -- 1. the execution rows: one update per execution, with its final values
  update app_public.executions e set
    state = m.state, attempt = m.attempt, version = m.version, started_at = m.started_at, finished_at = m.finished_at,
    duration_ms = m.duration_ms,
    output = case when m.set_output then m.output else e.output end,
    error = case when m.set_error then m.error else e.error end,
    updated_at = now()
    from unnest(p_moves) m
   where m.final and e.id = m.execution_id and e.created_at = m.execution_created_at;

  -- 2. the history (the chain trigger re-checks every move)
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    select m.execution_id, m.execution_created_at, m.version, m.team_id, m.from_state, m.to_state, m.at, p_actor,
           m.details->>'reason', m.details - 'output' - 'error' - 'reason'
      from unnest(p_moves) m where m.ok
     order by m.execution_id, m.version;

  -- 3. the events, one append per execution stream
  select jsonb_agg(jsonb_build_object('stream_id', 'execution-' || s.execution_id, 'stream_type', 'execution',
                                      'expected_version', null, 'team_id', s.team_id, 'events', s.events)
                   order by 'execution-' || s.execution_id)
    into v_appends
    from (select m.execution_id, min(m.team_id::text)::uuid as team_id,
                 jsonb_agg(app_private.execution_state_changed_event(m, p_actor) order by m.version) as events
            from unnest(p_moves) m where m.ok group by m.execution_id) s;
  if v_appends is not null then
    perform app_private.append_execution_events(v_appends);
  end if;

  -- 4. one metric sample per finished attempt
  insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select m.execution_id, m.at, m.team_id, m.workflow_id, m.to_state, m.duration_ms, coalesce(n.total, 0), coalesce(n.failed, 0)
      from unnest(p_moves) m
      left join lateral (
        select count(*)::integer as total, (count(*) filter (where nr.status = 'failed'))::integer as failed
          from app_public.execution_node_runs nr
         where nr.execution_id = m.execution_id and nr.execution_created_at = m.execution_created_at) n on true
     where m.ok and m.to_state = any (app_hidden.execution_terminal_states());
end;
$$;
comment on function app_private.write_execution_moves(app_private.execution_move[], uuid) is 'Writes a planned batch set-based: one UPDATE of executions (final values per execution), one INSERT of transitions, the ExecutionStateChanged events through append_execution_events, and one INSERT of metric samples for finished attempts. Refused moves write nothing.';

create or replace function app_private.apply_execution_transitions(p_items jsonb, p_actor uuid default null, p_check_role boolean default false)
  returns setof app_public.execution_transition_result
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_requests app_private.execution_move_request[];
  v_moves app_private.execution_move[];
  one app_private.execution_move_request;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 transitions per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;
  v_requests := array(select r from app_private.parse_execution_moves(p_items) r);
  if cardinality(v_requests) = 0 then
    return;
  end if;
  if cardinality(v_requests) = 1 then
    -- one item: the lean single move
    one := v_requests[1];
    return query select (m.result).* from app_private.move_execution(
      one.execution_id, one.to_state, one.expected_from,
      case when one.well_formed then one.details else coalesce(p_items->0->'details', 'false'::jsonb) end,
      p_actor, p_check_role) m;
    return;
  end if;
  v_moves := array(
    select p from app_private.plan_execution_moves(
      v_requests,
      array(select l from app_private.lock_executions(array(select r.execution_id from unnest(v_requests) r)) l),
      p_check_role) p);
  perform app_private.write_execution_moves(v_moves, p_actor);
  return query
    select m.ord, m.execution_id,
           case when m.execution_created_at is not null and m.denied is null then m.execution_created_at end,
           m.ok, m.error_code,
           case when m.error_code = 'LFNTF' then null else m.state end,
           case when m.ok then m.version end,
           case when m.error_code = 'LFNTF' then null else m.attempt end
      from unnest(v_moves) m
     order by m.ord;
end;
$$;
comment on function app_private.apply_execution_transitions(jsonb, uuid, boolean) is
'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}] (at most 10000).
One item takes the lean path (move_execution). More: parse_execution_moves, lock_executions (id order), plan_execution_moves
(input order, several moves per execution allowed), write_execution_moves (set-based). Returns one result per item in
input order; refused items write nothing and report error_code + current_state; unexpected errors abort the whole call.';

create or replace function app_private.transition_execution(
  p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean
) returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  r record;
  res app_public.execution_transition_result;
begin
  select * into r from app_private.move_execution(p_id, p_to_state, p_expected_from, p_details, p_actor, p_check_role);
  res := r.result;
  if not res.ok then
    case res.error_code
      when 'LFNTF' then raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: id';
      when 'LFDNY' then raise exception 'changing an execution needs the editor role' using errcode = 'LFDNY';
      when 'LFSTA' then
        raise exception 'illegal or stale transition to % (execution is %)', p_to_state, res.current_state
          using errcode = 'LFSTA', detail = format('current_state=%s', res.current_state);
      else raise exception 'invalid transition request' using errcode = 'LFVAL',
        detail = case when p_id is null then 'field: id'
                      when p_details is not null and jsonb_typeof(p_details) not in ('object', 'null') then 'field: details'
                      when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'field: to_state'
                      when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'field: expected_from'
                      else 'field: details' end;
    end case;
  end if;
  return r.execution;
end;
$$;
comment on function app_private.transition_execution(uuid, text, text, jsonb, uuid, boolean) is 'Service path of transition_execution (owner only): one move through the lean path (move_execution); raises LFNTF, LFDNY, LFSTA (DETAIL current_state=<s>) or LFVAL (DETAIL field: <name>) and then nothing is written.';

------------------------------------------------------------------------------------------------------------
-- 4. History: the same static queries; with no state index, a state filter reads the team or workflow index
--    newest first and filters (see docs/executions.md). The known states come from execution_states().
------------------------------------------------------------------------------------------------------------
create or replace function app_private.execution_history(
  team_id uuid default null,
  workflow_id uuid default null,
  state text default null,
  created_from timestamptz default null,
  created_before timestamptz default null,
  after_created_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50,
  check_membership boolean default false
) returns setof app_public.executions
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  lo timestamptz := coalesce(created_from, '-infinity');
  hi timestamptz := least(coalesce(created_before, 'infinity'), coalesce(after_created_at + interval '1 microsecond', 'infinity'));
  ca timestamptz := coalesce(after_created_at, 'infinity');
  ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  n integer := coalesce(max_rows, 50);
  v_team uuid;
begin
  if team_id is null and workflow_id is null then
    raise exception 'give a team_id or a workflow_id' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if n < 1 or n > 1000 then
    raise exception 'max_rows must be between 1 and 1000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = 'LFVAL', detail = 'field: after_id';
  end if;
  if state is not null and not (state = any (app_hidden.execution_states())) then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: state';
  end if;
  -- Membership is checked once here instead of by the RLS policy, whose subquery would run once per partition.
  if check_membership then
    if workflow_id is not null then
      select w.team_id into v_team from app_public.workflows w where w.id = execution_history.workflow_id;
      if v_team is null or (execution_history.team_id is not null and execution_history.team_id <> v_team) then
        return;
      end if;
    else
      v_team := execution_history.team_id;
    end if;
    if not app_hidden.has_team_role(v_team, 'viewer') then
      return;
    end if;
  end if;
  -- One static query per filter shape, each served by an index led by its filter columns; created_at bounds
  -- prune partitions; (created_at, id) < cursor is the keyset condition, newest first.
  if workflow_id is not null and state is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id and e.state = execution_history.state
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif workflow_id is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif state is not null then
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id and e.state = execution_history.state
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  else
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  end if;
end;
$$;

------------------------------------------------------------------------------------------------------------
-- PUBLIC keeps EXECUTE on new functions: revoke it (owner-only helpers).
------------------------------------------------------------------------------------------------------------
revoke execute on function
  app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint),
  app_private.parse_execution_moves(jsonb),
  app_private.lock_executions(uuid[]),
  app_private.plan_execution_moves(app_private.execution_move_request[], app_public.executions[], boolean),
  app_private.execution_state_changed_event(app_private.execution_move, uuid),
  app_private.append_execution_events(jsonb),
  app_private.move_execution(uuid, text, text, jsonb, uuid, boolean),
  app_private.write_execution_moves(app_private.execution_move[], uuid),
  app_private.apply_execution_transitions(jsonb, uuid, boolean)
from public;
