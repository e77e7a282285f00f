-- Function bodies restored here come from the schema before migration 14: node scripts/restore-body.ts --before 14 --rewrite migrations/down/000014.sql
-- Down of migration 000014 (users): the previous bulk_create_users, insert timestamps trigger and cache enqueueing.
drop trigger if exists _100_timestamps_insert on app_public.users;
drop trigger if exists _100_timestamps_update on app_public.users;
create trigger _100_timestamps before insert or update on app_public.users
  for each row execute function app_private.tg__timestamps();
CREATE OR REPLACE FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean DEFAULT false) RETURNS SETOF app_private.bulk_row_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_out app_private.bulk_row_result[];
  v_ms bytea := substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3);
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  begin
    with input as (
      select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status
        from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)
    ), checked as (
      select i.*,
        case
          when i.email is null or length(i.email) > 320 or i.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then 'email:LFVAL:invalid email'
          when i.name is null or char_length(i.name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
          when i.status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
          when row_number() over (partition by lower(i.email) order by i.ord) > 1 then 'email:LFCNF:email repeated in this batch'
        end as err
        from input i
    ), valid as (
      -- UUIDv7 ids: this statement's millisecond timestamp, then random bits (version 7, RFC 9562 variant).
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
    -- Nothing was written: report the failures only.
    select array_agg(row(o.ord, null, null, o.error_code, o.error_field, o.error_message)::app_private.bulk_row_result order by o.ord)
      into v_out from unnest(v_out) o;
  end;
  return query select * from unnest(v_out);
end;
$_$;
comment on function app_private.bulk_create_users(jsonb, boolean) is
'Creates many users ([{email, name, status?}], up to 50,000) in one statement and returns one result per input row.
Rows are validated in SQL (shape, lengths, status, repeats in the batch); taken emails (also those taken by a concurrent
transaction) are found by the insert itself (ON CONFLICT DO NOTHING), so the common path costs one insert.
All-or-nothing (default): when any row fails, the insert is undone (a subtransaction) and only failures are reported.
best_effort: valid rows are written, failures reported. Users created this way have no password (invited or SSO).';
drop function app_private.bulk_create_users_careful(jsonb, boolean);
drop function app_private.bulk_user_row_error(text, text, text, boolean);
CREATE OR REPLACE FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[] DEFAULT '{}'::text[], patterns text[] DEFAULT '{}'::text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
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
comment on function app_private.enqueue_cache_invalidation(text[], text[], text[]) is
'Enqueues cache_invalidate jobs: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order); a bulk write gets jobs of up to 1,000 keys; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';
