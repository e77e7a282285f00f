--! Previous: sha1:2876c16fdf64b042257901e3c04ac3978e92b1f0
--! Hash: sha1:73d73bd1991c7291a579ee92783dc9fef0ca0298
--! Message: cache: column-based invalidation trigger for users; job keys sorted in the C collation

-- Cheaper cache invalidation for users (bulk creation of 10,000 users spent half its time in the generic
-- trigger, which turns every row into jsonb): the same keys and tags, computed straight from the columns.
create function app_private.tg_users__invalidate_cache() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_keys text[];
  v_tags text[];
begin
  if tg_op = 'INSERT' then
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      -- a new user has nothing derived from it cached yet: keys only (a cached "not found" by email or id)
      select unnest(array['users:id:' || n.id::text, 'users:email:' || pg_catalog.lower(n.email::text)]) as k, null::text as t
        from new_rows n) x;
  elsif tg_op = 'UPDATE' then
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      select unnest(array['users:id:' || r.id::text, 'users:email:' || pg_catalog.lower(r.email::text)]) as k, 'user:' || r.id::text as t
        from (select id, email from new_rows union all select id, email from old_rows) r) x;
  else
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      select unnest(array['users:id:' || o.id::text, 'users:email:' || pg_catalog.lower(o.email::text)]) as k, 'user:' || o.id::text as t
        from old_rows o) x;
  end if;
  if v_keys is not null then
    perform app_private.enqueue_cache_invalidation(v_keys, coalesce(v_tags, '{}'));
  end if;
  return null;
end;
$$;
comment on function app_private.tg_users__invalidate_cache() is 'Trigger (AFTER, statement level, transition tables): enqueues invalidation of users:id:<id>, users:email:<email> and the tag user:<id> of the changed users, computed from the columns (the generic tg__invalidate_cache goes through jsonb per row).';

drop trigger _900_invalidate_cache_insert on app_public.users;
drop trigger _900_invalidate_cache_update on app_public.users;
drop trigger _900_invalidate_cache_delete on app_public.users;
create trigger _900_invalidate_cache_insert after insert on app_public.users
  referencing new table as new_rows for each statement execute function app_private.tg_users__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.users
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg_users__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.users
  referencing old table as old_rows for each statement execute function app_private.tg_users__invalidate_cache();

-- Sort job keys in the C collation: the same total order, far cheaper than the database collation for
-- the 20,000 keys of a bulk insert.
create or replace function app_private.enqueue_cache_invalidation(keys text[], tags text[] default '{}', patterns text[] default '{}')
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v text;
  k text[] := array(select d.x from (select distinct x from unnest(keys) x where x is not null) d order by d.x collate "C");
  t text[] := array(select d.x from (select distinct x from unnest(tags) x where x is not null) d order by d.x collate "C");
  p text[] := array(select d.x from (select distinct x from unnest(patterns) x where x is not null) d order by d.x collate "C");
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
