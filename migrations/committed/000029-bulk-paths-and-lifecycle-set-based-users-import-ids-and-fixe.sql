--! Previous: sha1:1caacff56167a7c9b0c9728c8b6adc29b3adfe82
--! Hash: sha1:a15c621af1e1c2ca0f8e640f69730f734435ecfc
--! Message: bulk paths and lifecycle: set-based users import ids and fixed insert order, workflow-list projection in one statement per batch with unindexed rebuild shadows, archive groups planned read marked and deleted set-based, partition drop with every lock first and a short wait, label search by candidate keys, retention steps as of one time

--! split: 200-users.sql
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

--! split: 300-workflows.sql
-- Workflows at editor speed, second round: what a save or a create still spent outside its own writes.
--  * The graph tables' statement triggers (cache invalidation, document drop) skip the rows of the workflow whose
--    writer (workflow_write_graph, called by create and save) is running: that writer stores the document itself
--    and its workflows row write enqueues the same workflows:graph:<id> key. A save enqueued the key twice (once
--    per graph statement, once for the workflows row) and deleted the document it was about to store.
--  * uuid_generate_v7_series draws its random bytes 1 KB at a time (64 ids per gen_random_bytes call) instead of
--    one call per id: most of its time was the per-call strong-random draw.

CREATE OR REPLACE FUNCTION app_private.uuid_generate_v7_series(n integer) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  -- the bits of app_public.uuid_generate_v7(), for n rows in one call; the random bytes come 1 KB (64 ids) per
  -- gen_random_bytes call (one strong-random draw per id was most of the cost)
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(pg_catalog.substr(r.b, (g.i % 64) * 16 + 1, 16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid
    from pg_catalog.generate_series(0, n - 1) g(i)
    join (select c.c, public.gen_random_bytes(1024) as b from pg_catalog.generate_series(0, (n - 1) / 64) c(c)) r on r.c = g.i / 64
   order by g.i;
$$;

COMMENT ON FUNCTION app_private.uuid_generate_v7_series(n integer) IS 'n time-ordered UUIDs (version 7, as app_public.uuid_generate_v7()) in one call, for set-based inserts of many rows (random bytes drawn 1 KB at a time).';

CREATE OR REPLACE FUNCTION app_private.tg_workflow_graph__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_keys text[];
  -- the workflow whose writer is running (workflow_write_graph): its own workflows row write enqueues the key
  v_writer text := pg_catalog.current_setting('linkflow.workflow_writer', true);
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || n.workflow_id::text) into v_keys from new_rows n
     where n.workflow_id::text is distinct from v_writer;
  elsif tg_op = 'UPDATE' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || r.workflow_id::text) into v_keys
      from (select n.workflow_id from new_rows n union all select o.workflow_id from old_rows o) r
     where r.workflow_id::text is distinct from v_writer;
  else
    select pg_catalog.array_agg(distinct 'workflows:graph:' || o.workflow_id::text) into v_keys from old_rows o
     where o.workflow_id::text is distinct from v_writer;
  end if;
  if v_keys is not null then
    perform app_private.enqueue_cache_invalidation(v_keys, '{}');
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_cache() IS 'Trigger (AFTER, statement level, transition tables) on workflow_nodes, workflow_connections and workflow_triggers: enqueues invalidation of workflows:graph:<workflow_id> of the changed rows, computed from the column (the generic tg__invalidate_cache goes through jsonb per row). Skips the rows of the workflow whose writer is running (setting linkflow.workflow_writer, set by workflow_write_graph): that writer''s workflows row write enqueues the same key.';

CREATE OR REPLACE FUNCTION app_private.tg_workflow_graph__invalidate_document() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  -- the workflow whose writer is running (workflow_write_graph): its caller stores the new document
  v_writer text := pg_catalog.current_setting('linkflow.workflow_writer', true);
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from app_private.workflow_graph_documents g
     where g.workflow_id in (select o.workflow_id from old_rows o where o.workflow_id::text is distinct from v_writer);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    delete from app_private.workflow_graph_documents g
     where g.workflow_id in (select n.workflow_id from new_rows n where n.workflow_id::text is distinct from v_writer);
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_document() IS 'Statement trigger on the graph tables: drops the graph documents of the workflows whose nodes, connections or triggers changed, so a document is never stale (the workflow functions rebuild it at the end of their write). Skips the workflow whose writer is running (setting linkflow.workflow_writer, set by workflow_write_graph): its caller (workflow_create, workflow_save) stores the new document in the same transaction.';

CREATE OR REPLACE FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean DEFAULT true, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_ids jsonb;          -- node name -> id, for every node of the snapshot
  v_del uuid[];         -- nodes to delete
  v_upd jsonb;          -- changed nodes (with their ids)
  v_ins jsonb;          -- new nodes (given their ids below)
  v_conn_del uuid[];
  v_conn_ins jsonb;     -- new connections, with their position in the snapshot (ord)
  v_conn_ids jsonb;     -- ids of the kept connections in snapshot order (null for new ones)
  v_trig_del uuid[];
  v_trig_ins jsonb;
  v_trig_ids jsonb;
  v_new_ids jsonb;      -- ord -> id of new connections / triggers
