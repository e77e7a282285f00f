--! Previous: sha1:8d07166d9684f9ee19d39ac5a4f04f2050ab70d8
--! Hash: sha1:251bf750c8aae48ebd8357cb4b436ec9f86f99e5
--! Message: Search: hot search statements prepared per query shape; content searches walk time windows newest first

--! split: 550-search.sql
-- Hot search with plans kept per query shape. Every search planned its statement with its values (EXECUTE of a
-- built string): over the day partitions that is a plan of ~200 nodes, made again on each call, and planning was
-- most of a content search's time (EXPLAIN (ANALYZE, SUMMARY), 110 partitions, warm session: an input
-- containment over 75 days planned for 11 ms and ran for 7.5 ms). Now the compiler writes the condition with the
-- values as parameters (app_hidden.execution_search_shape); search_executions_hot prepares one statement per
-- shape and session and executes it under a generic plan: the time bounds prune partitions at executor start.
-- Content searches (input/output/error, error text) walk time windows newest first (1, 2, 4, ... days) and stop
-- when the page is full, so a broad content predicate does not sort a whole range.

-- $<n>::<type> placeholders; values and types in order (the first is $first_param)
create or replace function app_hidden.execution_search_shape(query jsonb, first_param integer default 1,
    out predicate text, out param_types text[], out param_values text[])
  language plpgsql
  stable
  set search_path to 'pg_catalog'
as $$
declare
  parts text[] := array['true'];
  k text;
  v jsonb;
  r bigint[];
  col text;
  lk text;
  lv jsonb;
