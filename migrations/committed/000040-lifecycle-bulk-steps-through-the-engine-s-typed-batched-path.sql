--! Previous: sha1:497d772f83e6e592b6c0c903b9e908cd44ddeb50
--! Hash: sha1:8d07166d9684f9ee19d39ac5a4f04f2050ab70d8
--! Message: Lifecycle: bulk steps through the engine's typed batched path; candidates walk the index from the keyset position

--! split: 500-executions.sql
-- The batched engine's multi-item path takes parsed requests too (apply_execution_move_requests), so a caller
-- that already holds typed ids (the bulk-action step) skips building and parsing a JSON item per execution;
-- apply_execution_transitions parses its JSON items and delegates to it.
create or replace function app_private.apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid default null, p_check_role boolean default false)
  returns setof app_public.execution_transition_result
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_moves app_private.execution_move[];
begin
  if cardinality(p_requests) > 10000 then
    raise exception 'at most 10000 transitions per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', cardinality(p_requests));
  end if;
  if coalesce(cardinality(p_requests), 0) = 0 then
    return;
  end if;
  v_moves := array(
    select p from app_private.plan_execution_moves(
      p_requests,
      array(select l from app_private.lock_executions(array(select r.execution_id from unnest(p_requests) r)) l),
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
comment on function app_private.apply_execution_move_requests(app_private.execution_move_request[], uuid, boolean) is 'The transition engine''s batched path over parsed requests (owner only): lock_executions (id order), plan_execution_moves (input order, several moves per execution allowed; the state machine decides each), write_execution_moves (set-based: rows, transitions, events through the event store''s append, metric samples). Returns one result per request in ord order; refused requests write nothing and report error_code + current_state; unexpected errors abort the whole call. At most 10000 requests (LFLIM). apply_execution_transitions is its JSON form; callers holding typed ids (app_private.bulk_action_step) build the requests themselves (ord from 1, well_formed true).';
revoke all on function app_private.apply_execution_move_requests(app_private.execution_move_request[], uuid, boolean) from public;

create or replace function app_private.apply_execution_transitions(p_items jsonb, p_actor uuid default null, p_check_role boolean default false)
  returns setof app_public.execution_transition_result
  language plpgsql
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_requests app_private.execution_move_request[];
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
  return query select * from app_private.apply_execution_move_requests(v_requests, p_actor, p_check_role);
end;
$$;
comment on function app_private.apply_execution_transitions(jsonb, uuid, boolean) is 'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}] (at most 10000).
One item takes the lean path (move_execution). More: parse_execution_moves, then apply_execution_move_requests (lock_executions in id order,
plan_execution_moves in input order with several moves per execution allowed, write_execution_moves set-based). Returns one result per item in
input order; refused items write nothing and report error_code + current_state; unexpected errors abort the whole call.';

--! split: 850-lifecycle.sql
-- Bulk-action steps: candidates as a generic-plan index walk from the keyset position, cancels/retries through the engine's typed batched path.
create or replace function app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamptz,
    after_created_at timestamptz, after_id uuid, max_rows integer)
  returns table (id uuid, created_at timestamptz, workflow_id uuid, state text)
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_workflow_id uuid := (filter->>'workflow_id')::uuid;
  v_state text := filter->>'state';
  v_from timestamptz := coalesce((filter->>'created_from')::timestamptz, '-infinity');
  v_before timestamptz := least(coalesce((filter->>'created_before')::timestamptz, 'infinity'), upper_created_at);
  v_states text[] := app_private.bulk_action_states(action);
  -- the keyset position, or the top: before v_before (an id sorts below the all-ones UUID)
  v_at timestamptz := coalesce(after_created_at, v_before);
  v_after uuid := case when after_created_at is null then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid else after_id end;
begin
  if v_workflow_id is not null then
    -- one workflow: down its (workflow_id, created_at desc, id desc) index
    return query
      select e.id, e.created_at, e.workflow_id, e.state
        from app_public.executions e
       where e.workflow_id = v_workflow_id and e.team_id = bulk_action_candidates.team_id
         and (v_state is null or e.state = v_state) and e.state = any (v_states)
         and e.created_at >= v_from and e.created_at < v_before
         and e.created_at <= v_at and (e.created_at, e.id) < (v_at, v_after)
       order by e.created_at desc, e.id desc
       limit max_rows;
  else
    -- the team: down its (team_id, created_at desc, id desc) index
    return query
      select e.id, e.created_at, e.workflow_id, e.state
        from app_public.executions e
       where e.team_id = bulk_action_candidates.team_id
         and (v_state is null or e.state = v_state) and e.state = any (v_states)
         and e.created_at >= v_from and e.created_at < v_before
         and e.created_at <= v_at and (e.created_at, e.id) < (v_at, v_after)
       order by e.created_at desc, e.id desc
       limit max_rows;
  end if;
end;
$$;

comment on function app_private.bulk_action_candidates(uuid, text, jsonb, timestamptz, timestamptz, uuid, integer) is 'The executions a bulk action reaches after a keyset position (created_at desc, id desc; from the top when after_created_at is null): the team''s hot executions matching the filter in a state the action applies to, created before the action started; at most max_rows (null: all). A walk down the workflow''s or the team''s (created_at desc, id desc) index that stops at max_rows, planned once per session (plan_cache_mode force_generic_plan: partitions after the position are pruned when the plan starts). Planned per call (as an inlined SQL function) it read and top-N sorted every remaining candidate of the partition in each batch (~65 ms per batch at 50,000 remaining) and planned over every daily partition (~10 ms per batch in a warm session, >100 ms in a new one, with 70 partitions); the walk reads ~8 ms per 5,000.';

CREATE OR REPLACE FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) RETURNS app_public.bulk_actions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v app_public.bulk_actions;
  v_ids uuid[];
  v_cas timestamptz[];
  v_n integer;
  v_acted integer := 0;
  v_details jsonb;
  v_requests app_private.execution_move_request[];
