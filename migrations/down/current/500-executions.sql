CREATE OR REPLACE FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  pred text := app_hidden.execution_search_predicate(query);
  lk text;
  lv text;
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  -- A label equality drives the search from the labels index (newest first), each execution fetched by its
  -- key (one partition per probe); the subquery fence keeps the planner from turning it into a hash join that
  -- reads the team's every execution.
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    return query execute format(
      'select e.* from (select l.execution_id, l.execution_created_at from app_public.execution_labels l
                         where l.team_id = $1 and l.key = %L and l.value = %L and l.execution_created_at <= $2
                           and (l.execution_created_at, l.execution_id) < ($2, $3)) k
         cross join lateral (select x.* from app_public.executions x
                              where x.id = k.execution_id and x.created_at = k.execution_created_at offset 0) e
        where e.team_id = $1 and (e.created_at, e.id) < ($2, $3) and %s
        order by e.created_at desc, e.id desc limit $4', lk, lv, pred)
      using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
    return;
  end if;
  -- one plan per query shape, made with its values (partition pruning by the time bounds and the cursor)
  return query execute format(
    'select e.* from app_public.executions e
      where e.team_id = $1 and e.created_at <= $2 and (e.created_at, e.id) < ($2, $3) and %s
      order by e.created_at desc, e.id desc limit $4', pred)
    using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
end;
$_$;

COMMENT ON FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). Owner only: callers authorise.';
