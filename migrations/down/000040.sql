-- Down of migration 000040: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
-- reverse of migrations/current/850-lifecycle.sql
CREATE OR REPLACE FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS TABLE(id uuid, created_at timestamp with time zone, workflow_id uuid, state text)
    LANGUAGE sql STABLE
    AS $$
  select e.id, e.created_at, e.workflow_id, e.state
    from app_public.executions e
   where e.team_id = bulk_action_candidates.team_id
     and ((filter->>'workflow_id') is null or e.workflow_id = (filter->>'workflow_id')::uuid)
     and ((filter->>'state') is null or e.state = filter->>'state')
     and e.state = any (app_private.bulk_action_states(action))
     and e.created_at >= coalesce((filter->>'created_from')::timestamptz, '-infinity')
     and e.created_at < least(coalesce((filter->>'created_before')::timestamptz, 'infinity'), upper_created_at)
     and (after_created_at is null or (e.created_at, e.id) < (after_created_at, after_id))
   order by e.created_at desc, e.id desc
   limit max_rows;
$$;

COMMENT ON FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'The executions a bulk action reaches after a keyset position (created_at desc, id desc): the team''s hot executions matching the filter in a state the action applies to, created before the action started.';

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
  v_items jsonb;
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
    select jsonb_agg(jsonb_build_object('id', x.id, 'to_state', case v.action when 'cancel' then 'cancelled' else 'queued' end,
             'details', jsonb_build_object('reason', 'bulk ' || v.action, 'bulk_action_id', v.id)) order by x.ord)
      into v_items
      from unnest(v_ids) with ordinality x(id, ord);
    select count(*) filter (where r.ok) into v_acted from app_private.apply_execution_transitions(v_items, v.created_by, false) r;
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

COMMENT ON FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) IS 'Applies the next batch of a bulk action in one transaction: locks the action row, takes the next batch_size executions after the keyset position (bulk_action_candidates), cancels or retries them through app_private.apply_execution_transitions (the state machine decides; refused moves count as skipped) or deletes the finished, unheld ones (ExecutionsDeleted event with their ids), and advances the position and counters in the same transaction: each execution is acted on at most once, and a crash loses or repeats nothing. A step that finds nothing left marks the action succeeded. Returns the action row. Plans its statements per call (plan_cache_mode force_custom_plan; the engine it calls keeps its own setting).';

--! split: 500-executions.sql
-- reverse of migrations/current/500-executions.sql
CREATE OR REPLACE FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
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

COMMENT ON FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid, p_check_role boolean) IS 'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}] (at most 10000).
One item takes the lean path (move_execution). More: parse_execution_moves, lock_executions (id order), plan_execution_moves
(input order, several moves per execution allowed), write_execution_moves (set-based). Returns one result per item in
input order; refused items write nothing and report error_code + current_state; unexpected errors abort the whole call.';

drop function if exists app_private.apply_execution_move_requests(app_private.execution_move_request[], uuid, boolean);
