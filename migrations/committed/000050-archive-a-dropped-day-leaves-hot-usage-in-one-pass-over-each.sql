--! Previous: sha1:a81ba5bc3d0914d73eff2555eaf2c000213bebc8
--! Hash: sha1:e23d1c4c0686dbb918700cb867b75dc2a60cfb91
--! Message: Archive: a dropped day leaves hot usage in one pass over each of its partitions (archive_subtract_hot_usage_of_day) instead of one join per batch in the batches' usage trigger; bloom_positions inlinable (no SET clause, not STRICT)

--! split: 550-search.sql
-- Search: bloom_positions inlinable (no SET clause; every name schema-qualified, every operator explicit and
-- parenthesized; not STRICT, which keeps a set-returning function from being inlined: a null argument
-- gives no rows by the WHERE clause, as STRICT did): with the SET clause each call ran as a separate query, once per term of every batch the
-- archiver plans (about 226,000 calls per 100,000 executions) and once per term of a cold search's probe.

create or replace function app_hidden.bloom_positions(term text, bits integer) returns setof integer
  language sql immutable parallel safe
as $$
  select ((((((pg_catalog.hashtextextended(term, 0) operator(pg_catalog.%) bits)
               operator(pg_catalog.+) (i operator(pg_catalog.*) (pg_catalog.hashtextextended(term, 17) operator(pg_catalog.%) bits)))
              operator(pg_catalog.%) bits) operator(pg_catalog.+) bits) operator(pg_catalog.%) bits))::pg_catalog.int4
    from pg_catalog.generate_series(0, 3) i
   where term is not null and bits is not null;
$$;
comment on function app_hidden.bloom_positions(text, integer) is 'The 4 bit positions (double hashing) of a term in a bloom filter of the given size. No rows for a null argument. Inlinable (no SET clause, not STRICT; every name schema-qualified).';

--! split: 800-archive.sql
-- Archive: a dropped day leaves hot usage in one pass per partition (not one join per batch)

create or replace function app_private.archive_subtract_hot_usage_of_day(day date) returns void
  language plpgsql volatile
  set search_path to 'pg_catalog'
as $$
declare
  v_from timestamptz := day::timestamp at time zone 'UTC';
  v_to timestamptz := (day + 1)::timestamp at time zone 'UTC';
begin
  -- literal bounds: each scan is pruned to the day's partition when planned
  execute format($q$
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes)
    select x.team_id, -sum(x.n), -sum(x.b)
      from (select e.team_id, 1 as n, app_private.execution_bytes(e.*) as b
              from app_public.executions e where e.created_at >= %1$L and e.created_at < %2$L
            union all
            select t.team_id, 0, app_private.execution_transition_bytes(t.*)
              from app_public.execution_transitions t where t.execution_created_at >= %1$L and t.execution_created_at < %2$L
            union all
            select r.team_id, 0, app_private.execution_node_run_bytes(r.*)
              from app_public.execution_node_runs r where r.execution_created_at >= %1$L and r.execution_created_at < %2$L) x
     group by x.team_id
    having sum(x.n) <> 0 or sum(x.b) <> 0$q$, v_from, v_to);
end;
$$;
comment on function app_private.archive_subtract_hot_usage_of_day(date) is 'Subtracts from hot usage (app_hidden.team_usage_deltas: hot_executions, hot_bytes) every execution, transition and node run of one UTC day, per team, by the same byte rules as the row triggers (execution_bytes, execution_transition_bytes, execution_node_run_bytes): one pass over each of the day''s partitions. archive_drop_partitions calls it before it drops the day (DROP TABLE fires no delete trigger).';

CREATE OR REPLACE FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer DEFAULT 3)
 RETURNS TABLE(day date, batches integer)
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog'
 SET jit TO 'off'
