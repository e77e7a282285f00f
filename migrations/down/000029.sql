-- Down of migration 000029: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz);
drop function if exists app_private.lifecycle_assert_as_of(timestamptz);

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer DEFAULT 5000, only_team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(team_id uuid, node_runs integer, bytes_freed bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id) d
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

COMMENT ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid) IS 'Trims up to max_rows node-run outputs due under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';
revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid) from public;

--! split: 800-archive.sql
drop function if exists app_private.archive_expire_batches(integer, integer, timestamptz);
CREATE OR REPLACE FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer DEFAULT 1000) RETURNS TABLE(batch_id uuid, key text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b record;
begin
  for b in
    select x.id, x.team_id, x.key from app_private.archive_batches x
     where x.id in (select d.batch_id from app_private.lifecycle_expire_due(default_cold_days) d)
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

COMMENT ON FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer) IS 'Cold retention: batches due under the retention policies (app_private.lifecycle_expire_due; default_cold_days is the fallback) that no legal hold covers become expired; their files are queued for deletion; manifest entries (and the index) are kept.';

revoke all on function app_private.archive_expire_batches(integer, integer) from public;

-- reverse of migrations/current/800-archive.sql
drop function if exists app_private.archive_batch_documents(uuid[]);
drop function if exists app_private.archive_delete_batches(uuid[]);
drop function if exists app_private.archive_mark_batches_verified(jsonb);
drop function if exists app_private.archive_mark_batches_uploaded(jsonb);
drop function if exists app_private.archive_plan_batches(integer, integer, integer, text, boolean, uuid, integer, timestamptz);
drop function if exists app_private.archive_events(jsonb);