begin
  -- while it writes, the graph tables' statement triggers leave this workflow to it and its caller (which writes
  -- the workflows row, so the cache key is enqueued, and stores the new document)
  perform pg_catalog.set_config('linkflow.workflow_writer', workflow_id::text, true);

  -- 1. nodes against the live rows, by name
  select coalesce(pg_catalog.array_agg(c.id) filter (where w.name is null), '{}'),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', c.id) || w.node)
           filter (where c.id is not null and w.name is not null
                     and (c.type, c.type_version, c.parameters, c.position_x, c.position_y, c.disabled)
                         is distinct from (w.type, w.type_version, w.parameters, w.position_x, w.position_y, w.disabled)),
         pg_catalog.jsonb_agg(w.node) filter (where c.id is null),
         coalesce(pg_catalog.jsonb_object_agg(w.name, c.id) filter (where c.id is not null and w.name is not null), '{}')
    into v_del, v_upd, v_ins, v_ids
    from (select x.node, x.node->>'name' as name, x.node->>'type' as type, (x.node->>'type_version')::integer as type_version,
                 x.node->'parameters' as parameters, (x.node->'position'->>0)::integer as position_x,
                 (x.node->'position'->>1)::integer as position_y, (x.node->>'disabled')::boolean as disabled
            from pg_catalog.jsonb_array_elements(snapshot->'nodes') x(node)) w
    full join (select n.id, n.name, n.type, n.type_version, n.parameters, n.position_x, n.position_y, n.disabled
                 from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id) c on c.name = w.name;

  if v_ins is not null then
    -- new nodes get their ids here, so edges, triggers and the document can refer to them
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_ins
      from pg_catalog.jsonb_array_elements(v_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_ins)) with ordinality i(id, ord) using (ord);
    v_ids := v_ids || (select pg_catalog.jsonb_object_agg(v->>'name', v->'id') from pg_catalog.jsonb_array_elements(v_ins) v);
    insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, v->>'name', v->>'type', (v->>'type_version')::integer,
           v->'parameters', (v->'position'->>0)::integer, (v->'position'->>1)::integer, (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_ins) v;
  end if;
  if v_upd is not null then
    update app_public.workflow_nodes n
       set type = v->>'type', type_version = (v->>'type_version')::integer, parameters = v->'parameters',
           position_x = (v->'position'->>0)::integer, position_y = (v->'position'->>1)::integer, disabled = (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_upd) v
     where n.workflow_id = workflow_write_graph.workflow_id and n.id = (v->>'id')::uuid;
  end if;

  -- 2. connections (a set: unique edges) against the live rows, by their node ids and ports
  select pg_catalog.array_agg(c.id) filter (where w.ord is null),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 's', w.source_node_id, 'so', w.source_output, 'soi', w.source_output_index,
                                                            't', w.target_node_id, 'ti', w.target_input, 'tii', w.target_input_index))
           filter (where c.id is null),
         pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
    into v_conn_del, v_conn_ins, v_conn_ids
    from (select x.ord, (v_ids->>(x.c->>'source'))::uuid as source_node_id, x.c->>'source_output' as source_output,
                 (x.c->>'source_output_index')::integer as source_output_index, (v_ids->>(x.c->>'target'))::uuid as target_node_id,
                 x.c->>'target_input' as target_input, (x.c->>'target_input_index')::integer as target_input_index
            from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord)) w
    full join (select k.id, k.source_node_id, k.source_output, k.source_output_index, k.target_node_id, k.target_input, k.target_input_index
                 from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id) c
      on (c.source_node_id, c.source_output, c.source_output_index, c.target_node_id, c.target_input, c.target_input_index)
       = (w.source_node_id, w.source_output, w.source_output_index, w.target_node_id, w.target_input, w.target_input_index);
  if v_conn_del is not null then
    delete from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_conn_del);
  end if;
  if v_conn_ins is not null then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_conn_ins
      from pg_catalog.jsonb_array_elements(v_conn_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_conn_ins)) with ordinality i(id, ord) using (ord);
    v_new_ids := (select pg_catalog.jsonb_object_agg(v->>'ord', v->'id') from pg_catalog.jsonb_array_elements(v_conn_ins) v);
    v_conn_ids := (select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), v_new_ids->(e.ord::text)) order by e.ord)
                     from pg_catalog.jsonb_array_elements(v_conn_ids) with ordinality e(id, ord));
    insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                 target_node_id, target_input, target_input_index)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v->>'s')::uuid, v->>'so', (v->>'soi')::integer,
           (v->>'t')::uuid, v->>'ti', (v->>'tii')::integer
      from pg_catalog.jsonb_array_elements(v_conn_ins) v;
  end if;

  -- 3. triggers (a multiset: equal triggers pair up by their rank among equals)
  select pg_catalog.array_agg(c.id) filter (where w.ord is null),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 'type', w.type, 'config', w.config, 'enabled', w.enabled, 'node_id', w.node_id))
           filter (where c.id is null),
         pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
    into v_trig_del, v_trig_ins, v_trig_ids
    from (select y.*, pg_catalog.row_number() over (partition by y.type, y.config, y.enabled, y.node_id order by y.ord) as rank
            from (select x.ord, x.t->>'type' as type, x.t->'config' as config, (x.t->>'enabled')::boolean as enabled,
                         (v_ids->>(x.t->>'node'))::uuid as node_id
                    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord)) y) w
    full join (select k.id, k.type, k.config, k.enabled, k.node_id,
                      pg_catalog.row_number() over (partition by k.type, k.config, k.enabled, k.node_id order by k.id) as rank
                 from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id) c
      on c.type = w.type and c.config = w.config and c.enabled = w.enabled and c.rank = w.rank
     and coalesce(c.node_id, '00000000-0000-0000-0000-000000000000') = coalesce(w.node_id, '00000000-0000-0000-0000-000000000000');
  if v_trig_del is not null then
    delete from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_trig_del);
  end if;
  if v_trig_ins is not null then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_trig_ins
      from pg_catalog.jsonb_array_elements(v_trig_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_trig_ins)) with ordinality i(id, ord) using (ord);
    v_new_ids := (select pg_catalog.jsonb_object_agg(v->>'ord', v->'id') from pg_catalog.jsonb_array_elements(v_trig_ins) v);
    v_trig_ids := (select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), v_new_ids->(e.ord::text)) order by e.ord)
                     from pg_catalog.jsonb_array_elements(v_trig_ids) with ordinality e(id, ord));
    insert into app_public.workflow_triggers (id, workflow_id, team_id, node_id, type, config, enabled)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v->>'node_id')::uuid, v->>'type', v->'config',
           (v->>'enabled')::boolean
      from pg_catalog.jsonb_array_elements(v_trig_ins) v;
  end if;

  -- 4. removed nodes last: their edges and triggers are gone already, so the cascades find nothing
  if cardinality(v_del) > 0 then
    delete from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id and n.id = any (v_del);
  end if;

  changed := cardinality(v_del) > 0 or v_upd is not null or v_ins is not null or v_conn_del is not null or v_conn_ins is not null
          or v_trig_del is not null or v_trig_ins is not null;
  perform pg_catalog.set_config('linkflow.workflow_writer', '', true);
  if not (changed or build_document) then
    return;
  end if;

  -- 5. the document's graph parts, from the snapshot and the ids known above (nothing is read back)
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_ids->(x.n->>'name'), 'name', x.n->'name', 'type', x.n->'type',
                    'type_version', x.n->'type_version', 'parameters', x.n->'parameters', 'position', x.n->'position', 'disabled', x.n->'disabled')
                  order by x.ord), '[]'::json)
    into nodes
    from pg_catalog.jsonb_array_elements(snapshot->'nodes') with ordinality x(n, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_conn_ids->(x.ord::integer - 1),
                    'source', x.c->'source', 'source_node_id', v_ids->(x.c->>'source'),
                    'source_output', x.c->'source_output', 'source_output_index', x.c->'source_output_index',
                    'target', x.c->'target', 'target_node_id', v_ids->(x.c->>'target'),
                    'target_input', x.c->'target_input', 'target_input_index', x.c->'target_input_index')
                  order by x.ord), '[]'::json)
    into connections
    from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_trig_ids->(x.ord::integer - 1), 'type', x.t->'type',
                    'config', x.t->'config', 'enabled', x.t->'enabled', 'node', x.t->'node', 'node_id', v_ids->(x.t->>'node'))
                  order by x.ord), '[]'::json)
    into triggers
    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord);
end;
$$;

COMMENT ON FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) IS 'Makes the live graph tables (nodes, connections, triggers) of a workflow equal to a canonical snapshot by writing only the
difference: nodes match by name (unchanged nodes are not touched and keep their ids; a renamed node is a new node), connections
by their ends and ports, triggers by their content (equal triggers pair up). Each kind of change is one set-based statement, run
only when it has rows; an unchanged graph writes nothing. While it writes, the graph tables'' statement triggers skip this
workflow (setting linkflow.workflow_writer): the caller writes the workflows row (which enqueues the cache key) and stores the
document. changed: whether any row was written. When something changed or
build_document is true, nodes/connections/triggers are the GetWithNodes document''s parts (with ids), built from the snapshot.';

