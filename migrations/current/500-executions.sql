-- Search by label: the label index gives the candidates newest first; each chunk of them is fetched with its
-- keys as constants, so the planner prunes to the candidates' partitions (a join on the labels plans every
-- hot partition on every call: most of a label search's time).
create or replace function app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamptz, after_id uuid, max_rows integer)
  returns setof app_public.executions
  language plpgsql stable set search_path to pg_catalog as $$
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
$$;
comment on function app_private.search_executions_hot(uuid, jsonb, timestamptz, uuid, integer) is
  'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). With a label equality the label index yields the candidates newest first, fetched chunk by chunk by their keys (planned for their partitions only). Owner only: callers authorise.';
