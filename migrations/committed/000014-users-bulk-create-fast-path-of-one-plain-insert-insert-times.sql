--! Previous: sha1:a7615b7d36b16fef6da24866777bcdbea9db3fa2
--! Hash: sha1:f73157a6bd6204da950a748fa3aa479bd0e90dcc
--! Message: users bulk create: fast path of one plain INSERT, insert timestamps trigger only for supplied timestamps, bulk cache invalidation by one add_jobs call

-- Issue 14 (users part): bulk user creation at close to PostgreSQL's own COPY rate into the same table.
-- 1. bulk_create_users takes a fast path for the common case (every row valid, no email taken): one plain INSERT
--    checked by the table's own constraints, ids computed beforehand, no ON CONFLICT speculative insertion, no
--    RETURNING, no join back by email. Any failing row (unique, check or not-null violation, also a concurrent
--    transaction's email) undoes it and the careful path (the previous statement) reports every row as before.
-- 2. Timestamps on insert: the per-row PL/pgSQL trigger fires only when a writer supplies its own created_at or
--    updated_at (the defaults already are now()): a WHEN clause evaluated without calling PL/pgSQL.

drop function if exists app_private.bulk_user_row_error(text, text, text, boolean);
create function app_private.bulk_user_row_error(email text, name text, status text, repeated boolean) returns text
  language sql immutable parallel safe
as $$
  select case
    when email is null or length(email) > 320 or email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then 'email:LFVAL:invalid email'
    when name is null or char_length(name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
    when status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
    when repeated then 'email:LFCNF:email repeated in this batch'
  end;
$$;
comment on function app_private.bulk_user_row_error(text, text, text, boolean) is 'Checks one row of bulk_create_users: null when valid, else ''field:SQLSTATE:message'' (the same rules as the users table''s constraints, plus repeats within the batch). Written to be inlined into the bulk statements (a plain SQL expression: no SET clause, which would stop inlining).';
revoke execute on function app_private.bulk_user_row_error(text, text, text, boolean) from public;

drop function if exists app_private.bulk_create_users_careful(jsonb, boolean);
create function app_private.bulk_create_users_careful(items jsonb, best_effort boolean)
  returns app_private.bulk_row_result[]
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_out app_private.bulk_row_result[];
  v_ms bytea := substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3);
begin
  begin
    with input as (
      select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status
        from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)
    ), checked as (
      select i.*, app_private.bulk_user_row_error(i.email, i.name, i.status,
                    row_number() over (partition by lower(i.email) order by i.ord) > 1) as err
        from input i
    ), valid as (
      select c.email, c.name, c.status, overlay(uuid_send(public.gen_random_uuid()) placing v_ms from 1 for 6) as b
        from checked c where c.err is null
    ), ins as (
      insert into app_public.users (id, email, name, status)
      select encode(set_byte(v.b, 6, (get_byte(v.b, 6) & 15) | 112), 'hex')::uuid, v.email, v.name, v.status
        from valid v
      on conflict (email) do nothing
      returning users.id, users.email, users.version
    )
    select array_agg(row(c.ord, ins.id, ins.version,
             case when c.err is not null then split_part(c.err, ':', 2) when ins.id is null then 'LFCNF' end,
             case when c.err is not null then split_part(c.err, ':', 1) when ins.id is null then 'email' end,
             case when c.err is not null then split_part(c.err, ':', 3) when ins.id is null then 'email taken' end
           )::app_private.bulk_row_result order by c.ord)
      into v_out
      from checked c
      left join ins on lower(ins.email::text) = lower(c.email) and c.err is null;
    if not best_effort and exists (select 1 from unnest(v_out) o where o.error_code is not null) then
      -- Undo this block's inserts (a subtransaction) but keep the per-row report. LFBLK never leaves this function.
      raise exception 'bulk create refused' using errcode = 'LFBLK';
    end if;
  exception when sqlstate 'LFBLK' then
    select array_agg(row(o.ord, null, null, o.error_code, o.error_field, o.error_message)::app_private.bulk_row_result order by o.ord)
      into v_out from unnest(v_out) o;
  end;
  return v_out;