--! split: 400-events.sql
-- Projection catch-up and rebuilds in large set-based batches.
--
-- project_workflow_list: one statement per batch. The range is read once (one index range scan, each event's
-- data parsed once), folded per workflow in one aggregation, joined to the workflow's current row by primary
-- key, and written once: one upsert of the final row per workflow (plus the delete of workflows deleted in the
-- batch, in the same statement). The former body read the range five times, wrote each workflow up to four
-- times per batch (four non-HOT row versions, five index entries each), and joined two batch-sized CTEs with a
-- nested loop the planner chose from a one-row estimate (quadratic in the batch's workflows). The result equals
-- the former five steps applied in order: execution counters and the newest created execution, the last
-- execution's newest state (by seq), the newest full state (created/saved, by stream_version), a newer status
-- change, then deletion.
create or replace function app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint)
  returns void
  language plpgsql
  volatile
  set search_path = pg_catalog
  set work_mem = '32MB' -- the batch's sorts and the folded rows stay in memory at 20,000 events (4MB spills)
  set jit = off          -- a batch statement runs for milliseconds; compiling it would cost more than it saves
as $fn$
begin
  execute format($q$
    with ev as materialized (
      select e.global_position as pos, e.type, e.stream_version as sv, e.created_at,
             (e.data->>'workflow_id')::uuid as wid,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then coalesce(e.data->>'team_id', e.team_id::text) end as exec_team,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then (e.data->>'execution_id')::uuid end as eid,
             case when e.type = 'ExecutionCreated' then (e.data->>'created_at')::timestamptz end as exec_at,
             case when e.type = 'ExecutionCreated' then e.data->>'state' end as exec_state,
             case when e.type = 'ExecutionStateChanged' then e.data->>'to_state' end as to_state,
             case when e.type = 'ExecutionStateChanged' then (e.data->>'seq')::integer end as seq,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved') then coalesce((e.data->>'team_id')::uuid, e.team_id) end as wf_team,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'name' end as name,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'status' end as status,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then (e.data->>'version')::integer end as version
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
    ), ranked as (
      -- one sort ranks the newest created execution (created_at, then position), the newest full state and the
      -- newest status change (stream_version) of each workflow; another the newest move (seq; a null seq sorts
      -- first, as before, and then moves nothing) of each execution
      select ev.*,
             case when kind is not null
                  then row_number() over (partition by wid, kind order by exec_at desc, (case when kind <> 'created' then sv end) desc, pos desc) end as rank,
             case when type = 'ExecutionStateChanged' and eid is not null
                  then row_number() over (partition by eid, type = 'ExecutionStateChanged' order by seq desc) end as move_rank
        from (select ev.*, case when type = 'ExecutionCreated' then 'created' when type in ('WorkflowCreated', 'WorkflowSaved') then 'state'
                                when type = 'WorkflowStatusChanged' then 'status' end as kind
                from ev) ev
    ), b as (
      -- everything the batch says about one workflow, in one pass (no join between batch-sized sets)
      select wid,
             bool_or(type in ('ExecutionCreated', 'ExecutionStateChanged')) as has_exec,
             (max(exec_team) filter (where type in ('ExecutionCreated', 'ExecutionStateChanged')))::uuid as exec_team,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where to_state = 'succeeded') as succeeded,
             count(*) filter (where to_state = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where to_state = 'cancelled') as cancelled,
             (array_agg(eid) filter (where kind = 'created' and rank = 1))[1] as new_eid,
             (array_agg(exec_at) filter (where kind = 'created' and rank = 1))[1] as new_at,
             (array_agg(exec_state) filter (where kind = 'created' and rank = 1))[1] as new_state,
             jsonb_object_agg(eid::text, jsonb_build_array(seq, to_state)) filter (where move_rank = 1) as last_moves,
             bool_or(kind = 'state') as has_state,
             (array_agg(wf_team) filter (where kind = 'state' and rank = 1))[1] as s_team,
             (array_agg(name) filter (where kind = 'state' and rank = 1))[1] as s_name,
             (array_agg(status) filter (where kind = 'state' and rank = 1))[1] as s_status,
             (array_agg(version) filter (where kind = 'state' and rank = 1))[1] as s_version,
             max(sv) filter (where kind = 'state') as s_sv,
             (array_agg(created_at) filter (where kind = 'state' and rank = 1))[1] as s_at,
             min(created_at) filter (where type = 'WorkflowCreated') as s_created_at,
             bool_or(kind = 'status') as has_status,
             (array_agg(status) filter (where kind = 'status' and rank = 1))[1] as c_status,
             (array_agg(version) filter (where kind = 'status' and rank = 1))[1] as c_version,
             max(sv) filter (where kind = 'status') as c_sv,
             (array_agg(created_at) filter (where kind = 'status' and rank = 1))[1] as c_at,
             bool_or(type = 'WorkflowDeleted') as deleted
        from ranked
       group by wid
    ), s1 as (
      -- 1. execution counters and the newest execution created in the batch (creates the row if missing)
      select b.*, t.workflow_id is not null as existed, t as old,
             (t.workflow_id is not null or (b.has_exec and b.wid is not null)) as ex1,
             case when t.workflow_id is not null then t.team_id when b.has_exec and b.wid is not null then b.exec_team else b.s_team end as team_id,
             coalesce(t.execution_count, 0) + b.created as execution_count,
             coalesce(t.succeeded_count, 0) + b.succeeded as succeeded_count,
             coalesce(t.failed_count, 0) + b.failed as failed_count,
             coalesce(t.cancelled_count, 0) + b.cancelled as cancelled_count,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_eid else t.last_execution_id end as last_execution_id,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_state else t.last_execution_state end as last_execution_state0,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end as last_execution_seq0,
             case when t.workflow_id is null then b.new_at else greatest(b.new_at, t.last_execution_at) end as last_execution_at,
             coalesce(t.stream_version, 0) as sv0
        from b left join %1$s t on t.workflow_id = b.wid
    ), s2 as (
      -- 2. the last execution's newest state; 3. the newest full state, when newer than the row's
      select s1.*,
             (last_moves->(last_execution_id::text)->>0)::integer as m_seq, last_moves->(last_execution_id::text)->>1 as m_state,
             (ex1 or has_state) as ex3,
             (has_state and (not ex1 or sv0 < s_sv)) as take_state
        from s1
    ), s3 as (
      select s2.*,
             case when ex1 and m_seq > last_execution_seq0 then m_state else last_execution_state0 end as last_execution_state,
             case when ex1 and m_seq > last_execution_seq0 then m_seq else last_execution_seq0 end as last_execution_seq,
             case when take_state then s_name else (old).name end as name3,
             case when take_state then s_status else (old).status end as status3,
             case when take_state then s_version else (old).version end as version3,
             case when take_state then s_sv else sv0 end as sv3,
             case when take_state then coalesce((old).created_at, s_created_at) else (old).created_at end as created_at,
             case when take_state then s_at else (old).updated_at end as updated_at3
        from s2
    ), f as (
      -- 4. a newer status change of an existing row; 5. deletion wins
      select s3.*, (ex3 and has_status and sv3 < c_sv) as take_status
        from s3
    ), final as (
      select wid, existed, old, deleted, team_id,
             case when take_status then c_status else status3 end as status,
             case when take_status then coalesce(c_version, version3) else version3 end as version,
             case when take_status then c_sv else sv3 end as stream_version,
             case when take_status then c_at else updated_at3 end as updated_at,
             name3 as name, execution_count, succeeded_count, failed_count, cancelled_count,
             last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at
        from f where ex3
    ), del as (
      delete from %1$s t using final where final.deleted and final.existed and t.workflow_id = final.wid
    )
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
                           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
    select wid, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at
      from final
     where not deleted
       and (not existed
            or (team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count, cancelled_count,
                last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
               is distinct from
               ((old).team_id, (old).name, (old).status, (old).version, (old).stream_version, (old).execution_count, (old).succeeded_count,
                (old).failed_count, (old).cancelled_count, (old).last_execution_id, (old).last_execution_state, (old).last_execution_at,
                (old).last_execution_seq, (old).created_at, (old).updated_at))
    on conflict (workflow_id) do update set
      team_id = excluded.team_id, name = excluded.name, status = excluded.status, version = excluded.version,
      stream_version = excluded.stream_version, execution_count = excluded.execution_count, succeeded_count = excluded.succeeded_count,
      failed_count = excluded.failed_count, cancelled_count = excluded.cancelled_count, last_execution_id = excluded.last_execution_id,
      last_execution_state = excluded.last_execution_state, last_execution_at = excluded.last_execution_at,
      last_execution_seq = excluded.last_execution_seq, created_at = excluded.created_at, updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$fn$;

comment on function app_private.project_workflow_list(regclass, xid8, bigint, xid8, bigint) is
  'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based: one statement per batch that reads the range once, folds it per workflow and writes each workflow''s row once.';

-- Blue/green rebuilds replay into a shadow table without its secondary indexes and index it once at the end.
create or replace function app_private.projection_shadow_indexes(tables text[], build boolean)
  returns void
  language plpgsql
  volatile
  set search_path = pg_catalog
as $fn$
declare
  t text;
  d text;
begin
  foreach t in array tables loop
    if t !~ '^[a-z][a-z0-9_]{0,50}$' or to_regclass('app_public.' || t) is null or to_regclass('app_private.' || t || '__shadow') is null then
      raise exception 'no read model % with a shadow table', t using errcode = 'LFVAL', detail = 'field: tables';
    end if;
    if not build then
      -- only plain indexes: the primary key and unique indexes stay (upserts and conflicts need them)
      for d in
        select format('drop index app_private.%I', c.relname)
          from pg_index i join pg_class c on c.oid = i.indexrelid
         where i.indrelid = ('app_private.' || t || '__shadow')::regclass and not i.indisunique
           and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
      loop
        execute d;
      end loop;
    else
      -- every plain index of the live table that the shadow lacks (same method, keys, order, predicate), named
      -- after the live index with "_bg" added or removed: the swap moves each table's indexes into the other
      -- schema, where the other table's index names are then free
      for d in
        select format('create index %I on app_private.%I %s',
                      case when l.name like '%\_bg' then left(l.name, -3) else left(l.name, 60) || '_bg' end, t || '__shadow', l.def)
          from (select c.relname::text as name,
                       regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') as def
                  from pg_index i join pg_class c on c.oid = i.indexrelid
                 where i.indrelid = ('app_public.' || t)::regclass and not i.indisunique
                   and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)) l
         where not exists (
           select 1 from pg_index s
            where s.indrelid = ('app_private.' || t || '__shadow')::regclass
              and regexp_replace(pg_get_indexdef(s.indexrelid), '^CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') = l.def)
      loop
        execute d;
      end loop;
    end if;
  end loop;
