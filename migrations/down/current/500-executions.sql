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