CREATE OR REPLACE FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer DEFAULT 3) RETURNS TABLE(day date, batches integer)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_day date;
  v_part text;
  v_left bigint;
  v_ids uuid[];
  b record;
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
    for b in select x.id, x.team_id, x.key from app_private.archive_batches x where x.id = any(v_ids) order by x.id for update loop
      update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = b.id;
      perform app_private.archive_event(b.team_id, 'ArchiveBatchDeleted',
        jsonb_build_object('batch_id', b.id, 'key', b.key, 'mode', 'partition', 'day', v_day));
    end loop;
    execute format('alter table app_public.execution_node_runs detach partition app_partitions.%I',
      app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    execute format('drop table app_partitions.%I', app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    execute format('alter table app_public.execution_transitions detach partition app_partitions.%I',
      app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    execute format('drop table app_partitions.%I', app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    execute format('alter table app_public.executions detach partition %s', v_part);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$_$;

COMMENT ON FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer) IS 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, detaches and drops that day''s partitions of executions, execution_transitions and execution_node_runs and marks the batches deleted, instead of deleting rows. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

CREATE OR REPLACE FUNCTION app_private.tg_archived_executions__search_stats() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_private.archive_batch_search_stats (team_id, batch_id, workflow_ids, states, trigger_types, min_attempt, max_attempt,
      min_duration_ms, max_duration_ms, term_count, bloom)
  select s.team_id, s.batch_id, s.workflow_ids, s.states, s.trigger_types, s.min_attempt, s.max_attempt, s.min_d, s.max_d,
         coalesce(cardinality(t.terms), 0), app_hidden.bloom_build(t.terms)
    from (select n.batch_id, min(n.team_id::text)::uuid as team_id, array_agg(distinct e.workflow_id) as workflow_ids,
                 array_agg(distinct e.state) as states, array_agg(distinct e.trigger_type) as trigger_types,
                 min(e.attempt) as min_attempt, max(e.attempt) as max_attempt, min(e.duration_ms) as min_d, max(e.duration_ms) as max_d
            from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at
           group by n.batch_id) s
    cross join lateral (
      select array(select distinct x from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at,
                   lateral (select app_hidden.jsonb_search_terms('input', e.input)
                            union all select app_hidden.jsonb_search_terms('output', e.output)
                            union all select app_hidden.jsonb_search_terms('error', e.error)
                            union all select app_hidden.text_trigram_terms(app_hidden.execution_error_text(e.error))) terms(x)
                    where n.batch_id = s.batch_id) as terms) t
  on conflict (team_id, batch_id) do nothing;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_archived_executions__search_stats() IS 'Writes the search statistics of newly planned batches (archive_batch_search_stats) from their still-hot rows.';

CREATE OR REPLACE FUNCTION app_private.execution_documents(ids uuid[]) RETURNS TABLE(id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint, transitions jsonb, node_runs jsonb, pg_bytes bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  with e as materialized (
    select x.*
      from (select distinct k.id from unnest(ids) k(id) where k.id is not null) k
     cross join lateral (
       (select x.* from app_public.executions x
         where x.id = k.id
           and x.created_at between app_hidden.uuid_v7_time(k.id) - interval '1 hour' and app_hidden.uuid_v7_time(k.id) + interval '1 hour')
       union all
       (select x.* from app_public.executions x where x.id = k.id)
       limit 1) x
  ), bounds as materialized (
    select min(e.created_at) as lo, max(e.created_at) as hi from e
  ), t as (
    select x.execution_id,
           jsonb_agg(jsonb_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
             'at', app_private.archive_iso(x.at), 'actor_id', x.actor_id, 'reason', x.reason, 'details', x.details)
             order by x.seq) as docs,
           sum(pg_column_size(x.*))::bigint as bytes
      from app_public.execution_transitions x
     where x.execution_created_at >= (select lo from bounds) and x.execution_created_at <= (select hi from bounds)
       and x.execution_id in (select e.id from e)
     group by x.execution_id
  ), n as (
    select r.execution_id,
           jsonb_agg(jsonb_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt,
             'status', r.status, 'started_at', app_private.archive_iso(r.started_at),
             'finished_at', app_private.archive_iso(r.finished_at), 'output', r.output, 'error', r.error)
             order by r.node_name, r.attempt) as docs,
           sum(pg_column_size(r.*))::bigint as bytes
      from app_public.execution_node_runs r
     where r.execution_created_at >= (select lo from bounds) and r.execution_created_at <= (select hi from bounds)
       and r.execution_id in (select e.id from e)
     group by r.execution_id
  )
  select e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         app_private.archive_micros(e.created_at), app_private.archive_micros(e.started_at),
         app_private.archive_micros(e.finished_at), e.duration_ms, app_private.archive_micros(e.updated_at),
         coalesce(t.docs, '[]'::jsonb), coalesce(n.docs, '[]'::jsonb),
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from e
    left join t on t.execution_id = e.id
    left join n on n.execution_id = e.id
   order by e.created_at desc, e.id desc;
$$;

COMMENT ON FUNCTION app_private.execution_documents(ids uuid[]) IS 'Executions with their transitions and node runs (nested JSON, ordered), timestamps as exact epoch microseconds (top level) or ISO strings with microseconds (nested), newest first; pg_bytes is the PostgreSQL size of the rows (pg_column_size). What the archiver writes and hot reads return. Each id is looked up in the partition of its UUIDv7 time first (one partition probed), then anywhere.';

--! split: 500-executions.sql
CREATE OR REPLACE FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  pred text := app_hidden.execution_search_predicate(query);
  lk text;
  lv text;
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  -- A label equality drives the search from the labels index (newest first), each execution fetched by its
  -- key (one partition per probe); the subquery fence keeps the planner from turning it into a hash join that
  -- reads the team's every execution.
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    return query execute format(
      'select e.* from (select l.execution_id, l.execution_created_at from app_public.execution_labels l
                         where l.team_id = $1 and l.key = %L and l.value = %L and l.execution_created_at <= $2
                           and (l.execution_created_at, l.execution_id) < ($2, $3)) k
         cross join lateral (select x.* from app_public.executions x
                              where x.id = k.execution_id and x.created_at = k.execution_created_at offset 0) e
        where e.team_id = $1 and (e.created_at, e.id) < ($2, $3) and %s
        order by e.created_at desc, e.id desc limit $4', lk, lv, pred)
      using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
    return;
  end if;
  -- one plan per query shape, made with its values (partition pruning by the time bounds and the cursor)
  return query execute format(
    'select e.* from app_public.executions e
      where e.team_id = $1 and e.created_at <= $2 and (e.created_at, e.id) < ($2, $3) and %s
      order by e.created_at desc, e.id desc limit $4', pred)
    using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
end;
$_$;

COMMENT ON FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). Owner only: callers authorise.';

--! split: 400-events.sql
-- Reverse of migrations/current/400-events.sql.
drop function if exists app_private.projection_shadow_indexes(text[], boolean);

CREATE OR REPLACE FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  -- 1. execution counters and the newest execution created in the batch
  execute format($q$
    with ev as (
      select e.global_position as pos, e.type, e.data, e.team_id
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('ExecutionCreated', 'ExecutionStateChanged')
    ), agg as (
      select (data->>'workflow_id')::uuid as wid, (max(coalesce(data->>'team_id', team_id::text)))::uuid as team_id,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'succeeded') as succeeded,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'cancelled') as cancelled
        from ev group by 1
    ), newest as (
      select distinct on ((data->>'workflow_id')::uuid) (data->>'workflow_id')::uuid as wid,
             (data->>'execution_id')::uuid as eid, (data->>'created_at')::timestamptz as at, data->>'state' as state
        from ev where type = 'ExecutionCreated'
       order by (data->>'workflow_id')::uuid, (data->>'created_at')::timestamptz desc, pos desc
    )
    insert into %1$s as t (workflow_id, team_id, execution_count, succeeded_count, failed_count, cancelled_count,
                           last_execution_id, last_execution_at, last_execution_state, last_execution_seq)
    select a.wid, a.team_id, a.created, a.succeeded, a.failed, a.cancelled, n.eid, n.at, n.state, 0
      from agg a left join newest n on n.wid = a.wid
     where a.wid is not null
    on conflict (workflow_id) do update set
      execution_count = t.execution_count + excluded.execution_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      last_execution_id = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_id else t.last_execution_id end,
      last_execution_state = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_state else t.last_execution_state end,
      last_execution_seq = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end,
      last_execution_at = greatest(excluded.last_execution_at, t.last_execution_at)
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 2. the last execution's newest state
  execute format($q$
    with last_move as (
      select distinct on ((e.data->>'execution_id')::uuid) (e.data->>'execution_id')::uuid as eid,
             e.data->>'to_state' as state, (e.data->>'seq')::integer as seq
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'ExecutionStateChanged'
       order by (e.data->>'execution_id')::uuid, (e.data->>'seq')::integer desc
    )
    update %1$s t set last_execution_state = m.state, last_execution_seq = m.seq
      from last_move m
     where t.last_execution_id = m.eid and m.seq > t.last_execution_seq
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 3. workflow state, guarded by stream version: the newest full state (created/saved), then a newer status
  -- change, then deletion
  execute format($q$
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, created_at, updated_at)
    select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid, coalesce((e.data->>'team_id')::uuid, e.team_id),
           e.data->>'name', e.data->>'status', (e.data->>'version')::integer, e.stream_version,
           min(e.created_at) filter (where e.type = 'WorkflowCreated') over (partition by (e.data->>'workflow_id')::uuid), e.created_at
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved')
     order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    on conflict (workflow_id) do update set
      name = excluded.name, status = excluded.status, version = excluded.version, stream_version = excluded.stream_version,
      created_at = coalesce(t.created_at, excluded.created_at), updated_at = excluded.updated_at
    where t.stream_version < excluded.stream_version
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    with st as (
      select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid as wid, e.data, e.stream_version as sv, e.created_at
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'WorkflowStatusChanged'
       order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    )
    update %1$s t set status = st.data->>'status', version = coalesce((st.data->>'version')::integer, t.version),
           stream_version = st.sv, updated_at = st.created_at
      from st where t.workflow_id = st.wid and t.stream_version < st.sv
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    delete from %1$s t using app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type = 'WorkflowDeleted' and t.workflow_id = (e.data->>'workflow_id')::uuid
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

COMMENT ON FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) IS 'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based.';

alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) reset work_mem;
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) reset jit;
alter function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint) reset jit;

