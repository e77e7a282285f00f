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
