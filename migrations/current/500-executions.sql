-- The single move, leaner: its event through the array form of the append, a two-query chain check, and the
-- closed lists written into the constraints that check every written row.
--
-- Measured on the single move (1 client, synchronous_commit off, so the figures are CPU per move; see #19's note):
-- - constraint and trigger-WHEN expressions are prepared again for every statement that writes the table, and a
--   call of app_hidden.execution_states() there is not folded by the planner: it ran as a SQL function (parse,
--   plan, execute) 3-4 times per move. The constraints now hold the list itself, written by this migration from
--   the one declaration (app_hidden.execution_states() / execution_terminal_states()); a test checks that the
--   two agree.
-- - the move's event goes through app_private.append_stream_events (one UPDATE of the stream, one INSERT),
--   not through the JSON form and its eight statements.
-- - the chain trigger's one-row path is two queries instead of four.

CREATE OR REPLACE FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
  v_timing app_private.execution_timing;
  v_details jsonb := case when jsonb_typeof(p_details) = 'object' then p_details end;
  v_event jsonb;
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
  v_timing := app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms);
  m.attempt := v_timing.attempt; m.started_at := v_timing.started_at; m.finished_at := v_timing.finished_at; m.duration_ms := v_timing.duration_ms;

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
  v_event := app_private.execution_state_changed_event(m, p_actor);
  perform 1 from app_private.append_stream_events('execution-' || e.id, 'execution', null,
    array[v_event->>'type'], array[v_event->'data'], array[v_event->'metadata'], e.team_id);
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

create or replace function app_private.tg_execution_transitions__chain() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  one record;
  v_bad boolean := false;
begin
  select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, count(*) over () as rows
    into one from new_transitions n limit 1;
  if one.rows = 1 then
    -- one row (the single move): one check with the row's values as parameters, so the previous transition is
    -- looked up in one partition, pruned at executor start
    select (one.seq = 1) <> (one.from_state is null)
        or (one.from_state is not null and not exists (
              select 1 from app_public.execution_allowed_transitions a
               where a.from_state = one.from_state and a.to_state = one.to_state))
        or exists (
              select 1 from app_public.execution_transitions p
               where p.execution_id = one.execution_id and p.execution_created_at = one.execution_created_at
                 and p.seq = one.seq - 1 and p.to_state is distinct from one.from_state)
      into v_bad;
  elsif one.rows > 1 then
    select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, one.rows into one
      from new_transitions n
     where (n.seq = 1) <> (n.from_state is null)
        or (n.from_state is not null and not exists (
              select 1 from app_public.execution_allowed_transitions a
               where a.from_state = n.from_state and a.to_state = n.to_state))
        or exists (
              select 1 from app_public.execution_transitions p
               where p.execution_id = n.execution_id and p.execution_created_at = n.execution_created_at
                 and p.seq = n.seq - 1 and p.to_state is distinct from n.from_state)
     limit 1;
    v_bad := found;
  end if;
  if v_bad then
    raise exception 'transition % of execution % (% -> %) is not allowed or breaks the chain',
      one.seq, one.execution_id, coalesce(one.from_state, 'none'), one.to_state
      using errcode = 'LFSTA', detail = format('current_state=%s', coalesce(one.from_state, 'none'));
  end if;
  return null;
end;
$$;

-- Closed lists in the constraints, written from their declaration (NOT VALID, then VALIDATE: the rows already
-- met the same list, and validation takes no lock that blocks writers).
do $$
declare
  v_states text := format('%L::text[]', app_hidden.execution_states());
  v_terminal text := format('%L::text[]', app_hidden.execution_terminal_states());
  c record;
begin
  for c in select * from (values
      ('app_public.executions', 'executions_state_known', 'state'),
      ('app_public.execution_transitions', 'execution_transitions_from_known', 'from_state'),
      ('app_public.execution_transitions', 'execution_transitions_to_known', 'to_state'),
      ('app_public.execution_metric_samples', 'execution_metric_samples_state_known', 'state'),
      ('app_public.execution_allowed_transitions', 'execution_allowed_transitions_from_known', 'from_state'),
      ('app_public.execution_allowed_transitions', 'execution_allowed_transitions_to_known', 'to_state')) v(tbl, name, col)
  loop
    execute format('alter table %s drop constraint %I, add constraint %I check (%I = any (%s)) not valid',
                   c.tbl, c.name, c.name, c.col, v_states);
    execute format('alter table %s validate constraint %I', c.tbl, c.name);
  end loop;
  drop trigger _200_terminal_immutable on app_public.executions;
  execute format('create trigger _200_terminal_immutable before update on app_public.executions for each row
                  when (old.state = any (%s)) execute function app_private.tg_executions__terminal_immutable()', v_terminal);
end;
$$;

-- Transitions and node runs keep their team through their execution, not through a second foreign key to teams.
-- Every writer copies team_id from the execution row it has locked, and a team's deletion cascades through its
-- executions to both tables. The teams FK made every move and node-run insert key-share lock the team's row: all
-- writers of a team lock the same row, so 16 concurrent movers built a multixact on it per lock (WAL and SLRU
-- traffic on one hot row), and each insert paid one more RI query.
alter table app_public.execution_transitions drop constraint execution_transitions_team_id_fkey;
alter table app_public.execution_node_runs drop constraint execution_node_runs_team_id_fkey;
