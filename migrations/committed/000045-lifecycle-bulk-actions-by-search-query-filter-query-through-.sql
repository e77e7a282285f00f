--! Previous: sha1:d1f6e35385cde33b913130181c4a017a709dbbe5
--! Hash: sha1:1ba8ffb97700efcc9f1dcb40eac3820e9e987994
--! Message: Lifecycle: bulk actions by search query (filter {query: ...}) through the search's hot path, narrowed to the action's states and start

--! split: 850-lifecycle.sql
-- Bulk actions by search query: a filter {query: <search query document>} reaches the team's hot executions that
-- match it, through the search's own hot path (app_private.search_executions_hot), in the same newest-first keyset
-- order as the execution-history filter.

create or replace function app_private.bulk_action_filter(filter jsonb) returns jsonb
  language plpgsql stable
  set search_path to 'pg_catalog'
as $$
declare
  k text;
  v jsonb := coalesce(filter, '{}');
  v_detail text;
  v_message text;
begin
  if jsonb_typeof(v) <> 'object' then
    raise exception 'filter must be a JSON object' using errcode = 'LFVAL', detail = 'field: filter';
  end if;
  for k in select jsonb_object_keys(v) loop
    if k not in ('workflow_id', 'state', 'created_from', 'created_before', 'query') then
      raise exception 'unknown filter field %', k using errcode = 'LFVAL', detail = 'field: filter.' || k;
    end if;
  end loop;
  if v ? 'query' then
    -- the search query: alone (its own fields say workflow, state and time), validated by the search's compiler
    if (select count(*) from jsonb_object_keys(v)) > 1 then
      raise exception 'a search query filter takes no other fields: put them in the query' using errcode = 'LFVAL',
        detail = 'field: filter.query', hint = 'The query language has workflow_id, state, created_from and created_before too.';
    end if;
    if jsonb_typeof(v -> 'query') is distinct from 'object' then
      raise exception 'filter.query must be a search query object' using errcode = 'LFVAL', detail = 'field: filter.query';
    end if;
    begin
      perform app_hidden.execution_search_predicate(v -> 'query');
    exception when sqlstate 'LFVAL' then
      get stacked diagnostics v_message = message_text, v_detail = pg_exception_detail;
      raise exception '%', v_message using errcode = 'LFVAL',
        detail = regexp_replace(coalesce(v_detail, 'field: query'), '^field: ', 'field: filter.');
    end;
    return jsonb_build_object('query', v -> 'query');
  end if;
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
comment on function app_private.bulk_action_filter(filter jsonb) is
  'Validates and normalises a bulk-action filter: the execution-history filter {workflow_id?, state?, created_from?, created_before?}, or a search query {query: <search query document>} (docs/search.md) and nothing else. LFVAL names the field otherwise (filter.<key>, filter.query.<path>).';

create or replace function app_private.bulk_action_search_query(action text, search jsonb, upper_created_at timestamptz) returns jsonb
  language plpgsql stable
  set search_path to 'pg_catalog'
as $$
declare
  v_states text[] := app_private.bulk_action_states(action);
  v_before timestamptz := upper_created_at;
begin
  if search ? 'state' then
    v_states := array(select s from unnest(v_states) s
                       where s = any (app_hidden.search_text_list('query.state', search -> 'state', app_hidden.execution_states())));
  end if;
  if cardinality(v_states) = 0 then
    return null;  -- the query's states and the action's have none in common: nothing to reach
  end if;
  if search ? 'created_before' then
    v_before := least(v_before, app_hidden.search_timestamp('query.created_before', search -> 'created_before'));
  end if;
  return search || jsonb_build_object('state', to_jsonb(v_states), 'created_before', app_private.archive_iso(v_before));
end;
$$;
comment on function app_private.bulk_action_search_query(action text, search jsonb, upper_created_at timestamptz) is
  'The search query a bulk action with a query filter runs: the given query, its states narrowed to those the action applies to (bulk_action_states) and its created_before to the action''s start (upper_created_at). Null when no state is left.';
revoke all on function app_private.bulk_action_search_query(text, jsonb, timestamptz) from public;

create or replace function app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamptz, after_created_at timestamptz, after_id uuid, max_rows integer)
  returns table(id uuid, created_at timestamptz, workflow_id uuid, state text)
  language plpgsql volatile
  set search_path to 'pg_catalog'
  set plan_cache_mode to 'force_generic_plan'
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
  v_query jsonb;
  v_chunk integer;
  v_got integer := 0;
  c_ids uuid[];
  c_cas timestamptz[];
  c_wfs uuid[];
  c_states text[];
begin
  if filter ? 'query' then
    -- a search query: the search's hot path, pages of at most 1,000 in the same order from the same position
    v_query := app_private.bulk_action_search_query(action, filter -> 'query', upper_created_at);
    if v_query is null then
      return;
    end if;
    v_at := after_created_at;
    v_after := after_id;
    loop
      v_chunk := case when max_rows is null then 1000 else least(1000, max_rows - v_got) end;
      select array_agg(s.id order by s.created_at desc, s.id desc), array_agg(s.created_at order by s.created_at desc, s.id desc),
             array_agg(s.workflow_id order by s.created_at desc, s.id desc), array_agg(s.state order by s.created_at desc, s.id desc)
        into c_ids, c_cas, c_wfs, c_states
        from app_private.search_executions_hot(bulk_action_candidates.team_id, v_query, v_at, v_after, v_chunk) s;
      exit when c_ids is null;
      return query select * from unnest(c_ids, c_cas, c_wfs, c_states);
      v_got := v_got + cardinality(c_ids);
      exit when cardinality(c_ids) < v_chunk or v_got >= max_rows;
      v_at := c_cas[cardinality(c_cas)];
      v_after := c_ids[cardinality(c_ids)];
    end loop;
    return;
  end if;
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
comment on function app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamptz, after_created_at timestamptz, after_id uuid, max_rows integer) is
  'The executions a bulk action reaches after a keyset position (created_at desc, id desc; from the top when after_created_at is null): the team''s hot executions matching the filter in a state the action applies to, created before the action started; at most max_rows (null: all). History filter: a walk down the workflow''s or the team''s (created_at desc, id desc) index that stops at max_rows, planned once per session (plan_cache_mode force_generic_plan: partitions after the position are pruned when the plan starts); ~8 ms per 5,000. Search query filter: app_private.search_executions_hot with app_private.bulk_action_search_query''s query, in pages of at most 1,000 from the same position (the search''s own plans: label index, GIN windows). Volatile: the search prepares its statements per session.';

comment on function app_public.bulk_action_count(team_id uuid, action text, filter jsonb) is
  'Dry run of a bulk action: how many of the team''s executions it would reach now. filter is the execution-history filter {workflow_id?, state?, created_from?, created_before?} or a search query {query: {...}} (docs/search.md: labels, input/output/error content, error text, ...). Owner/admin only.';
comment on function app_public.start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer) is
  'Starts a bulk action (cancel | retry | delete) over the team''s executions matching filter (the execution-history filter, or a search query {query: {...}}), created before now; the worker runs it in batches of batch_size (task lifecycle_bulk_action). Owner/admin only (LFDNY; outsiders LFNTF). Call bulk_action_count first for the dry run. Returns the action row (progress: processed / acted / skipped of expected_count, status).';