begin
  -- one step per action at a time: the row lock serialises runners (a second runner waits, then continues from the new position)
  select * into v from app_public.bulk_actions b where b.team_id = bulk_action_step.team_id and b.id = bulk_action_step.id for update;
  if v.id is null then
    raise exception 'bulk action not found' using errcode = 'LFNTF', detail = 'field: id';
  end if;
  if v.status not in ('pending', 'running') then
    return v;
  end if;
  select array_agg(c.id order by c.created_at desc, c.id desc), array_agg(c.created_at order by c.created_at desc, c.id desc)
    into v_ids, v_cas
    from app_private.bulk_action_candidates(v.team_id, v.action, v.filter, v.upper_created_at, v.cursor_created_at, v.cursor_id, v.batch_size) c;
  v_n := coalesce(cardinality(v_ids), 0);
  if v_n = 0 then
    update app_public.bulk_actions b set status = 'succeeded', started_at = coalesce(b.started_at, now()), finished_at = now(), updated_at = now()
     where b.team_id = v.team_id and b.id = v.id returning * into v;
    perform app_private.lifecycle_event(v.team_id, 'BulkActionFinished', jsonb_build_object(
      'bulk_action_id', v.id, 'action', v.action, 'processed', v.processed, 'acted', v.acted, 'skipped', v.skipped));
    return v;
  end if;
  if v.action in ('cancel', 'retry') then
    -- through the engine: the state machine decides each move; a move refused now (finished meanwhile) is skipped
    -- typed requests straight from the ids (no JSON item per execution to build and parse again), one details value for the batch
    v_details := jsonb_build_object('reason', 'bulk ' || v.action, 'bulk_action_id', v.id);
    v_requests := array(
      select row(x.ord::integer, x.id, case v.action when 'cancel' then 'cancelled' else 'queued' end, null::text, v_details, true)::app_private.execution_move_request
        from unnest(v_ids) with ordinality x(id, ord));
    select count(*) filter (where r.ok) into v_acted from app_private.apply_execution_move_requests(v_requests, v.created_by, false) r;
  else
    delete from app_public.executions e
     using unnest(v_ids, v_cas) x(id, created_at)
     where e.id = x.id and e.created_at = x.created_at and e.team_id = v.team_id
       and e.state = any (app_hidden.execution_terminal_states())
       -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
       and not exists (select 1 from app_private.legal_holds h
                        where h.released_at is null and h.team_id = e.team_id
                          and (h.workflow_id is null and h.execution_id is null
                               or h.workflow_id = e.workflow_id or h.execution_id = e.id));
    get diagnostics v_acted = row_count;
    perform app_private.lifecycle_event(v.team_id, 'ExecutionsDeleted', jsonb_build_object(
      'bulk_action_id', v.id, 'count', v_acted, 'execution_ids', to_jsonb(v_ids)));
  end if;
  update app_public.bulk_actions b
     set status = 'running', started_at = coalesce(b.started_at, now()), updated_at = now(), steps = b.steps + 1,
         processed = b.processed + v_n, acted = b.acted + v_acted, skipped = b.skipped + (v_n - v_acted),
         cursor_created_at = v_cas[v_n], cursor_id = v_ids[v_n]
   where b.team_id = v.team_id and b.id = v.id
  returning * into v;
  return v;
end;
$$;

COMMENT ON FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) IS 'Applies the next batch of a bulk action in one transaction: locks the action row, takes the next batch_size executions after the keyset position (bulk_action_candidates), cancels or retries them through the transition engine''s batched path, app_private.apply_execution_move_requests, with typed requests built from the ids (the state machine decides; refused moves count as skipped) or deletes the finished, unheld ones (ExecutionsDeleted event with their ids), and advances the position and counters in the same transaction: each execution is acted on at most once, and a crash loses or repeats nothing. A step that finds nothing left marks the action succeeded. Returns the action row. Plans its statements per call (plan_cache_mode force_custom_plan; the engine it calls keeps its own setting).';