end;
$fn$;

comment on function app_private.projection_shadow_indexes(text[], boolean) is
  'Secondary indexes of the shadow tables app_private.<t>__shadow during a blue/green rebuild: build = false drops every plain (non-unique, non-constraint) index of each shadow, so the replay maintains only its primary and unique keys; build = true creates every plain index of the live app_public.<t> that its shadow lacks (named after the live index with _bg added or removed, so the swap finds every name free), so the swapped-in table is indexed as the live one. Refuses a table without a shadow with LFVAL.';

revoke all on function app_private.projection_shadow_indexes(text[], boolean) from public;

-- The daily statistics sort the batch by workflow and day: keep a 20,000-event rebuild batch's sort in memory.
-- No handler is JIT-compiled: a large range's cost estimate (a seq scan of the log for a 20,000-event team_activity
-- batch is estimated at 73,000) nears jit_above_cost, and compiling costs more than a batch statement runs.
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) set work_mem = '32MB';
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) set jit = off;
alter function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint) set jit = off;

--! split: 500-executions.sql
-- Search by label: the label index gives the candidates newest first; each chunk of them is fetched with its
-- keys as constants, so the planner prunes to the candidates' partitions (a join on the labels plans every
-- hot partition on every call: most of a label search's time).
create or replace function app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamptz, after_id uuid, max_rows integer)
  returns setof app_public.executions
  language plpgsql stable set search_path to pg_catalog as $$
