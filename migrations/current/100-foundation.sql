-- Two helpers every write calls, inlinable again.
--
-- A SQL function with a SET clause is never inlined: each statement that calls it parses, plans and runs its body
-- as a separate query (PostgreSQL's fmgr_sql), which costs tens of microseconds per calling statement. Neither
-- of these is SECURITY DEFINER and both name every function they call with its schema (pg_catalog builtins,
-- pgcrypto's public.gen_random_bytes), so pinning search_path protects nothing; without it the planner puts
-- their expression into the calling statement (a column default, a policy, a function body).

create or replace function app_public.uuid_generate_v7() returns uuid
  language sql volatile parallel safe
as $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;
alter function app_public.uuid_generate_v7() reset all;

create or replace function app_public.current_user_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;
alter function app_public.current_user_id() reset all;