end;
$$;
comment on function app_private.bulk_create_users_careful(jsonb, boolean) is 'The careful path of bulk_create_users: inserts with ON CONFLICT (email) DO NOTHING, so taken emails (also those of concurrent transactions) are reported per row; all-or-nothing undoes its inserts (a subtransaction) when any row failed. Owner only.';
revoke execute on function app_private.bulk_create_users_careful(jsonb, boolean) from public;

create or replace function app_private.bulk_create_users(items jsonb, best_effort boolean default false)
  returns setof app_private.bulk_row_result
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_out app_private.bulk_row_result[];
  -- UUIDv7 ids: the text of this statement's millisecond timestamp and the version digit, then the random rest
  -- (variant bits included) of a v4 UUID.
  v_hex text := lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0');
  v_id_prefix text := substr(v_hex, 1, 8) || '-' || substr(v_hex, 9, 4) || '-7';
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  begin
    -- Fast path (every row valid, no email taken: the same answer in both modes): one plain INSERT of the rows,
    -- checked by the table's own constraints and unique index, ids made here, the answer built from the input.
    with input as materialized (
      select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status,
             (v_id_prefix || substr(public.gen_random_uuid()::text, 16))::uuid as id
        from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)
    ), ins as (
      insert into app_public.users (id, email, name, status) select i.id, i.email, i.name, i.status from input i
    )
    select array_agg(row(i.ord, i.id, 1, null, null, null)::app_private.bulk_row_result order by i.ord) into v_out from input i;
  exception when unique_violation or check_violation or not_null_violation then
    -- Some row is invalid, repeated or taken: the insert is undone (this block is a subtransaction).
    v_out := app_private.bulk_create_users_careful(items, best_effort);
  end;
  return query select * from unnest(v_out);
end;
$$;
comment on function app_private.bulk_create_users(jsonb, boolean) is
'Creates many users ([{email, name, status?}], up to 50,000) and returns one result per input row.
The common case (every row valid, no email taken) costs one plain INSERT, close to a COPY of the same rows: the table''s
constraints and unique index do the checking, ids are made beforehand, no ON CONFLICT, no RETURNING. When any row
fails, that insert is undone and the careful path (bulk_create_users_careful) validates every row in SQL (shape,
lengths, status, repeats in the batch) and finds taken emails (also those of concurrent transactions) with
ON CONFLICT DO NOTHING. All-or-nothing (default): when any row fails nothing is written and only failures are
reported. best_effort: valid rows are written, failures reported. Users created this way have no password (invited or SSO).';

-- Insert timestamps: the defaults are now(); the PL/pgSQL trigger fires only for a writer that supplies its own.
drop trigger if exists _100_timestamps on app_public.users;
drop trigger if exists _100_timestamps_insert on app_public.users;
drop trigger if exists _100_timestamps_update on app_public.users;
create trigger _100_timestamps_insert before insert on app_public.users
  for each row when (new.created_at is distinct from now() or new.updated_at is distinct from now())
  execute function app_private.tg__timestamps();
create trigger _100_timestamps_update before update on app_public.users
  for each row execute function app_private.tg__timestamps();

-- 3. Cache invalidation of a bulk write: the 20,000 keys of a 10,000-row insert were de-duplicated and sorted
--    (about 70 ms of the trigger's 180 ms) and enqueued by 20 add_job calls. Sorting only matters for job-key
--    upserts (small writes); a large key list is cut into chunks of 1,000 in input order and enqueued by one
--    add_jobs call (no job keys, repeats harmless: invalidation is idempotent).
create or replace function app_private.enqueue_cache_invalidation(keys text[], tags text[] default '{}', patterns text[] default '{}')
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v text;
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
        perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', json_build_array(v)),
          job_key => 'cache_invalidate:k:' || v, job_key_mode => 'replace');
      end loop;
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
'Enqueues cache_invalidate jobs: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order); up to 1,000 keys one job; a bulk write (more than 1,000 keys) jobs of up to 1,000 keys each in input order, enqueued by one add_jobs call; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';