declare
  pred text := app_hidden.execution_search_predicate(query);
  lk text;
  lv text;
  v_ca timestamptz := coalesce(after_created_at, 'infinity');
  v_ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  v_cats timestamptz[];
  v_ids uuid[];
  v_chunk integer := greatest(max_rows, 50);
  v_left integer := max_rows;
  v_n integer;
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    loop
      select array_agg(l.execution_created_at order by l.execution_created_at desc, l.execution_id desc),
             array_agg(l.execution_id order by l.execution_created_at desc, l.execution_id desc)
        into v_cats, v_ids
        from (select l.execution_created_at, l.execution_id from app_public.execution_labels l
               where l.team_id = search_executions_hot.team_id and l.key = lk and l.value = lv
                 and (l.execution_created_at, l.execution_id) < (v_ca, v_ci)
               order by l.execution_created_at desc, l.execution_id desc limit v_chunk) l;
      exit when v_ids is null;
      return query execute format(
        'select e.* from app_public.executions e
          where e.team_id = $1 and e.created_at = any (%L::timestamptz[]) and e.id = any (%L::uuid[]) and %s
          order by e.created_at desc, e.id desc limit $2', v_cats, v_ids, pred)
        using team_id, v_left;
      get diagnostics v_n = row_count;
      v_left := v_left - v_n;
      exit when v_left <= 0 or cardinality(v_ids) < v_chunk;
      v_ca := v_cats[cardinality(v_cats)];
      v_ci := v_ids[cardinality(v_ids)];
    end loop;
    return;
  end if;
  -- one plan per query shape, made with its values (partition pruning by the time bounds and the cursor)
  return query execute format(
    'select e.* from app_public.executions e
      where e.team_id = $1 and e.created_at <= $2 and (e.created_at, e.id) < ($2, $3) and %s
      order by e.created_at desc, e.id desc limit $4', pred)
    using team_id, v_ca, v_ci, max_rows;
end;
$$;
comment on function app_private.search_executions_hot(uuid, jsonb, timestamptz, uuid, integer) is
  'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). With a label equality the label index yields the candidates newest first, fetched chunk by chunk by their keys (planned for their partitions only). Owner only: callers authorise.';

--! split: 800-archive.sql
-- archive: batches of many executions per statement (execution documents without a plan that can go quadratic,
-- set-based planning, marking and deleting of a whole group of batches)

-- Children are read per execution through their primary key (execution_id, execution_created_at, ...), which
-- prunes to one partition at run time; the earlier form joined two aggregated subqueries, and the generic plan
-- a SQL function gets (10 rows assumed for the array) rescanned a materialised aggregate once per execution
-- (5,000 ids: 21 s, of which 20 s in the nested-loop rescans). Timestamps in the nested JSON are written with
-- the expression of app_private.archive_iso inline (its SET clause keeps it from being inlined: one function
-- call per timestamp).
create or replace function app_private.execution_documents(ids uuid[]) returns table(id uuid, team_id uuid, workflow_id uuid,
    workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer,
    idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint,
    transitions jsonb, node_runs jsonb, pg_bytes bigint)
    language sql stable
    set search_path to 'pg_catalog'
    as $$
  select e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         (extract(epoch from e.created_at) * 1000000)::bigint, (extract(epoch from e.started_at) * 1000000)::bigint,
         (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint,
         coalesce(t.docs, '[]'::jsonb), coalesce(n.docs, '[]'::jsonb),
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from (select distinct k.id from unnest(ids) k(id) where k.id is not null) k
   cross join lateral (
     (select x.* from app_public.executions x
       where x.id = k.id
         and x.created_at between app_hidden.uuid_v7_time(k.id) - interval '1 hour' and app_hidden.uuid_v7_time(k.id) + interval '1 hour')
     union all
     (select x.* from app_public.executions x where x.id = k.id)
     limit 1) e
   cross join lateral (
     select jsonb_agg(jsonb_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
              'at', to_char(x.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select jsonb_agg(jsonb_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'finished_at', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   order by e.created_at desc, e.id desc;
$$;

comment on function app_private.execution_documents(ids uuid[]) is 'Executions with their transitions and node runs (nested JSON, ordered), timestamps as exact epoch microseconds (top level) or ISO strings with microseconds (nested), newest first; pg_bytes is the PostgreSQL size of the rows (pg_column_size). What the archiver writes and hot reads return. Each id is looked up in the partition of its UUIDv7 time first (one partition probed), then anywhere; its transitions and node runs through their primary key in the partition of the execution.';

-- One append for the events of many archive actions: one stream per team (archive-<team>), in one call of
-- app_private.append_to_streams (the per-action form is app_private.archive_event).
create or replace function app_private.archive_events(events jsonb) returns integer
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
declare
  v_appends jsonb;
  v_n integer;
begin
  select jsonb_agg(jsonb_build_object('stream_id', 'archive-' || g.team_id::text, 'stream_type', 'archive', 'expected_version', null,
           'team_id', (select t.id from app_public.teams t where t.id = g.team_id), 'events', g.events) order by g.team_id::text),
         sum(g.n)::integer
    into v_appends, v_n
    from (select (x.e->>'team_id')::uuid as team_id, count(*) as n,
                 jsonb_agg(jsonb_build_object('type', x.e->>'type',
                   'data', (x.e->'data') || jsonb_build_object('team_id', (x.e->>'team_id')::uuid),
                   'metadata', jsonb_build_object('actor', app_public.current_user_id())) order by x.o) as events
            from jsonb_array_elements(events) with ordinality x(e, o)
           group by 1) g;
  if v_appends is null then
    return 0;
  end if;
  perform 1 from app_private.append_to_streams(v_appends);
  return v_n;
end;
$$;

comment on function app_private.archive_events(events jsonb) is 'Appends the events of many archive actions (a JSON array of {team_id, type, data}) in one call of app_private.append_to_streams: each team''s events, in input order, to its stream archive-<team> (stream_type archive). Returns the number of events.';

revoke all on function app_private.archive_events(jsonb) from public;

-- A group of batches planned by one set-based pass: every due execution numbered within its team and day, cut
-- into batches of max_rows (oldest first), batches taken in (day, team) order while the group holds fewer than
-- group_rows executions (so a group may exceed it by one batch), then one insert of the manifest rows, one of
-- the index (whose statement trigger writes the search statistics of all the batches) and one event append.
create or replace function app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer,
    key_prefix text default 'executions', encrypted boolean default false, only_team_id uuid default null, max_batches integer default null,
    at timestamptz default now())
    returns table(batch_id uuid, team_id uuid, day date, key text, row_count integer, execution_ids uuid[])
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
declare
  v_ids uuid[];
  v_created timestamptz[];
  v_team uuid[];
  v_workflow uuid[];
  v_state text[];
  v_day date[];
  v_chunk integer[];
  v_first date;
  v_last date;
  v_span integer := 1;
  v_lo timestamptz;
  v_hi timestamptz;
  v_due bigint;
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  if group_rows is null or group_rows < 1 then
    raise exception 'group_rows must be positive' using errcode = 'LFVAL', detail = 'field: group_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  if max_batches is not null and max_batches < 1 then
    return;
  end if;
  -- Only the oldest days are read: a window of day partitions from the oldest one, doubled until it holds at
  -- least group_rows due executions (or reaches the newest partition). The group is a prefix in (day, team)
  -- order, so it lies inside such a window, and a run of many groups does not re-read every due row each time.
  select min(substring(c.relname from '_p(\d{8})$')::date), max(substring(c.relname from '_p(\d{8})$')::date)
    into v_first, v_last
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$';
  -- nothing newer than the shortest hot retention anywhere is due: the window need not grow past it
  v_last := least(v_last, ((at - make_interval(days => least(default_hot_days,
    (select min(p.hot_days) from app_public.retention_policies p), (select min(r.hot_days) from app_private.archive_retention r),
    (select min(s.default_hot_days) from app_private.lifecycle_settings s)))) at time zone 'UTC')::date + 1);
  loop
    v_lo := case when v_first is null then '-infinity' else v_first::timestamp at time zone 'UTC' end;
    v_hi := case when v_first is null or v_first + v_span > v_last then 'infinity' else (v_first + v_span)::timestamp at time zone 'UTC' end;
    with due as (
      select d.execution_id, d.created_at, d.team_id, d.workflow_id, d.state, d.day,
             ((row_number() over (partition by d.team_id, d.day order by d.created_at, d.execution_id) - 1) / max_rows)::integer as chunk
        from app_private.lifecycle_archive_due(default_hot_days, only_team_id, at) d
       where d.created_at >= v_lo and d.created_at < v_hi
    ), chunks as (
      select c.team_id, c.day, c.chunk,
             coalesce(sum(count(*)) over (order by c.day, c.team_id::text, c.chunk rows between unbounded preceding and 1 preceding), 0) as rows_before,
             row_number() over (order by c.day, c.team_id::text, c.chunk) as ord
        from due c group by c.team_id, c.day, c.chunk
    )
    select array_agg(d.execution_id), array_agg(d.created_at), array_agg(d.team_id), array_agg(d.workflow_id), array_agg(d.state),
           array_agg(d.day), array_agg(d.chunk), (select count(*) from due)
      into v_ids, v_created, v_team, v_workflow, v_state, v_day, v_chunk, v_due
      from due d join chunks c on c.team_id = d.team_id and c.day = d.day and c.chunk = d.chunk
     where c.rows_before < group_rows and (max_batches is null or c.ord <= max_batches);
    exit when v_due >= group_rows or v_hi = 'infinity';
    v_span := v_span * 2;
  end loop;
  if v_ids is null then
    return;
  end if;
  -- one planner per team at a time (the lock archive_plan_batch takes), in team order; then nothing picked may
  -- have been planned by another planner meanwhile (each statement sees what committed before it)
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || t.id::text))
     from (select distinct x.id from unnest(v_team) x(id) order by x.id) t;
  if exists (select 1 from app_private.archived_executions a where a.execution_id = any(v_ids)) then
    raise exception 'another archive planner planned some of these executions meanwhile' using errcode = 'LFCNF', detail = 'field: team_id';
  end if;
  return query
  with picked as (
    select * from unnest(v_ids, v_created, v_team, v_workflow, v_state, v_day, v_chunk) p(id, created_at, team_id, workflow_id, state, day, chunk)
  ), batches as (
    select p.team_id, p.day, p.chunk, count(*)::integer as n, min(p.created_at) as lo, max(p.created_at) as hi,
           coalesce((select max(b.batch_no) from app_private.archive_batches b where b.team_id = p.team_id and b.day = p.day), 0)
             + dense_rank() over (partition by p.team_id, p.day order by p.chunk) as batch_no
      from picked p group by p.team_id, p.day, p.chunk
  ), ins as (
    insert into app_private.archive_batches (team_id, day, batch_no, key, min_created_at, max_created_at, row_count, encrypted)
    select b.team_id, b.day, b.batch_no,
           format('%s/team_id=%s/date=%s/%s.parquet', key_prefix, b.team_id, to_char(b.day, 'YYYY-MM-DD'), lpad(b.batch_no::text, 6, '0')),
           b.lo, b.hi, b.n, archive_plan_batches.encrypted
      from batches b order by b.day, b.team_id::text, b.chunk
    returning archive_batches.id, archive_batches.team_id, archive_batches.day, archive_batches.batch_no, archive_batches.key,
              archive_batches.row_count
  ), rows as (
    select i.id as batch_id, p.id, p.created_at, p.team_id, p.workflow_id, p.state,
           (row_number() over (partition by i.id order by p.created_at desc, p.id desc) - 1)::integer as row_no
      from picked p
      join batches b on b.team_id = p.team_id and b.day = p.day and b.chunk = p.chunk
      join ins i on i.team_id = b.team_id and i.day = b.day and i.batch_no = b.batch_no
  ), idx as (
    insert into app_private.archived_executions (execution_id, created_at, batch_id, row_no, team_id, workflow_id, state)
    select r.id, r.created_at, r.batch_id, r.row_no, r.team_id, r.workflow_id, r.state from rows r
  )
  select i.id, i.team_id, i.day, i.key, i.row_count,
         (select array_agg(r.id order by r.row_no) from rows r where r.batch_id = i.id)
    from ins i join batches b on b.team_id = i.team_id and b.day = i.day and b.batch_no = i.batch_no
   order by b.day, b.team_id::text, b.chunk;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', b.team_id, 'type', 'ArchiveBatchPlanned',
             'data', jsonb_build_object('batch_id', b.id, 'key', b.key, 'day', b.day, 'row_count', b.row_count)) order by b.day, b.team_id::text, b.batch_no)
      from app_private.archive_batches b
     where b.id in (select a.batch_id from app_private.archived_executions a where a.execution_id = any(v_ids))));