--! split: 300-workflows.sql
-- The reverse of migrations/current/300-workflows.sql: the function bodies from data/schema.sql (scripts/restore-body.ts).
CREATE OR REPLACE FUNCTION app_private.uuid_generate_v7_series(n integer) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  -- the bits of app_public.uuid_generate_v7(), for n rows in one call (that function is one SQL-function
  -- call per row: about 40% of inserting 200 nodes went there)
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid
    from pg_catalog.generate_series(1, n);
$$;

COMMENT ON FUNCTION app_private.uuid_generate_v7_series(n integer) IS 'n time-ordered UUIDs (version 7, as app_public.uuid_generate_v7()) in one call, for set-based inserts of many rows.';

CREATE OR REPLACE FUNCTION app_private.tg_workflow_graph__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_keys text[];
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || n.workflow_id::text) into v_keys from new_rows n;
  elsif tg_op = 'UPDATE' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || r.workflow_id::text) into v_keys
      from (select n.workflow_id from new_rows n union all select o.workflow_id from old_rows o) r;
  else
    select pg_catalog.array_agg(distinct 'workflows:graph:' || o.workflow_id::text) into v_keys from old_rows o;
  end if;
  if v_keys is not null then
    perform app_private.enqueue_cache_invalidation(v_keys, '{}');
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_cache() IS 'Trigger (AFTER, statement level, transition tables) on workflow_nodes, workflow_connections and workflow_triggers: enqueues invalidation of workflows:graph:<workflow_id> of the changed rows, computed from the column (the generic tg__invalidate_cache goes through jsonb per row).';

CREATE OR REPLACE FUNCTION app_private.tg_workflow_graph__invalidate_document() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from app_private.workflow_graph_documents g where g.workflow_id in (select o.workflow_id from old_rows o);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    delete from app_private.workflow_graph_documents g where g.workflow_id in (select n.workflow_id from new_rows n);
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_document() IS 'Statement trigger on the graph tables: drops the graph documents of the workflows whose nodes, connections or triggers changed, so a document is never stale (the workflow functions rebuild it at the end of their write).';

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
only when it has rows; an unchanged graph writes nothing. changed: whether any row was written. When something changed or
build_document is true, nodes/connections/triggers are the GetWithNodes document''s parts (with ids), built from the snapshot.';

--! split: 200-users.sql
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
