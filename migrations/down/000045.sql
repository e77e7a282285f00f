-- Down of migration 000045: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
-- reverse of current/850-lifecycle.sql: the history filter only
drop function if exists app_private.bulk_action_search_query(text, jsonb, timestamptz);
create or replace function app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS TABLE(id uuid, created_at timestamp with time zone, workflow_id uuid, state text)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
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
COMMENT ON FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'The executions a bulk action reaches after a keyset position (created_at desc, id desc; from the top when after_created_at is null): the team''s hot executions matching the filter in a state the action applies to, created before the action started; at most max_rows (null: all). A walk down the workflow''s or the team''s (created_at desc, id desc) index that stops at max_rows, planned once per session (plan_cache_mode force_generic_plan: partitions after the position are pruned when the plan starts). Planned per call (as an inlined SQL function) it read and top-N sorted every remaining candidate of the partition in each batch (~65 ms per batch at 50,000 remaining) and planned over every daily partition (~10 ms per batch in a warm session, >100 ms in a new one, with 70 partitions); the walk reads ~8 ms per 5,000.';
create or replace function app_private.bulk_action_filter(filter jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  k text;
  v jsonb := coalesce(filter, '{}');
begin
  if jsonb_typeof(v) <> 'object' then
    raise exception 'filter must be a JSON object' using errcode = 'LFVAL', detail = 'field: filter';
  end if;
  for k in select jsonb_object_keys(v) loop
    if k not in ('workflow_id', 'state', 'created_from', 'created_before') then
      raise exception 'unknown filter field %', k using errcode = 'LFVAL', detail = 'field: filter.' || k;
    end if;
  end loop;
  begin
    perform (v->>'workflow_id')::uuid, (v->>'created_from')::timestamptz, (v->>'created_before')::timestamptz;
  exception when others then
    raise exception 'malformed filter value' using errcode = 'LFVAL', detail = 'field: filter';
  end;
  if v ? 'state' and v->>'state' is not null and not ((v->>'state') = any (app_hidden.execution_states())) then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: filter.state';
  end if;
  return jsonb_strip_nulls(jsonb_build_object('workflow_id', v->>'workflow_id', 'state', v->>'state',
    'created_from', app_private.archive_iso((v->>'created_from')::timestamptz), 'created_before', app_private.archive_iso((v->>'created_before')::timestamptz)));
end;
$$;
COMMENT ON FUNCTION app_private.bulk_action_filter(filter jsonb) IS 'Validates and normalises a bulk-action filter: the execution-history filter {workflow_id?, state?, created_from?, created_before?} (LFVAL naming the field otherwise).';
COMMENT ON FUNCTION app_public.bulk_action_count(team_id uuid, action text, filter jsonb) IS 'Dry run of a bulk action: how many of the team''s executions it would reach now. filter is the execution-history filter {workflow_id?, state?, created_from?, created_before?}. Owner/admin only.';
COMMENT ON FUNCTION app_public.start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer) IS 'Starts a bulk action (cancel | retry | delete) over the team''s executions matching filter (the execution-history filter), created before now; the worker runs it in batches of batch_size (task lifecycle_bulk_action). Owner/admin only (LFDNY; outsiders LFNTF). Call bulk_action_count first for the dry run. Returns the action row (progress: processed / acted / skipped of expected_count, status).';
