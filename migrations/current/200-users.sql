-- Users bulk writes closer to COPY, and concurrent bulk imports that wait instead of deadlocking.
--
-- bulk_create_users / bulk_create_users_careful: rows are inserted in one canonical order (lower(email), C
-- collation), so two imports with overlapping emails take their unique-index waits in the same order: the later
-- one waits for the earlier one and then reports the taken emails per row (it used to be a deadlock, 40P01, one
-- whole call failing without per-row results). Ids: the call's millisecond, then a counter in insertion order
-- (RFC 9562 counter method) from a random start, then 48 bits of random(): no gen_random_uuid() per row, and the
-- ids of a call increase in insertion order, so the primary key takes its rightmost-leaf fast path.
--
-- Updates: the per-row PL/pgSQL triggers _100_timestamps_update and _110_version fire only when the writer did not
-- already set what they would set (WHEN clauses; same result for every writer); bulk_update_users sets version and
-- updated_at itself, so a bulk update runs no per-row function. The update branch of tg_users__invalidate_cache
-- joins old and new rows by id: one id key, one tag per user, the old email key only when the email changed.

create or replace function app_private.bulk_user_ids_base() returns text[]
  language sql volatile parallel safe
  set search_path = pg_catalog
as $$
  -- [prefix, start]: the text of this instant's millisecond timestamp and the version digit ('tttttttt-tttt-7'),
  -- and a random 25-bit start of the call's counter (start + n stays below 2^26 for any n of one call).
  select array[substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7',
               ((('x' || substr(public.gen_random_uuid()::text, 1, 8))::bit(32)::bigint) >> 7)::text]
    from lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') t;
$$;
comment on function app_private.bulk_user_ids_base() is
  'The per-call part of the ids bulk_create_users makes (bulk_user_id): [prefix, start], the call''s millisecond as the start of a UUIDv7 and a random 25-bit start of its counter.';
revoke all on function app_private.bulk_user_ids_base() from public;

create or replace function app_private.bulk_user_id(prefix text, counter bigint) returns uuid
  language sql volatile parallel restricted
as $$
  -- 26-bit counter in rand_a and the 14 bits after the variant, then 48 bits of random()
  select (prefix || lpad(to_hex(counter >> 14), 3, '0') || '-' || to_hex(32768 | (counter & 16383)::integer) || '-'
          || lpad(to_hex((random() * 281474976710656)::bigint), 12, '0'))::uuid;
$$;
comment on function app_private.bulk_user_id(prefix text, counter bigint) is
  'Id number counter of a bulk_create_users call (prefix and counter start from bulk_user_ids_base): a UUIDv7 (RFC 9562, counter method) whose 26-bit counter follows the millisecond, so the ids of a call increase in insertion order (the primary key inserts on its rightmost leaf page), and whose last 48 bits are random, so one id does not give away its neighbours. Distinct within a call by the counter; two calls in the same millisecond share an id only if their counter ranges overlap and 48 random bits agree. Cheap: a plain SQL expression, inlined into the bulk statement (no SET clause, which would stop inlining), with the backend''s random() instead of a strong random call per row.';
revoke all on function app_private.bulk_user_id(text, bigint) from public;

create or replace function app_private.bulk_create_users(items jsonb, best_effort boolean default false)
  returns setof app_private.bulk_row_result
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_out app_private.bulk_row_result[];
  v_base text[] := app_private.bulk_user_ids_base();
  v_prefix text := v_base[1];
  v_start bigint := v_base[2]::bigint;
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  begin
    -- Fast path (every row valid, no email taken: the same answer in both modes): one plain INSERT of the rows in
    -- the canonical order (lower(email)), checked by the table's own constraints and unique index, ids made here
    -- in that order, the answer built from the input.
    with input as materialized (
      select w.*, app_private.bulk_user_id(v_prefix, v_start + w.n) as id
        from (select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status,
                     row_number() over (order by lower(x.email) collate "C", x.ord) as n
                from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)) w
    ), ins as (
      insert into app_public.users (id, email, name, status) select i.id, i.email, i.name, i.status from input i order by i.n
    )
    select array_agg(row(i.ord, i.id, 1, null, null, null)::app_private.bulk_row_result order by i.ord) into v_out from input i;
  exception when unique_violation or check_violation or not_null_violation then
    -- Some row is invalid, repeated or taken: the insert is undone (this block is a subtransaction).
    v_out := app_private.bulk_create_users_careful(items, best_effort);
  end;
  return query select * from unnest(v_out);
end;
$$;
comment on function app_private.bulk_create_users(items jsonb, best_effort boolean) is
  'Creates many users ([{email, name, status?}], up to 50,000) and returns one result per input row.
