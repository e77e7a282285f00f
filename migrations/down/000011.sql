-- Function bodies restored here come from the schema before migration 11: node scripts/restore-body.ts --before 11 --rewrite migrations/down/000011.sql
CREATE OR REPLACE FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[] DEFAULT '{}'::text[], patterns text[] DEFAULT '{}'::text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
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
-- Down: users back on the generic invalidation trigger.
drop trigger _900_invalidate_cache_insert on app_public.users;
drop trigger _900_invalidate_cache_update on app_public.users;
drop trigger _900_invalidate_cache_delete on app_public.users;
create trigger _900_invalidate_cache_insert after insert on app_public.users
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.users
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.users
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
drop function app_private.tg_users__invalidate_cache();
