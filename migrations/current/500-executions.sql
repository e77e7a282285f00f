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
