-- Reverse of migrations/current/200-users.sql: the earlier bodies (printed by scripts/restore-body.ts from
-- data/schema.sql), the triggers as they were, and the id helper dropped.

CREATE OR REPLACE FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean DEFAULT false) RETURNS SETOF app_private.bulk_row_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

COMMENT ON FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean) IS 'Creates many users ([{email, name, status?}], up to 50,000) and returns one result per input row.
The common case (every row valid, no email taken) costs one plain INSERT, close to a COPY of the same rows: the table''s
constraints and unique index do the checking, ids are made beforehand, no ON CONFLICT, no RETURNING. When any row
fails, that insert is undone and the careful path (bulk_create_users_careful) validates every row in SQL (shape,
lengths, status, repeats in the batch) and finds taken emails (also those of concurrent transactions) with
ON CONFLICT DO NOTHING. All-or-nothing (default): when any row fails nothing is written and only failures are
reported. best_effort: valid rows are written, failures reported. Users created this way have no password (invited or SSO).';

CREATE OR REPLACE FUNCTION app_private.bulk_create_users_careful(items jsonb, best_effort boolean) RETURNS app_private.bulk_row_result[]
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

COMMENT ON FUNCTION app_private.bulk_create_users_careful(items jsonb, best_effort boolean) IS 'The careful path of bulk_create_users: inserts with ON CONFLICT (email) DO NOTHING, so taken emails (also those of concurrent transactions) are reported per row; all-or-nothing undoes its inserts (a subtransaction) when any row failed. Owner only.';

CREATE OR REPLACE FUNCTION app_private.bulk_update_users(items jsonb, best_effort boolean DEFAULT false) RETURNS SETOF app_private.bulk_row_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_out app_private.bulk_row_result[];
  v_failed integer;
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  with input as (
    select x.ord::integer as ord, (x.r->>'id')::uuid as id, x.r->>'email' as email, x.r->>'name' as name,
           x.r->>'status' as status, (x.r->>'expected_version')::integer as expected_version
      from jsonb_array_elements(items) with ordinality as x(r, ord)
  ), checked as (
    select i.*, u.version as current_version,
      case
        when u.id is null then 'id:LFNTF:user not found'
        when i.expected_version is not null and i.expected_version <> u.version then 'version:LFVER:current_version=' || u.version
        when i.email is not null and (length(i.email) > 320 or i.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$') then 'email:LFVAL:invalid email'
        when i.name is not null and char_length(i.name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
        when i.status is not null and i.status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
        when row_number() over (partition by i.id order by i.ord) > 1 then 'id:LFCNF:id repeated in this batch'
        when i.email is not null and count(*) over (partition by lower(i.email)) > 1 then 'email:LFCNF:email repeated in this batch'
        when i.email is not null and exists (select 1 from app_public.users o where o.email operator(public.=) i.email::public.citext and o.id <> i.id)
          then 'email:LFCNF:email taken'
      end as err
      from input i
      left join app_public.users u on u.id = i.id and u.deleted_at is null
  ), ok as (
    select c.* from checked c
     where c.err is null and (best_effort or not exists (select 1 from checked e where e.err is not null))
  ), upd as (
    update app_public.users u
       set email = coalesce(ok.email, u.email::text), name = coalesce(ok.name, u.name), status = coalesce(ok.status, u.status)
      from ok
     where u.id = ok.id and u.deleted_at is null and u.version = ok.current_version
    returning u.id, u.version
  )
  select array_agg(row(c.ord, c.id, upd.version,
           case when c.err is not null then split_part(c.err, ':', 2) when ok.ord is not null and upd.id is null then 'LFVER' end,
           case when c.err is not null then split_part(c.err, ':', 1) when ok.ord is not null and upd.id is null then 'version' end,
           case when c.err is not null then split_part(c.err, ':', 3) when ok.ord is not null and upd.id is null then 'changed concurrently' end
         )::app_private.bulk_row_result order by c.ord)
    into v_out
    from checked c
    left join ok on ok.ord = c.ord
    left join upd on upd.id = c.id and ok.ord is not null;
  select count(*) into v_failed from unnest(v_out) o where o.error_code is not null;
  if v_failed > 0 and not best_effort and exists (select 1 from unnest(v_out) o where o.version is not null) then
    raise exception 'bulk update failed: % rows changed concurrently', v_failed using errcode = 'LFVER', detail = 'field: version';
  end if;
  return query select * from unnest(v_out);
end;
$_$;

COMMENT ON FUNCTION app_private.bulk_update_users(items jsonb, best_effort boolean) IS 'Updates many users ([{id, email?, name?, status?, expected_version?}], up to 50,000) in one statement; one result per input row.
All-or-nothing by default (any failing row: nothing written, failures reported); best_effort writes the valid rows.';

CREATE OR REPLACE FUNCTION app_private.tg_users__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
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

COMMENT ON FUNCTION app_private.tg_users__invalidate_cache() IS 'Trigger (AFTER, statement level, transition tables): enqueues invalidation of users:id:<id>, users:email:<email> and the tag user:<id> of the changed users, computed from the columns (the generic tg__invalidate_cache goes through jsonb per row).';

drop trigger if exists _100_timestamps_update on app_public.users;
create trigger _100_timestamps_update before update on app_public.users for each row execute function app_private.tg__timestamps();
drop trigger if exists _110_version on app_public.users;
create trigger _110_version before update on app_public.users for each row execute function app_private.tg__bump_version();

drop function if exists app_private.bulk_user_id(text, bigint);
drop function if exists app_private.bulk_user_ids_base();