end;
$$;

comment on function app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamptz) is 'Plans a group of batches in one pass: the executions due at `at` (default now(); never in the future: LFVAL field at) under the retention policies (app_private.lifecycle_archive_due, default_hot_days the fallback; only one team when only_team_id is given) are cut per team and UTC day into batches of up to max_rows (oldest first), and batches are taken in (day, team) order while the group holds fewer than group_rows executions (a group may exceed it by one batch), at most max_batches. Each becomes a manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet, batch_no the next of its team and day) with its index rows (row number newest first) and an ArchiveBatchPlanned event. Returns the batches in plan order with their execution ids in row order; none when nothing is due. Raises LFCNF when another planner planned some of the same executions meanwhile.';

revoke all on function app_private.archive_plan_batches(integer, integer, integer, text, boolean, uuid, integer, timestamptz) from public;

-- The search statistics of a statement that indexes many batches at once (app_private.archive_plan_batches):
-- each row's terms are computed once and grouped by batch. The earlier form computed, for every batch, the
-- terms of every new row and kept its own (5,000 rows in 10 batches: 2.8 s, ten times the work).
create or replace function app_private.tg_archived_executions__search_stats() returns trigger
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
begin
  insert into app_private.archive_batch_search_stats (team_id, batch_id, workflow_ids, states, trigger_types, min_attempt, max_attempt,
      min_duration_ms, max_duration_ms, term_count, bloom)
  select s.team_id, s.batch_id, s.workflow_ids, s.states, s.trigger_types, s.min_attempt, s.max_attempt, s.min_d, s.max_d,
         coalesce(cardinality(t.terms), 0), app_hidden.bloom_build(coalesce(t.terms, '{}'))
    from (select n.batch_id, min(n.team_id::text)::uuid as team_id, array_agg(distinct e.workflow_id) as workflow_ids,
                 array_agg(distinct e.state) as states, array_agg(distinct e.trigger_type) as trigger_types,
                 min(e.attempt) as min_attempt, max(e.attempt) as max_attempt, min(e.duration_ms) as min_d, max(e.duration_ms) as max_d
            from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at
           group by n.batch_id) s
    left join (
      select n.batch_id, array_agg(distinct x) as terms
        from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at,
             lateral (select app_hidden.jsonb_search_terms('input', e.input)
                      union all select app_hidden.jsonb_search_terms('output', e.output)
                      union all select app_hidden.jsonb_search_terms('error', e.error)
                      union all select app_hidden.text_trigram_terms(app_hidden.execution_error_text(e.error))) terms(x)
       group by n.batch_id) t on t.batch_id = s.batch_id
  on conflict (team_id, batch_id) do nothing;
  return null;
end;
$$;

comment on function app_private.tg_archived_executions__search_stats() is 'Writes the search statistics of newly planned batches (archive_batch_search_stats) from their still-hot rows, each row''s terms computed once for all the batches of the statement.';

-- planned -> uploaded for a group of batches in one statement each: lock, check, update, one event append.
create or replace function app_private.archive_mark_batches_uploaded(batches jsonb) returns integer
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
declare
  v_bad record;
  v_n integer;
begin
  if batches is null or jsonb_typeof(batches) <> 'array' then
    raise exception 'batches must be a JSON array' using errcode = 'LFVAL', detail = 'field: batches';
  end if;
  create temporary table if not exists archive_mark_rows (batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer,
    node_run_count integer, actor_ids uuid[]) on commit drop;
  truncate archive_mark_rows;
  insert into archive_mark_rows
  select r.batch_id, r.bytes, r.sha256, r.pg_bytes, r.transition_count, r.node_run_count, r.actor_ids
    from jsonb_to_recordset(batches) r(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]);
  perform 1 from app_private.archive_batches x where x.id in (select m.batch_id from archive_mark_rows m) order by x.id for update of x;
  select m.batch_id, x.state into v_bad
    from archive_mark_rows m left join app_private.archive_batches x on x.id = m.batch_id
   where x.id is null or x.state not in ('planned', 'uploaded') limit 1;
  if found and v_bad.state is null then
    raise exception 'archive batch % not found', v_bad.batch_id using errcode = 'LFNTF';
  elsif found then
    raise exception 'archive batch % is %', v_bad.batch_id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  end if;
  update app_private.archive_batches x
     set state = 'uploaded', bytes = m.bytes, sha256 = m.sha256, pg_bytes = m.pg_bytes, transition_count = m.transition_count,
         node_run_count = m.node_run_count, actor_ids = coalesce(m.actor_ids, '{}'), uploaded_at = now(), updated_at = now()
    from archive_mark_rows m where x.id = m.batch_id;
  get diagnostics v_n = row_count;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchUploaded',
             'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'bytes', m.bytes, 'sha256', m.sha256, 'pg_bytes', m.pg_bytes)) order by o.ord)
      from jsonb_array_elements(batches) with ordinality o(e, ord)
      join archive_mark_rows m on m.batch_id = (o.e->>'batch_id')::uuid
      join app_private.archive_batches x on x.id = m.batch_id));
  return v_n;