begin
  param_types := '{}';
  param_values := '{}';
  if query is null then predicate := 'true'; return; end if;
  if jsonb_typeof(query) <> 'object' then perform app_hidden.search_fail('query', 'the query must be a JSON object'); end if;
  for k, v in select x.key, x.value from jsonb_each(query) x loop
    if k = 'state' then
      param_values := param_values || app_hidden.search_text_list('query.state', v, app_hidden.execution_states())::text;
      param_types := param_types || 'text[]'::text;
      parts := parts || format('e.state = any ($%s::text[])', first_param + cardinality(param_values) - 1);
    elsif k = 'workflow_id' then
      begin
        param_values := param_values || (app_hidden.search_text_list('query.workflow_id', v, null)::uuid[])::text;
      exception when invalid_text_representation then
        perform app_hidden.search_fail('query.workflow_id', 'query.workflow_id must hold uuids');
      end;
      param_types := param_types || 'uuid[]'::text;
      parts := parts || format('e.workflow_id = any ($%s::uuid[])', first_param + cardinality(param_values) - 1);
    elsif k = 'trigger_type' then
      param_values := param_values || app_hidden.search_text_list('query.trigger_type', v, array['webhook', 'schedule', 'event', 'manual', 'retry'])::text;
      param_types := param_types || 'text[]'::text;
      parts := parts || format('e.trigger_type = any ($%s::text[])', first_param + cardinality(param_values) - 1);
    elsif k in ('created_from', 'created_before') then
      param_values := param_values || app_hidden.search_timestamp('query.' || k, v)::text;
      param_types := param_types || 'timestamptz'::text;
      parts := parts || format(case k when 'created_from' then 'e.created_at >= $%s::timestamptz' else 'e.created_at < $%s::timestamptz' end,
        first_param + cardinality(param_values) - 1);
    elsif k in ('attempt', 'duration_ms') then
      r := app_hidden.search_int_range('query.' || k, v);
      col := case k when 'attempt' then 'e.attempt' else 'e.duration_ms' end;
      if r[1] is not null then
        param_values := param_values || r[1]::text;
        param_types := param_types || 'bigint'::text;
        parts := parts || format('%s >= $%s::bigint', col, first_param + cardinality(param_values) - 1);
      end if;
      if r[2] is not null then
        param_values := param_values || r[2]::text;
        param_types := param_types || 'bigint'::text;
        parts := parts || format('%s <= $%s::bigint', col, first_param + cardinality(param_values) - 1);
      end if;
    elsif k = 'labels' then
      if jsonb_typeof(v) <> 'object' or v = '{}' or (select count(*) from jsonb_object_keys(v)) > 32 then
        perform app_hidden.search_fail('query.labels', 'query.labels must be an object of 1 to 32 key -> string (or null: the key is present)');
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if jsonb_typeof(lv) not in ('string', 'null') then
          perform app_hidden.search_fail('query.labels.' || left(lk, 80), 'a label filter is a string (equal) or null (present)');
        end if;
        param_values := param_values || lk;
        param_types := param_types || 'text'::text;
        col := format('$%s::text', first_param + cardinality(param_values) - 1);
        if jsonb_typeof(lv) = 'string' then
          param_values := param_values || (lv #>> '{}');
          param_types := param_types || 'text'::text;
          col := format('%s and l.value = $%s::text', col, first_param + cardinality(param_values) - 1);
        end if;
        parts := parts || format('exists (select 1 from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id and l.execution_created_at = e.created_at and l.key = %s)', col);
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
          param_values := param_values || lv::text;
          param_types := param_types || 'jsonb'::text;
          parts := parts || format('e.%I @> $%s::jsonb', k, first_param + cardinality(param_values) - 1);
        elsif lk in ('exists', 'matches') then
          param_values := param_values || app_hidden.search_jsonpath(format('query.%s.%s', k, lk), lv)::text;
          param_types := param_types || 'jsonpath'::text;
          parts := parts || format('e.%I %s $%s::jsonpath', k, case lk when 'exists' then '@?' else '@@' end, first_param + cardinality(param_values) - 1);
        else
          perform app_hidden.search_fail(format('query.%s.%s', k, left(lk, 80)), format('unknown field query.%s.%s (contains, exists, matches)', k, left(lk, 80)));
        end if;
      end loop;
    elsif k = 'error_text' then
      if jsonb_typeof(v) <> 'string' or char_length(v #>> '{}') not between 1 and 200 then
        perform app_hidden.search_fail('query.error_text', 'query.error_text must be a string of 1 to 200 characters');
      end if;
      param_values := param_values || ('%' || app_hidden.escape_like(v #>> '{}') || '%');
      param_types := param_types || 'text'::text;
      -- error is not null: lets the planner use the partial trigram index
      parts := parts || format('e.error is not null and app_hidden.execution_error_text(e.error) ilike $%s::text', first_param + cardinality(param_values) - 1);
    else
      perform app_hidden.search_fail('query.' || left(k, 80), format('unknown field query.%s (state, workflow_id, trigger_type, created_from, created_before, attempt, duration_ms, labels, input, output, error, error_text)', left(k, 80)));
    end if;
  end loop;
  predicate := array_to_string(parts, ' and ');
end;
$$;
comment on function app_hidden.execution_search_shape(jsonb, integer) is
  'Validates a search query document and compiles it into one SQL condition over an execution row e with the values as parameters: predicate holds $<n>::<type> placeholders numbered from first_param, param_types and param_values their types and values (as text) in order. Equal shapes (the same fields, label keys aside) give the same predicate, so a statement prepared for it serves every query of that shape. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';
revoke all on function app_hidden.execution_search_shape(jsonb, integer) from public;
grant execute on function app_hidden.execution_search_shape(jsonb, integer) to linkflow_visitor;

-- the literal form: the shape with each placeholder replaced by its quoted value (one pass, left to right)
create or replace function app_hidden.execution_search_predicate(query jsonb) returns text
  language plpgsql
  stable
  set search_path to 'pg_catalog'
as $$
declare
  s record := app_hidden.execution_search_shape(query, 1);
  pieces text[] := regexp_split_to_array(s.predicate, '\$[0-9]+::');
  v_out text := pieces[1];
  n integer := 1;
  i integer;
begin
  for i in select m[1]::integer from regexp_matches(s.predicate, '\$([0-9]+)::', 'g') m loop
    n := n + 1;
    v_out := v_out || quote_literal(s.param_values[i]) || '::' || pieces[n];
  end loop;
  return v_out;
end;
$$;
comment on function app_hidden.execution_search_predicate(jsonb) is
  'Validates a search query document and compiles it into one SQL condition over an execution row e (values quoted as literals): app_hidden.execution_search_shape with its placeholders replaced by the values. Every field is optional; all given fields must match. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';

-- the cheap shape test: content predicates are served by their GIN indexes, not by the order of the team index
create or replace function app_hidden.execution_search_is_content(query jsonb) returns boolean
  language sql
  immutable
  parallel safe
as $$
  select coalesce(pg_catalog.jsonb_typeof(query) = 'object' and query operator(pg_catalog.?|) array['input', 'output', 'error', 'error_text'], false)
$$;
comment on function app_hidden.execution_search_is_content(jsonb) is
  'True when a search query filters on content (input, output, error, error_text): its hot search is served by the GIN (jsonb_path_ops, trigram) indexes, window by window, not by the order of the team index.';
revoke all on function app_hidden.execution_search_is_content(jsonb) from public;
grant execute on function app_hidden.execution_search_is_content(jsonb) to linkflow_visitor;

-- the statement of one query shape, prepared once per session: $1 team, $2 lower bound, $3 upper bound (with $4
-- the keyset position), $5 rows; the shape's values follow
create or replace function app_private.search_prepare(shape_predicate text, param_types text[], content boolean) returns text
  language plpgsql
  volatile
  set search_path to 'pg_catalog'
as $$
declare
  v_sql text := format(
    case when content then
      -- no team or time index quals: the planner cannot estimate parameters, and with them it prefers the team
      -- index's order with the content as a filter (every team row of the range read); this keeps the GIN index
      'select e.* from (select e.* from app_public.executions e
        where (e.team_id = $1) is true and e.created_at >= $2 and e.created_at <= $3 and (e.created_at, e.id) < ($3, $4) and %s
       offset 0) e order by e.created_at desc, e.id desc limit $5'
    else
      'select e.* from app_public.executions e
        where e.team_id = $1 and e.created_at >= $2 and e.created_at <= $3 and (e.created_at, e.id) < ($3, $4) and %s
        order by e.created_at desc, e.id desc limit $5'
    end, shape_predicate);
  v_name text := 'lf_search_' || md5(v_sql);
begin
  if not exists (select 1 from pg_catalog.pg_prepared_statements p where p.name = v_name) then
    -- a session keeps at most 16 shapes: each generic plan spans every partition (about 2 MB at 110 partitions)
    if (select count(*) from pg_catalog.pg_prepared_statements p where p.name like 'lf\_search\_%') >= 16 then
      perform app_private.search_deallocate();
    end if;
    execute format('prepare %I (uuid, timestamptz, timestamptz, uuid, integer%s) as %s', v_name,
      (select coalesce(string_agg(', ' || t, '' order by o), '') from unnest(param_types) with ordinality x(t, o)), v_sql);
  end if;
  return v_name;
end;
$$;
comment on function app_private.search_prepare(text, text[], boolean) is
  'Prepares (once per session) the hot search statement of a query shape (app_hidden.execution_search_shape with first_param 6) and returns its name (lf_search_<md5 of the text>). Parameters: $1 team, $2 and $3 the created_at bounds, $4 the keyset id at $3, $5 the row limit, then the shape''s values. content: the GIN form (no team/time index quals, sorted per window). A session keeps at most 16 such statements (about 2 MB each at 110 partitions).';
revoke all on function app_private.search_prepare(text, text[], boolean) from public;

create or replace function app_private.search_deallocate() returns void
  language plpgsql
  volatile
  set search_path to 'pg_catalog'
as $$
declare
  n text;
begin
  for n in select p.name from pg_catalog.pg_prepared_statements p where p.name like 'lf\_search\_%' loop
    execute format('deallocate %I', n);
  end loop;
end;
$$;
comment on function app_private.search_deallocate() is
  'Drops the session''s prepared hot search statements (app_private.search_prepare calls it when a session holds 16).';
revoke all on function app_private.search_deallocate() from public;

create or replace function app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer)
  returns setof app_public.executions
  language plpgsql
  volatile -- prepares and executes statements (refused in a stable function)
  set search_path to 'pg_catalog'
  set plan_cache_mode to 'force_generic_plan'
as $$
declare
  s record := app_hidden.execution_search_shape(query, 6);
  v_content boolean := app_hidden.execution_search_is_content(query);
  lk text;
  lv text;
  v_ca timestamptz := coalesce(after_created_at, 'infinity');
  v_ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  v_cats timestamptz[];
  v_ids uuid[];
  v_chunk integer := greatest(max_rows, 50);
  v_left integer := max_rows;
  v_n integer;
  v_name text;
  v_args text;
  v_from timestamptz;
  v_lo timestamptz;
  v_span interval := interval '1 day';
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    v_args := app_hidden.execution_search_predicate(query);
    loop
      select array_agg(l.execution_created_at order by l.execution_created_at desc, l.execution_id desc),
             array_agg(l.execution_id order by l.execution_created_at desc, l.execution_id desc)
        into v_cats, v_ids
        from (select l.execution_created_at, l.execution_id from app_public.execution_labels l
               where l.team_id = search_executions_hot.team_id and l.key = lk and l.value = lv
                 and (l.execution_created_at, l.execution_id) < (v_ca, v_ci)
               order by l.execution_created_at desc, l.execution_id desc limit v_chunk) l;
      exit when v_ids is null;
      -- planned with its values: the keys name the partitions to probe
      return query execute format(
        'select e.* from app_public.executions e
          where e.team_id = $1 and e.created_at = any (%L::timestamptz[]) and e.id = any (%L::uuid[]) and %s
          order by e.created_at desc, e.id desc limit $2', v_cats, v_ids, v_args)
        using team_id, v_left;
      get diagnostics v_n = row_count;
      v_left := v_left - v_n;
      exit when v_left <= 0 or cardinality(v_ids) < v_chunk;
      v_ca := v_cats[cardinality(v_cats)];
      v_ci := v_ids[cardinality(v_ids)];
    end loop;
    return;
  end if;
  v_name := app_private.search_prepare(s.predicate, s.param_types, v_content);
  select coalesce(string_agg(', ' || quote_literal(x.v), '' order by x.o), '') into v_args from unnest(s.param_values) with ordinality x(v, o);
  if not v_content then
    -- one statement: the team index's order stops it at the page; bounds in the shape prune at executor start
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, '-infinity', v_ca, v_ci, max_rows, v_args);
    return;
  end if;
  -- content: windows newest first, doubling, down to the query's lower bound or the oldest partition
  -- partition bounds are UTC days (a day of margin: the walk never stops short)
  select min(pg_catalog.to_date(right(c.relname, 8), 'YYYYMMDD')::timestamp at time zone 'UTC') - interval '1 day' into v_from
    from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'app_public.executions'::pg_catalog.regclass and c.relname ~ '_p[0-9]{8}$';
  if query ? 'created_from' then
    v_from := greatest(coalesce(v_from, '-infinity'), app_hidden.search_timestamp('query.created_from', query -> 'created_from'));
  end if;
  if v_from is null or v_from = '-infinity' then
    -- no day partitions to bound the walk (and no lower bound): one window over everything
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, '-infinity', v_ca, v_ci, v_left, v_args);
    return;
  end if;
  if query ? 'created_before' then
    v_ca := least(v_ca, app_hidden.search_timestamp('query.created_before', query -> 'created_before'));
  end if;
  v_lo := case when v_ca = 'infinity' then now() else v_ca end;
  loop
    v_lo := greatest(v_lo - v_span, v_from);
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, v_lo, v_ca, v_ci, v_left, v_args);
    get diagnostics v_n = row_count;
    v_left := v_left - v_n;
    exit when v_left <= 0 or v_lo <= v_from or v_lo >= v_ca;
    -- the next window ends just before this one
    v_ca := v_lo;
    v_ci := '00000000-0000-0000-0000-000000000000';
    v_span := v_span * 2;
  end loop;
end;
$$;
comment on function app_private.search_executions_hot(uuid, jsonb, timestamptz, uuid, integer) is
  'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_shape). With a label equality the label index yields the candidates newest first, fetched chunk by chunk by their keys (planned for their partitions only). Otherwise one statement per query shape, prepared once per session (app_private.search_prepare) and run under a generic plan (values as parameters, partitions pruned at executor start): one statement in the team index''s order, or for content predicates (GIN indexes) time windows newest first (1, 2, 4, ... days), stopping when the page is full. Owner only: callers authorise.';
