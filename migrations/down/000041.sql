-- Down of migration 000041: the exact reverse, topic by topic, last topic first.

--! split: 550-search.sql
-- reverse of 550-search.sql
CREATE OR REPLACE FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  pred text := app_hidden.execution_search_predicate(query);
  lk text;
  lv text;
  v_ca timestamptz := coalesce(after_created_at, 'infinity');
  v_ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  v_cats timestamptz[];
  v_ids uuid[];
  v_chunk integer := greatest(max_rows, 50);
  v_left integer := max_rows;
  v_n integer;
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    loop
      select array_agg(l.execution_created_at order by l.execution_created_at desc, l.execution_id desc),
             array_agg(l.execution_id order by l.execution_created_at desc, l.execution_id desc)
        into v_cats, v_ids
        from (select l.execution_created_at, l.execution_id from app_public.execution_labels l
               where l.team_id = search_executions_hot.team_id and l.key = lk and l.value = lv
                 and (l.execution_created_at, l.execution_id) < (v_ca, v_ci)
               order by l.execution_created_at desc, l.execution_id desc limit v_chunk) l;
      exit when v_ids is null;
      return query execute format(
        'select e.* from app_public.executions e
          where e.team_id = $1 and e.created_at = any (%L::timestamptz[]) and e.id = any (%L::uuid[]) and %s
          order by e.created_at desc, e.id desc limit $2', v_cats, v_ids, pred)
        using team_id, v_left;
      get diagnostics v_n = row_count;
      v_left := v_left - v_n;
      exit when v_left <= 0 or cardinality(v_ids) < v_chunk;
      v_ca := v_cats[cardinality(v_cats)];
      v_ci := v_ids[cardinality(v_ids)];
    end loop;
    return;
  end if;
  -- one plan per query shape, made with its values (partition pruning by the time bounds and the cursor)
  return query execute format(
    'select e.* from app_public.executions e
      where e.team_id = $1 and e.created_at <= $2 and (e.created_at, e.id) < ($2, $3) and %s
      order by e.created_at desc, e.id desc limit $4', pred)
    using team_id, v_ca, v_ci, max_rows;
end;
$_$;

COMMENT ON FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). With a label equality the label index yields the candidates newest first, fetched chunk by chunk by their keys (planned for their partitions only). Owner only: callers authorise.';

drop function if exists app_private.search_prepare(text, text[], boolean);
drop function if exists app_private.search_deallocate();
drop function if exists app_hidden.execution_search_is_content(jsonb);

CREATE OR REPLACE FUNCTION app_hidden.execution_search_predicate(query jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  parts text[] := array['true'];
  k text;
  v jsonb;
  sub text;
  r bigint[];
  col text;
  lk text;
  lv jsonb;
begin
  if query is null then return 'true'; end if;
  if jsonb_typeof(query) <> 'object' then perform app_hidden.search_fail('query', 'the query must be a JSON object'); end if;
  for k, v in select x.key, x.value from jsonb_each(query) x loop
    if k = 'state' then
      parts := parts || format('e.state = any (%L::text[])', app_hidden.search_text_list('query.state', v, app_hidden.execution_states()));
    elsif k = 'workflow_id' then
      begin
        parts := parts || format('e.workflow_id = any (%L::uuid[])', app_hidden.search_text_list('query.workflow_id', v, null)::uuid[]);
      exception when invalid_text_representation then
        perform app_hidden.search_fail('query.workflow_id', 'query.workflow_id must hold uuids');
      end;
    elsif k = 'trigger_type' then
      parts := parts || format('e.trigger_type = any (%L::text[])',
        app_hidden.search_text_list('query.trigger_type', v, array['webhook', 'schedule', 'event', 'manual', 'retry']));
    elsif k = 'created_from' then
      parts := parts || format('e.created_at >= %L::timestamptz', app_hidden.search_timestamp('query.created_from', v));
    elsif k = 'created_before' then
      parts := parts || format('e.created_at < %L::timestamptz', app_hidden.search_timestamp('query.created_before', v));
    elsif k in ('attempt', 'duration_ms') then
      r := app_hidden.search_int_range('query.' || k, v);
      col := case k when 'attempt' then 'e.attempt' else 'e.duration_ms' end;
      if r[1] is not null then parts := parts || format('%s >= %s', col, r[1]); end if;
      if r[2] is not null then parts := parts || format('%s <= %s', col, r[2]); end if;
    elsif k = 'labels' then
      if jsonb_typeof(v) <> 'object' or v = '{}' or (select count(*) from jsonb_object_keys(v)) > 32 then
        perform app_hidden.search_fail('query.labels', 'query.labels must be an object of 1 to 32 key -> string (or null: the key is present)');
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if jsonb_typeof(lv) not in ('string', 'null') then
          perform app_hidden.search_fail('query.labels.' || left(lk, 80), 'a label filter is a string (equal) or null (present)');
        end if;
        parts := parts || format('exists (select 1 from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id and l.execution_created_at = e.created_at and l.key = %L%s)',
          lk, case when jsonb_typeof(lv) = 'string' then format(' and l.value = %L', lv #>> '{}') else '' end);
      end loop;
    elsif k in ('input', 'output', 'error') then
      if jsonb_typeof(v) <> 'object' or v = '{}' then
        perform app_hidden.search_fail('query.' || k, format('query.%s must be an object with contains, exists and/or matches', k));
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if lk = 'contains' then
          if jsonb_typeof(lv) not in ('object', 'array') then
            perform app_hidden.search_fail(format('query.%s.contains', k), format('query.%s.contains must be a JSON object or array', k));
          end if;
          parts := parts || format('e.%I @> %L::jsonb', k, lv);
        elsif lk = 'exists' then
          parts := parts || format('e.%I @? %L::jsonpath', k, app_hidden.search_jsonpath(format('query.%s.exists', k), lv));
        elsif lk = 'matches' then
          parts := parts || format('e.%I @@ %L::jsonpath', k, app_hidden.search_jsonpath(format('query.%s.matches', k), lv));
        else
          perform app_hidden.search_fail(format('query.%s.%s', k, left(lk, 80)), format('unknown field query.%s.%s (contains, exists, matches)', k, left(lk, 80)));
        end if;
      end loop;
    elsif k = 'error_text' then
      if jsonb_typeof(v) <> 'string' or char_length(v #>> '{}') not between 1 and 200 then
        perform app_hidden.search_fail('query.error_text', 'query.error_text must be a string of 1 to 200 characters');
      end if;
      -- error is not null: lets the planner use the partial trigram index
      parts := parts || format('e.error is not null and app_hidden.execution_error_text(e.error) ilike %L', '%' || app_hidden.escape_like(v #>> '{}') || '%');
    else
      perform app_hidden.search_fail('query.' || left(k, 80), format('unknown field query.%s (state, workflow_id, trigger_type, created_from, created_before, attempt, duration_ms, labels, input, output, error, error_text)', left(k, 80)));
    end if;
  end loop;
  return array_to_string(parts, ' and ');
end;
$$;

COMMENT ON FUNCTION app_hidden.execution_search_predicate(query jsonb) IS 'Validates a search query document and compiles it into one SQL condition over an execution row e (values quoted as literals). Every field is optional; all given fields must match. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';

drop function if exists app_hidden.execution_search_shape(jsonb, integer);