end;
$$;

comment on function app_private.archive_mark_batches_uploaded(batches jsonb) is 'app_private.archive_mark_uploaded for many batches at once (a JSON array of {batch_id, bytes, sha256, pg_bytes, transition_count, node_run_count, actor_ids}): all or nothing, one ArchiveBatchUploaded event per batch. Refuses with LFNTF (unknown batch) or LFSTA (a batch neither planned nor uploaded). Returns the number of batches.';

revoke all on function app_private.archive_mark_batches_uploaded(jsonb) from public;

-- uploaded -> verified for a group of batches.
create or replace function app_private.archive_mark_batches_verified(batches jsonb) returns integer
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
declare
  v_bad record;
  v_n integer;
begin
  if batches is null or jsonb_typeof(batches) <> 'array' then
    raise exception 'batches must be a JSON array' using errcode = 'LFVAL', detail = 'field: batches';
  end if;
  perform 1 from app_private.archive_batches x
    where x.id in (select (e->>'batch_id')::uuid from jsonb_array_elements(batches) e) order by x.id for update of x;
  select r.batch_id, r.row_count, r.sha256, x.id as found_id, x.state, x.row_count as manifest_rows, x.sha256 as manifest_sha256 into v_bad
    from jsonb_to_recordset(batches) r(batch_id uuid, row_count integer, sha256 text)
    left join app_private.archive_batches x on x.id = r.batch_id
   where x.id is null or x.state <> 'uploaded' or x.row_count is distinct from r.row_count or x.sha256 is distinct from r.sha256
   order by (x.id is null) desc, (x.state <> 'uploaded') desc limit 1;
  if found and v_bad.found_id is null then
    raise exception 'archive batch % not found', v_bad.batch_id using errcode = 'LFNTF';
  elsif found and v_bad.state <> 'uploaded' then
    raise exception 'archive batch % is %', v_bad.batch_id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  elsif found then
    raise exception 'archive batch % failed verification', v_bad.batch_id using errcode = 'LFVAL',
      detail = format('field: row_count expected %s/%s got %s/%s', v_bad.manifest_rows, v_bad.manifest_sha256, v_bad.row_count, v_bad.sha256);
  end if;
  update app_private.archive_batches x set state = 'verified', verified_at = now(), updated_at = now()
    from jsonb_to_recordset(batches) r(batch_id uuid) where x.id = r.batch_id;
  get diagnostics v_n = row_count;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchVerified',
             'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'row_count', x.row_count, 'sha256', x.sha256)) order by o.ord)
      from jsonb_array_elements(batches) with ordinality o(e, ord)
      join app_private.archive_batches x on x.id = (o.e->>'batch_id')::uuid));
  return v_n;
end;
$$;

comment on function app_private.archive_mark_batches_verified(batches jsonb) is 'app_private.archive_mark_verified for many batches at once (a JSON array of {batch_id, row_count, sha256} read back from the stored files): all or nothing, one ArchiveBatchVerified event per batch. Refuses with LFNTF (unknown batch), LFSTA (a batch not uploaded) or LFVAL (row count or sha256 differ from the manifest). Returns the number of batches.';

revoke all on function app_private.archive_mark_batches_verified(jsonb) from public;

-- The hot rows of many verified batches deleted by one statement (transitions and node runs by cascade).
create or replace function app_private.archive_delete_batches(batch_ids uuid[]) returns table(batch_id uuid, deleted boolean)
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $$
declare
  v_bad record;
  v_ok uuid[];
  v_events integer;
begin
  perform 1 from app_private.archive_batches x where x.id = any(batch_ids) order by x.id for update of x;
  select k.id, x.id as found_id, x.state into v_bad
    from unnest(batch_ids) k(id) left join app_private.archive_batches x on x.id = k.id
   where x.id is null or x.state not in ('verified', 'deleted') order by (x.id is null) desc limit 1;
  if found and v_bad.found_id is null then
    raise exception 'archive batch % not found', v_bad.id using errcode = 'LFNTF';
  elsif found then
    raise exception 'archive batch % is %', v_bad.id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  end if;
  -- batches a legal hold covers keep their rows (served hot)
  select coalesce(array_agg(x.id), '{}') into v_ok
    from app_private.archive_batches x
   where x.id = any(batch_ids) and x.state = 'verified'
     and not exists (select 1 from app_private.archived_executions a
                      where a.batch_id = x.id and app_private.archive_is_held(a.team_id, a.workflow_id, a.execution_id));
  with gone as (
    delete from app_public.executions e
     using app_private.archived_executions a
     where a.batch_id = any(v_ok) and e.id = a.execution_id and e.created_at = a.created_at
    returning a.batch_id
  ), counts as (
    select g.batch_id, count(*) as n from gone g group by g.batch_id
  ), marked as (
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now()
     where x.id = any(v_ok)
    returning x.id, x.team_id, x.key
  )
  select app_private.archive_events(jsonb_agg(jsonb_build_object('team_id', m.team_id, 'type', 'ArchiveBatchDeleted',
           'data', jsonb_build_object('batch_id', m.id, 'key', m.key, 'mode', 'rows', 'hot_rows_deleted', coalesce(c.n, 0)))
           order by array_position(batch_ids, m.id)))
    into v_events
    from marked m left join counts c on c.batch_id = m.id;
  return query
  select k.id, x.state = 'deleted' from unnest(batch_ids) with ordinality k(id, ord) join app_private.archive_batches x on x.id = k.id order by k.ord;
end;
$$;

comment on function app_private.archive_delete_batches(batch_ids uuid[]) is 'app_private.archive_delete_batch for many batches at once: the hot rows of every verified batch no legal hold covers are deleted by one statement (transitions and node runs by cascade) and the batches marked deleted, one ArchiveBatchDeleted event (mode rows) each. Held batches keep their rows (deleted false); already deleted ones answer true. Refuses with LFNTF (unknown batch) or LFSTA (a batch not verified). Returns one row per batch, in input order.';

revoke all on function app_private.archive_delete_batches(uuid[]) from public;

