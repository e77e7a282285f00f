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
