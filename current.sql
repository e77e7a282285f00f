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
begin
  -- One job per cache key, tag or pattern, its job_key prefixed with the task name: a burst of writes to the
  -- same entity (200 node inserts into one workflow) collapses into one pending job, and a job that is
  -- already running is never lost (graphile-worker creates a new one).
  for v in select distinct x from unnest(keys) x where x is not null loop
    perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', json_build_array(v)),
      job_key => 'cache_invalidate:k:' || v, job_key_mode => 'replace');
  end loop;
  for v in select distinct x from unnest(tags) x where x is not null loop
    perform graphile_worker.add_job('cache_invalidate', json_build_object('tags', json_build_array(v)),
      job_key => 'cache_invalidate:t:' || v, job_key_mode => 'replace');
  end loop;
  for v in select distinct x from unnest(patterns) x where x is not null loop
    perform graphile_worker.add_job('cache_invalidate', json_build_object('patterns', json_build_array(v)),
      job_key => 'cache_invalidate:p:' || v, job_key_mode => 'replace');
  end loop;
end;
$$;
comment on function app_private.enqueue_cache_invalidation(text[], text[], text[]) is
'Enqueues cache_invalidate jobs for cache keys, tags and key patterns (one deduplicated job each, job_key cache_invalidate:<k|t|p>:<target>). The jobs run after the calling transaction commits; a rollback enqueues nothing.';

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
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
begin
  if tg_op = 'TRUNCATE' then
    perform app_private.enqueue_cache_invalidation('{}', '{}', tg_argv);
    return null;
  end if;
  perform app_private.enqueue_cache_invalidation(
    app_private.cache_keys(tg_table_name, v_old) || app_private.cache_keys(tg_table_name, v_new),
    app_private.cache_tags(tg_table_name, v_old) || app_private.cache_tags(tg_table_name, v_new));
  return null;
end;
$$;
comment on function app_private.tg__invalidate_cache() is
'Trigger (AFTER, row level): enqueues invalidation of the cache keys and tags the old and new row feed. As a TRUNCATE statement trigger it enqueues the key patterns named in the trigger arguments. SECURITY DEFINER so a visitor''s write (GraphQL) can enqueue jobs.';

create trigger _900_invalidate_cache after insert or update or delete on app_public.users
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.users
  for each statement execute function app_private.tg__invalidate_cache('users:*');
create trigger _900_invalidate_cache after insert or update or delete on app_public.teams
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.teams
  for each statement execute function app_private.tg__invalidate_cache('teams:*');
create trigger _900_invalidate_cache after insert or update or delete on app_public.team_memberships
  for each row execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache after insert or update or delete on app_public.workflows
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflows
  for each statement execute function app_private.tg__invalidate_cache('workflows:*');
create trigger _900_invalidate_cache after insert or update or delete on app_public.workflow_nodes
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_nodes
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
create trigger _900_invalidate_cache after insert or update or delete on app_public.workflow_connections
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_connections
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
create trigger _900_invalidate_cache after insert or update or delete on app_public.workflow_triggers
  for each row execute function app_private.tg__invalidate_cache();
create trigger _901_invalidate_cache_truncate after truncate on app_public.workflow_triggers
  for each statement execute function app_private.tg__invalidate_cache('workflows:graph:*');