AS $function$
declare
  v_day date;
  v_part text;
  v_runs text;
  v_transitions text;
  v_busy boolean;
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
    -- every row must belong to a verified batch that no legal hold covers: one pass over the day's rows, each found
    -- in the index by its primary key (so no estimate of the batches can turn it into a nested rescan), which also
    -- yields the day's batches; then the active holds (few) joined to the day's rows by the rule of
    -- app_private.archive_is_held
    execute format($q$
      select coalesce(bool_or(bb.state is distinct from 'verified'), false), coalesce(array_agg(distinct a.batch_id) filter (where a.batch_id is not null), '{}')
        from %1$s e
        left join app_private.archived_executions a on a.execution_id = e.id
        left join app_private.archive_batches bb on bb.id = a.batch_id$q$, v_part) into v_busy, v_ids;
    exit when v_busy;
    execute format($q$
      select exists (select 1 from app_private.legal_holds h join %1$s e on e.team_id = h.team_id
                      where h.released_at is null
                        and (h.workflow_id is null and h.execution_id is null or h.workflow_id = e.workflow_id or h.execution_id = e.id))$q$,
      v_part) into v_busy;
    exit when v_busy;
    -- a batch may span only this day (batches are per team and day), so all its rows are in this partition
    perform 1 from app_private.archive_batches x where x.id = any(v_ids) order by x.id for update;
    -- the day's rows leave hot usage here, per team in one pass over each of the day's three partitions (every
    -- row of them belongs to one of these batches); the batches' usage trigger then counts only their cold side
    perform app_private.archive_subtract_hot_usage_of_day(v_day);
    perform set_config('linkflow.archive_hot_usage_counted', 'on', true);
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = any(v_ids);
    perform set_config('linkflow.archive_hot_usage_counted', '', true);
    perform app_private.archive_events((
      select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchDeleted',
               'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'mode', 'partition', 'day', v_day)) order by x.id)
        from app_private.archive_batches x where x.id = any(v_ids)));
    -- the day's transitions and node runs first: their foreign keys are the only references to the day's executions
    execute format('drop table %s, %s', v_runs, v_transitions);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$function$;

CREATE OR REPLACE FUNCTION app_private.tg_archive_batches__usage()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog'
AS $function$
declare
  v_old_rows bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then old.row_count else 0 end;
  v_old_bytes bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then coalesce(old.bytes, 0) else 0 end;
  v_new_rows bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then new.row_count else 0 end;
  v_new_bytes bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then coalesce(new.bytes, 0) else 0 end;
  v_hot_rows bigint := 0;
  v_hot_bytes bigint := 0;
  v_team uuid := case when tg_op = 'DELETE' then old.team_id else new.team_id end;
begin
  -- (archive_drop_partitions subtracts a dropped day's hot rows itself, for the whole day at once)
  if tg_op = 'UPDATE' and new.state = 'deleted' and old.state <> 'deleted'
     and coalesce(current_setting('linkflow.archive_hot_usage_counted', true), '') <> 'on' then
    -- set-based: the batch's hot executions once, then their transitions and node runs by one join each, all
    -- bounded by the batch's time range (partitions pruned), instead of two correlated lookups per execution
    with ex as materialized (
      select e.id, e.created_at, app_private.execution_bytes(e.*) as bytes
        from app_private.archived_executions a
        join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
       where a.batch_id = new.id and e.created_at >= new.min_created_at and e.created_at <= new.max_created_at
    )
    select (select count(*) from ex),
           coalesce((select sum(ex.bytes) from ex), 0)
           + coalesce((select sum(app_private.execution_transition_bytes(t.*)) from ex
                         join app_public.execution_transitions t on t.execution_id = ex.id and t.execution_created_at = ex.created_at
                        where t.execution_created_at >= new.min_created_at and t.execution_created_at <= new.max_created_at), 0)
           + coalesce((select sum(app_private.execution_node_run_bytes(r.*)) from ex
                         join app_public.execution_node_runs r on r.execution_id = ex.id and r.execution_created_at = ex.created_at
                        where r.execution_created_at >= new.min_created_at and r.execution_created_at <= new.max_created_at), 0)
      into v_hot_rows, v_hot_bytes;
  end if;
  if v_new_rows - v_old_rows <> 0 or v_new_bytes - v_old_bytes <> 0 or v_hot_rows <> 0 then
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes)
    values (v_team, -v_hot_rows, -v_hot_bytes, v_new_rows - v_old_rows, v_new_bytes - v_old_bytes);
  end if;
  return null;
end;
$function$;