The common case (every row valid, no email taken) costs one plain INSERT, close to a COPY of the same rows: the table''s
constraints and unique index do the checking, ids are made beforehand (bulk_user_id: a counter and random(), no
strong random call per row), no ON CONFLICT, no RETURNING. Rows are inserted in the order of lower(email), so concurrent imports with
overlapping emails wait for each other instead of deadlocking. When any row fails, that insert is undone and the
careful path (bulk_create_users_careful) validates every row in SQL (shape, lengths, status, repeats in the batch) and
finds taken emails (also those of concurrent transactions) with ON CONFLICT DO NOTHING. All-or-nothing (default):
when any row fails nothing is written and only failures are reported. best_effort: valid rows are written, failures
reported. Users created this way have no password (invited or SSO).';
revoke all on function app_private.bulk_create_users(jsonb, boolean) from public;

create or replace function app_private.bulk_create_users_careful(items jsonb, best_effort boolean)
  returns app_private.bulk_row_result[]
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_out app_private.bulk_row_result[];
  v_base text[] := app_private.bulk_user_ids_base();
  v_prefix text := v_base[1];
  v_start bigint := v_base[2]::bigint;
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
      select c.email, c.name, c.status, row_number() over (order by lower(c.email) collate "C") as n
        from checked c where c.err is null
    ), ins as (
      insert into app_public.users (id, email, name, status)
      select app_private.bulk_user_id(v_prefix, v_start + v.n), v.email, v.name, v.status
        from valid v
       order by v.n
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
comment on function app_private.bulk_create_users_careful(items jsonb, best_effort boolean) is
  'The careful path of bulk_create_users: inserts the valid rows in the order of lower(email) with ON CONFLICT (email) DO NOTHING, so taken emails (also those of concurrent transactions, waited for in that order) are reported per row; all-or-nothing undoes its inserts (a subtransaction) when any row failed. Owner only.';
revoke all on function app_private.bulk_create_users_careful(jsonb, boolean) from public;

-- Updates: the per-row triggers stand aside when the writer already set what they would set.
drop trigger if exists _100_timestamps_update on app_public.users;
create trigger _100_timestamps_update before update on app_public.users for each row
  when (new.created_at is distinct from old.created_at
        or new.updated_at is distinct from (case when old.updated_at >= now() then old.updated_at + interval '1 millisecond' else now() end))
  execute function app_private.tg__timestamps();
drop trigger if exists _110_version on app_public.users;
create trigger _110_version before update on app_public.users for each row
  when (new.version is distinct from old.version + 1)
  execute function app_private.tg__bump_version();

create or replace function app_private.bulk_update_users(items jsonb, best_effort boolean default false)
  returns setof app_private.bulk_row_result
  language plpgsql volatile
  set search_path = pg_catalog
as $_$
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
    -- version and updated_at set here as the triggers would (they then stand aside: no per-row function call)
    update app_public.users u
       set email = coalesce(ok.email, u.email::text), name = coalesce(ok.name, u.name), status = coalesce(ok.status, u.status),
           version = u.version + 1,
           updated_at = case when u.updated_at >= now() then u.updated_at + interval '1 millisecond' else now() end
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
comment on function app_private.bulk_update_users(items jsonb, best_effort boolean) is
  'Updates many users ([{id, email?, name?, status?, expected_version?}], up to 50,000) in one statement; one result per input row.
All-or-nothing by default (any failing row: nothing written, failures reported); best_effort writes the valid rows.
Sets version and updated_at itself (as the _110_version and _100_timestamps_update triggers would, which then do not fire).';
revoke all on function app_private.bulk_update_users(jsonb, boolean) from public;

create or replace function app_private.tg_users__invalidate_cache() returns trigger
  language plpgsql security definer
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
    -- the old and new row of a user pair up by id: its id key and tag once, the old email's key only when it changed
    with r as (
      select coalesce(n.id, o.id)::text as id, pg_catalog.lower(n.email::text) as new_email, pg_catalog.lower(o.email::text) as old_email
        from new_rows n full join old_rows o on o.id = n.id
    )
    select array(select unnest(array_remove(array['users:id:' || r.id, 'users:email:' || r.new_email,
                   case when r.old_email is distinct from r.new_email then 'users:email:' || r.old_email end], null)) from r),
           array(select 'user:' || r.id from r)
      into v_keys, v_tags;
  else
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      select unnest(array['users:id:' || o.id::text, 'users:email:' || pg_catalog.lower(o.email::text)]) as k, 'user:' || o.id::text as t
        from old_rows o) x;
  end if;
  if cardinality(v_keys) > 0 then
    perform app_private.enqueue_cache_invalidation(v_keys, coalesce(v_tags, '{}'));
  end if;
  return null;
end;
$$;
comment on function app_private.tg_users__invalidate_cache() is
  'Trigger (AFTER, statement level, transition tables): enqueues invalidation of users:id:<id>, users:email:<email> and the tag user:<id> of the changed users, computed from the columns (the generic tg__invalidate_cache goes through jsonb per row); an update names each user once (old and new rows joined by id) and its old email only when it changed.';
revoke all on function app_private.tg_users__invalidate_cache() from public;
