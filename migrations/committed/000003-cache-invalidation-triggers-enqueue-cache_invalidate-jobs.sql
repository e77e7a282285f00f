--! Previous: sha1:9f85da4db68c4f0998c41930742d0316509987b0
--! Hash: sha1:91dce3cffe9d6dc071b399036840c6a21937edb2
--! Message: cache: invalidation triggers enqueue cache_invalidate jobs

------------------------------------------------------------------------------------------------------------
-- Cache invalidation (issue 7): every committed write to a cached table enqueues a graphile-worker job that
-- deletes the Redis entries and tells every process (Redis pub/sub) to drop its local-tier copies. This
-- covers writes that bypass the TypeScript layer (GraphQL mutations, SQL clients); TypeScript repositories
-- additionally invalidate right after their own commits. Key formats are the TypeScript ones in
-- src/cache/entities.ts (a test checks both sides agree).
------------------------------------------------------------------------------------------------------------
create function app_private.enqueue_cache_invalidation(keys text[], tags text[] default '{}', patterns text[] default '{}')
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v text;
  k text[] := array(select distinct x from unnest(keys) x where x is not null order by x);
  t text[] := array(select distinct x from unnest(tags) x where x is not null order by x);
  p text[] := array(select distinct x from unnest(patterns) x where x is not null order by x);
  i integer;
begin
  if cardinality(k) <= 16 then
    -- Entity keys (a user, a workflow graph): one job per key, its job_key prefixed with the task name, so a
    -- burst of writes to the same entity collapses into one pending job; a job already running is never lost
    -- (graphile-worker creates a new one). Sorted, so concurrent writers upsert job keys in one order.
    foreach v in array k loop
      perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', json_build_array(v)),
        job_key => 'cache_invalidate:k:' || v, job_key_mode => 'replace');
    end loop;
  else
    -- A bulk write (thousands of rows in one statement): jobs of up to 1,000 keys each, without job keys.
    i := 1;
    while i <= cardinality(k) loop
      perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', to_json(k[i:i + 999])));
      i := i + 1000;
    end loop;
  end if;
  -- Tags and patterns are shared by many writers (every workflow of a team feeds its team's tags): one job per
  -- statement, without a job key. Upserting shared job keys from transactions that touch them in different
  -- orders deadlocks; a few extra cheap jobs do not.
  if cardinality(t) + cardinality(p) > 0 then
    perform graphile_worker.add_job('cache_invalidate', json_build_object('tags', to_json(t), 'patterns', to_json(p)));
  end if;
end;
$$;
comment on function app_private.enqueue_cache_invalidation(text[], text[], text[]) is
'Enqueues cache_invalidate jobs: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order); a bulk write gets jobs of up to 1,000 keys; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';

create function app_private.cache_keys(table_name text, r jsonb) returns text[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'users' then array['users:id:' || (r->>'id'), 'users:email:' || lower(r->>'email')]
    when table_name = 'teams' then array['teams:id:' || (r->>'id')]
    when table_name = 'workflows' then array['workflows:graph:' || (r->>'id')]
    when table_name in ('workflow_nodes', 'workflow_connections', 'workflow_triggers') then array['workflows:graph:' || (r->>'workflow_id')]
    else '{}'::text[]
  end;
$$;
comment on function app_private.cache_keys(text, jsonb) is 'The cache keys (src/cache/entities.ts formats) that a row of a cached table feeds: a write to the row invalidates them.';

create function app_private.cache_tags(table_name text, r jsonb) returns text[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'teams' then array['team:' || (r->>'id')]
    when table_name = 'team_memberships' then array['team:' || (r->>'team_id')]
    when table_name = 'workflows' then array['team-workflows:' || (r->>'team_id'), 'team:' || (r->>'team_id')]
    else '{}'::text[]
  end;
$$;
comment on function app_private.cache_tags(text, jsonb) is 'The cache tags (read-model queries, src/cache/entities.ts) that a row of a cached table feeds.';

create function app_private.tg__invalidate_cache() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_keys text[];
  v_tags text[];
begin
  if tg_op = 'TRUNCATE' then
    perform app_private.enqueue_cache_invalidation('{}', '{}', tg_argv);
    return null;
  end if;
  -- Statement level, over the transition tables: one call per statement whatever the number of rows (a
  -- 200-node workflow save or a 10,000-user bulk insert enqueues a handful of jobs, not one per row).
  if tg_op = 'INSERT' then
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(n) as r from new_rows n) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  elsif tg_op = 'UPDATE' then
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(n) as r from new_rows n union all select to_jsonb(o) from old_rows o) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  else
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(o) as r from old_rows o) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  end if;
  v_keys := array_remove(v_keys, null);
  v_tags := array_remove(v_tags, null);
  if cardinality(v_keys) + cardinality(v_tags) > 0 then
    perform app_private.enqueue_cache_invalidation(v_keys, v_tags);
  end if;
  return null;
end;
$$;
comment on function app_private.tg__invalidate_cache() is
'Trigger (AFTER, statement level, with transition tables new_rows/old_rows): enqueues invalidation of the cache keys and tags the old and new rows feed, once per statement. As a TRUNCATE trigger it enqueues the key patterns named in the trigger arguments. SECURITY DEFINER so a visitor''s write (GraphQL) can enqueue jobs.';

create trigger _900_invalidate_cache_insert after insert on app_public.users
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.users
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.users
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.users
  for each statement execute function app_private.tg__invalidate_cache('users:*');
create trigger _900_invalidate_cache_insert after insert on app_public.teams
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.teams
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.teams
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.teams
  for each statement execute function app_private.tg__invalidate_cache('teams:*');
create trigger _900_invalidate_cache_insert after insert on app_public.team_memberships
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.team_memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.team_memberships
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_insert after insert on app_public.workflows
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflows
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflows
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflows
  for each statement execute function app_private.tg__invalidate_cache('workflows:*');
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_nodes
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_nodes
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_nodes
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_nodes
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_connections
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_connections
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_connections
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_connections
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_triggers
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_triggers
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_triggers
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_triggers
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
