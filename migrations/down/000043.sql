-- Down of migration 000043: the exact reverse, topic by topic, last topic first.

--! split: 700-cache.sql
-- Back to one add_job call per entity key and one for the tags.
create or replace function app_private.enqueue_cache_invalidation(keys text[], tags text[] DEFAULT '{}'::text[], patterns text[] DEFAULT '{}'::text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v text;
  v_job bigint;
  v_lost text[] := '{}';
  k text[];
  t text[] := array(select d.x from (select distinct x from unnest(tags) x where x is not null) d order by d.x collate "C");
  p text[] := array(select d.x from (select distinct x from unnest(patterns) x where x is not null) d order by d.x collate "C");
begin
  if cardinality(keys) > 1000 then
    keys := array_remove(keys, null);
    -- A bulk write (thousands of rows in one statement): jobs of up to 1,000 keys each, without job keys.
    perform graphile_worker.add_jobs(array(
      select row('cache_invalidate', json_build_object('keys', to_json(keys[g.i:g.i + 999])), null, null, null, null, null, null)::graphile_worker.job_spec
        from generate_series(1, cardinality(keys), 1000) g(i) order by g.i));
  else
    k := array(select d.x from (select distinct x from unnest(keys) x where x is not null) d order by d.x collate "C");
    if cardinality(k) <= 16 then
      -- Entity keys (a user, a workflow graph): one job per key, its job_key prefixed with the task name, so a
      -- burst of writes to the same entity collapses into one pending job; a job already running is never lost
      -- (graphile-worker creates a new one). Sorted, so concurrent writers upsert job keys in one order.
      foreach v in array k loop
        select j.id into v_job from graphile_worker.add_job('cache_invalidate', json_build_object('keys', json_build_array(v)),
          job_key => 'cache_invalidate:k:' || v, job_key_mode => 'replace') j;
        -- No job back: a worker locked the pending job of this key at this very instant and graphile-worker's
        -- upsert skipped (neither updated nor inserted). That job may have run before this commit: a keyless
        -- job takes the key, so an invalidation always runs after this transaction commits.
        if v_job is null then
          v_lost := v_lost || v;
        end if;
      end loop;
      if cardinality(v_lost) > 0 then
        perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', to_json(v_lost)));
      end if;
    elsif cardinality(k) > 0 then
      perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', to_json(k)));
    end if;
  end if;
  -- Tags and patterns are shared by many writers (every workflow of a team feeds its team's tags): one job per
  -- statement, without a job key. Upserting shared job keys from transactions that touch them in different
  -- orders deadlocks; a few extra cheap jobs do not.
  if cardinality(t) + cardinality(p) > 0 then
    perform graphile_worker.add_job('cache_invalidate', json_build_object('tags', to_json(t), 'patterns', to_json(p)));
  end if;
end;
$$;

COMMENT ON FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[], patterns text[]) IS 'Enqueues cache_invalidate jobs: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order; a key whose upsert meets a job being locked by a worker at that instant, which graphile-worker then neither updates nor inserts, goes into a keyless job); up to 1,000 keys one job; a bulk write (more than 1,000 keys) jobs of up to 1,000 keys each in input order, enqueued by one add_jobs call; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';