-- What the archiver writes, read per batch: the index gives each execution's partition key (created_at), batch and
-- row, so executions are found by their primary key and nothing is sorted here (the caller orders by row_no).
-- The nested history is built as json (text), which costs about half of jsonb for the same documents (5,000
-- executions with 10 node runs each: 0.7-0.9 s against 1.7-2.4 s); readers parse either.
create or replace function app_private.archive_batch_documents(batch_ids uuid[]) returns table(batch_id uuid, row_no integer, id uuid,
    team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb,
    error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint,
    duration_ms bigint, updated_at bigint, transitions json, node_runs json, transition_count integer, node_run_count integer,
    actor_ids uuid[], pg_bytes bigint)
    language sql stable
    set search_path to 'pg_catalog'
    as $$
  select a.batch_id, a.row_no, e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         (extract(epoch from e.created_at) * 1000000)::bigint, (extract(epoch from e.started_at) * 1000000)::bigint,
         (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint,
         coalesce(t.docs, '[]'::json), coalesce(n.docs, '[]'::json), t.n::integer, n.n::integer, t.actors,
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from app_private.archived_executions a
    join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
   cross join lateral (
     select json_agg(json_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
              'at', to_char(x.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            count(*) as n, array_agg(distinct x.actor_id) filter (where x.actor_id is not null) as actors,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select json_agg(json_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'finished_at', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            count(*) as n, sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   where a.batch_id = any(batch_ids);
$$;

comment on function app_private.archive_batch_documents(batch_ids uuid[]) is 'The hot executions of planned batches as the archiver writes them: each with its batch and row number, transitions and node runs as nested JSON (ordered; timestamps as ISO strings with microseconds), top-level timestamps as exact epoch microseconds, the nested row counts, the transitions'' actors and pg_bytes (the PostgreSQL size of the rows, pg_column_size). Rows come in no particular order: order by row_no. An execution of a batch that is no longer hot is absent.';

revoke all on function app_private.archive_batch_documents(uuid[]) from public;

-- A day's partitions of execution_node_runs and execution_transitions are dropped without a detach first (they
-- reference executions, nothing references them: dropping a partition detaches it, and each separate DETACH
-- cost 90-140 ms on a parent with about 70 partitions), then the partition of executions is detached (the
-- check that nothing references it needs the detach) and dropped; the day's batches are marked deleted by one
-- statement with one event append.
create or replace function app_private.archive_drop_partitions(before_day date, max_days integer default 3) returns table(day date, batches integer)
    language plpgsql volatile
    set search_path to 'pg_catalog'
    as $_$
declare
  v_day date;
  v_part text;
  v_runs text;
  v_transitions text;
  v_left bigint;
  v_ids uuid[];
  v_lock_timeout text := current_setting('lock_timeout');
begin
  for v_day in
    select substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$'
     order by 1
  loop
    exit when v_day >= before_day or coalesce(max_days, 3) <= 0;
    max_days := coalesce(max_days, 3) - 1;
    v_part := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.executions'::regclass, v_day));
    v_runs := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    v_transitions := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    -- Every lock the drop needs, first and at once (the parents, then the day's partitions), waiting at most
    -- linkflow.archive_drop_lock_timeout (a session setting; default 500 ms): a reader or
    -- writer of those tables is never deadlocked by the drop, nor queued behind it for longer; when the locks are
    -- not had in time the day stays for the next run (its rows are deleted by batch meanwhile). The check below
    -- then runs under the lock, so no row (a restore, say) can arrive between the check and the drop.
    begin
      perform set_config('lock_timeout', coalesce(nullif(current_setting('linkflow.archive_drop_lock_timeout', true), ''), '500ms'), true);
      execute format('lock table only app_public.executions, only app_public.execution_transitions, only app_public.execution_node_runs, %s, %s, %s in access exclusive mode',
        v_part, v_transitions, v_runs);
      perform set_config('lock_timeout', v_lock_timeout, true);
    exception when lock_not_available then
      perform set_config('lock_timeout', v_lock_timeout, true);
      raise notice 'archive_drop_partitions: the partitions of % are in use; left for the next run', v_day;
      exit;
    end;
    -- every row must belong to a verified batch that no legal hold covers
    execute format($q$
      select count(*) from %s e
       where not exists (select 1 from app_private.archived_executions a
                           join app_private.archive_batches bb on bb.id = a.batch_id and bb.state = 'verified'
                          where a.execution_id = e.id)
          or app_private.archive_is_held(e.team_id, e.workflow_id, e.id)$q$, v_part) into v_left;
    exit when v_left > 0;
    execute format('select coalesce(array_agg(distinct a.batch_id), ''{}'') from %s e join app_private.archived_executions a on a.execution_id = e.id', v_part)
      into v_ids;
    -- a batch may span only this day (batches are per team and day), so all its rows are in this partition
    perform 1 from app_private.archive_batches x where x.id = any(v_ids) order by x.id for update;
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = any(v_ids);
    perform app_private.archive_events((
      select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchDeleted',
               'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'mode', 'partition', 'day', v_day)) order by x.id)
        from app_private.archive_batches x where x.id = any(v_ids)));
    execute format('drop table %s, %s', v_runs, v_transitions);
    execute format('alter table app_public.executions detach partition %s', v_part);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$_$;
comment on function app_private.archive_drop_partitions(date, integer) is 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, detaches and drops that day''s partitions of executions, execution_transitions and execution_node_runs and marks the batches deleted, instead of deleting rows. Takes every lock it needs first, at once, waiting at most linkflow.archive_drop_lock_timeout (default 500 ms): readers and writers are never deadlocked by it nor queued behind it for longer; a day whose tables are in use is left for the next run (RAISE NOTICE). The check runs under the lock. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

-- Cold expiry as of a time (the retention pass's), like the planning above.
drop function if exists app_private.archive_expire_batches(integer, integer);
create or replace function app_private.archive_expire_batches(default_cold_days integer, max_batches integer default 1000, at timestamptz default now())
    returns table(batch_id uuid, key text)
    language plpgsql
    set search_path to 'pg_catalog'
    as $$
declare
  b record;
begin
  perform app_private.lifecycle_assert_as_of(at);
  for b in
    select x.id, x.team_id, x.key from app_private.archive_batches x
     where x.id in (select d.batch_id from app_private.lifecycle_expire_due(default_cold_days, null, at) d)
     order by x.max_created_at
     limit max_batches
     for update of x skip locked
  loop
    continue when app_private.archive_batch_is_held(b.id);
    update app_private.archive_batches x set state = 'expired', expired_at = now(), updated_at = now() where x.id = b.id and x.state = 'deleted';
    continue when not found;
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'expired') on conflict do nothing;
    perform app_private.archive_event(b.team_id, 'ArchiveBatchExpired', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;
comment on function app_private.archive_expire_batches(integer, integer, timestamptz) is 'Cold retention: batches due at `at` (default now(); never in the future) under the retention policies (app_private.lifecycle_expire_due; default_cold_days is the fallback) that no legal hold covers become expired; their files are queued for deletion; manifest entries (and the index) are kept.';
revoke all on function app_private.archive_expire_batches(integer, integer, timestamptz) from public;

--! split: 850-lifecycle.sql
-- A retention pass can run "as of" the time its dry run was taken, so the pass applies exactly the plan
-- (executions are dense in time: a cutoff moving between the plan and the pass would take a few more).

drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid);

create or replace function app_private.lifecycle_assert_as_of(at timestamptz) returns void
  language plpgsql stable set search_path to pg_catalog as $$
begin
  if at is null or at > now() then
    raise exception 'the as-of time of a retention step must be given and not lie in the future' using errcode = 'LFVAL', detail = 'field: at';
  end if;
end;
$$;
comment on function app_private.lifecycle_assert_as_of(timestamptz) is
  'Raises LFVAL (field: at) unless at is given and not after now(): retention steps may run as of the time a dry run was taken, never ahead of time.';
revoke all on function app_private.lifecycle_assert_as_of(timestamptz) from public;

create or replace function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000,
    only_team_id uuid default null, at timestamptz default now())
  returns table(team_id uuid, node_runs integer, bytes_freed bigint)
  language plpgsql set search_path to pg_catalog as $$
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
     order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
     limit max_rows
  ), upd as (
    update app_public.execution_node_runs n set output = d.new_output
      from due d
     where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
       and n.node_name = d.node_name and n.attempt = d.attempt
    returning n.team_id, d.bytes_freed
  )
  select u.team_id, count(*)::integer, sum(u.bytes_freed)::bigint from upd u group by u.team_id;
end;
$$;
comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) is
  'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';
revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) from public;
