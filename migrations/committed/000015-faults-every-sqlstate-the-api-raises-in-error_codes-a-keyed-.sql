--! Previous: sha1:f73157a6bd6204da950a748fa3aa479bd0e90dcc
--! Hash: sha1:748e1bc08eebec6c6a6767bf34b06ad852b055da
--! Message: faults: every SQLSTATE the API raises in error_codes; a keyed cache invalidation job met while a worker locks the pending one goes into a keyless job

-- Issue 18: app_public.error_codes lists every SQLSTATE the SQL API can raise to a caller: our LF* codes and
-- the standard PostgreSQL ones that reach callers through constraints, casts, locks, timeouts and lost
-- connections. Each maps to a typed error in src/db/errors.ts (test/faults/error-codes.test.ts checks both).
insert into app_public.error_codes (code, name, description) values
  ('23505', 'unique_violation', 'A unique constraint refused the write (CONFLICT; the DETAIL names the constraint).'),
  ('23503', 'foreign_key_violation', 'A referenced row does not exist (VALIDATION).'),
  ('23502', 'not_null_violation', 'A required column is missing (VALIDATION; field names it).'),
  ('23514', 'check_violation', 'A check constraint refused the value (VALIDATION; field from the constraint name).'),
  ('23P01', 'exclusion_violation', 'An exclusion constraint refused the value (VALIDATION).'),
  ('22P02', 'invalid_text_representation', 'A value could not be parsed as its type, e.g. a malformed uuid (VALIDATION).'),
  ('22023', 'invalid_parameter_value', 'An argument is out of its allowed domain (VALIDATION).'),
  ('22003', 'numeric_value_out_of_range', 'A number does not fit its type (VALIDATION).'),
  ('22007', 'invalid_datetime_format', 'A timestamp could not be parsed (VALIDATION).'),
  ('22008', 'datetime_field_overflow', 'A timestamp field is out of range (VALIDATION).'),
  ('22032', 'invalid_json_text', 'Malformed JSON (VALIDATION).'),
  ('40001', 'serialization_failure', 'A concurrent transaction won a serialization race (CONFLICT, retryable: retry the call).'),
  ('40P01', 'deadlock_detected', 'A deadlock was broken by aborting this transaction (CONFLICT, retryable: retry the call).'),
  ('42501', 'insufficient_privilege', 'The role may not do this (FORBIDDEN).'),
  ('54000', 'program_limit_exceeded', 'A size limit of PostgreSQL was exceeded (LIMIT_EXCEEDED).'),
  ('55P03', 'lock_not_available', 'A lock could not be taken without waiting (CONFLICT).'),
  ('57014', 'query_canceled', 'The statement ran past its statement_timeout or was cancelled (LIMIT_EXCEEDED).'),
  ('57P01', 'admin_shutdown', 'The backend was terminated (pg_terminate_backend, a fast shutdown) (UNAVAILABLE, retryable).'),
  ('57P02', 'crash_shutdown', 'The server reset every backend after a crash (UNAVAILABLE, retryable).'),
  ('57P03', 'cannot_connect_now', 'The server is starting up or recovering (UNAVAILABLE, retryable).'),
  ('53300', 'too_many_connections', 'The server has no connection slot left (UNAVAILABLE, retryable).'),
  ('08006', 'connection_failure', 'The connection was lost under the call; the outcome of an unacknowledged write is unknown, so retry idempotently (UNAVAILABLE, retryable).')
on conflict (code) do update set name = excluded.name, description = excluded.description;

comment on table app_public.error_codes is 'Catalogue of every SQLSTATE the SQL API can raise to a caller: the custom LF* codes and the standard PostgreSQL codes that reach callers (constraints, casts, locks, timeouts, lost connections). Clients map them to typed errors (src/db/errors.ts; the typed error names its code).';

-- Issue 18 (the stale cache entry under load): a keyed cache_invalidate job could be lost. graphile-worker's
-- add_jobs first clears the key of a LOCKED job with that key (then inserts a new one), and otherwise upserts
-- with `on conflict (key) do update ... where locked_at is null`. A worker that locks the pending job between
-- those two statements (its get_job transaction commits in between) makes the upsert skip: no row updated,
-- none inserted, and add_job returns an empty row. The locked job may already have run its invalidation
-- before this transaction commits, so nothing invalidated the key after the commit, and a reader that
-- loaded the old row in between kept it cached until its TTL. Now: when add_job returns no job, the key
-- goes into a keyless job, which always runs after this transaction commits.
create or replace function app_private.enqueue_cache_invalidation(keys text[], tags text[] default '{}', patterns text[] default '{}')
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_private.enqueue_cache_invalidation(text[], text[], text[]) is
'Enqueues cache_invalidate jobs: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order; a key whose upsert meets a job being locked by a worker at that instant, which graphile-worker then neither updates nor inserts, goes into a keyless job); up to 1,000 keys one job; a bulk write (more than 1,000 keys) jobs of up to 1,000 keys each in input order, enqueued by one add_jobs call; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';
