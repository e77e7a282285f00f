--! Previous: sha1:2726e7204e12387f610eb629746292633e3ea976
--! Hash: sha1:d1f6e35385cde33b913130181c4a017a709dbbe5
--! Message: Archive: day-local foreign keys from transitions and node runs to executions, so a day is dropped without PostgreSQL's detach check scanning every other day; set-based usage sums when a batch is marked deleted

--! split: 800-archive.sql
-- Day-local foreign keys from transitions and node runs to executions. With foreign keys between the partitioned
-- parents, every DETACH of a day of executions made PostgreSQL check that no transition or node run of any other day
-- referenced it: one join over every remaining row of both tables (a sequential scan, 100-190 ms per day in the
-- archive bench at 1.4 million rows, growing with the tables) while the archiver held ACCESS EXCLUSIVE locks on the
-- three parents. Each day's partitions of execution_transitions and execution_node_runs now reference that day's
-- partition of executions (rows of an execution always live in the partitions of its created_at day), so a day is
-- dropped with plain DROP TABLE and no check of other days. A cascade from a day of executions now deletes from that
-- day's partitions by name, which fires their statement triggers, not the parents': so each child partition carries
-- the usage trigger for deletes too (a delete through a parent fires the parent's only: once either way).

create or replace function app_private.tg_execution_children__usage_delete() returns trigger
  language plpgsql
  volatile
  set search_path to pg_catalog
as $$
begin
  -- on a parent, or on one of its day partitions (tg_argv[0] names the parent: a cascade from a day of executions)
  if coalesce(tg_argv[0], tg_table_name) = 'execution_transitions' then
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_transition_bytes(row(o.*)::app_public.execution_transitions)) from old_rows o group by 1;
  else
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_node_run_bytes(row(o.*)::app_public.execution_node_runs)) from old_rows o group by 1;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_execution_children__usage_delete() is
  'Statement trigger (AFTER DELETE, transition table old_rows) of execution_transitions and execution_node_runs and of each of their day partitions (argument: the parent''s name): subtracts the deleted rows'' bytes from their teams'' hot usage.';

create or replace function app_private.link_execution_partitions(from_day date, to_day date) returns integer
  language plpgsql
  volatile
  set search_path to pg_catalog
as $$
declare
  v_suffix text;
  v_exec regclass;
  v_parent text;
  v_child regclass;
  v_added integer := 0;
begin
  for v_suffix in select 'default' union all select 'p' || to_char(g, 'YYYYMMDD') from generate_series(from_day, to_day, interval '1 day') g loop
    v_exec := to_regclass('app_partitions.executions_' || v_suffix);
    continue when v_exec is null;
    foreach v_parent in array array['execution_transitions', 'execution_node_runs'] loop
      v_child := to_regclass('app_partitions.' || v_parent || '_' || v_suffix);
      continue when v_child is null;
      if not exists (select 1 from pg_constraint k where k.conrelid = v_child and k.contype = 'f' and k.confrelid = v_exec) then
        execute format('alter table %s add constraint %I foreign key (execution_id, execution_created_at) references %s (id, created_at) on delete cascade',
          v_child, v_parent || '_' || v_suffix || '_execution_fkey', v_exec);
        v_added := v_added + 1;
      end if;
      if not exists (select 1 from pg_trigger t where t.tgrelid = v_child and t.tgname = '_900_usage_delete') then
        execute format('create trigger _900_usage_delete after delete on %s referencing old table as old_rows for each statement execute function app_private.tg_execution_children__usage_delete(%L)',
          v_child, v_parent);
      end if;
    end loop;
  end loop;
  return v_added;
end;
$$;
comment on function app_private.link_execution_partitions(date, date) is
  'Adds what the day partitions of execution_transitions and execution_node_runs need for the days from_day..to_day (inclusive) and the default partitions, where missing: a foreign key (execution_id, execution_created_at) -> the same day''s partition of executions (id, created_at), on delete cascade, and the usage trigger for deletes (a cascade deletes from the partition by name, so the parent''s statement trigger does not fire). Returns how many foreign keys it added. Idempotent; called by ensure_partitions_between.';
revoke all on function app_private.link_execution_partitions(date, date) from public;

alter table app_public.execution_transitions drop constraint if exists execution_transitions_execution_fkey;
alter table app_public.execution_node_runs drop constraint if exists execution_node_runs_execution_fkey;
select app_private.link_execution_partitions(min(d), max(d))
  from (select substring(c.relname from '_p(\d{8})$')::date as d
          from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$') days;

-- the GraphQL relations the parents' foreign keys gave (execution <-> transitions, node runs) stay, as smart tags
comment on table app_public.execution_node_runs is '@foreignKey (team_id) references app_public.teams (id)
@foreignKey (execution_id, execution_created_at) references app_public.executions (id, created_at)
One run of one node within an execution (per attempt): status, timing, output (size-limited) and error. Partitioned with its execution. node_name identifies the node (node ids change when a workflow is saved); node_id is informative. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams). Its foreign key to executions is day-local: each day partition references the same day''s partition of executions, on delete cascade (app_private.link_execution_partitions), so archival drops a day without checking the other days.';
comment on table app_public.execution_transitions is '@foreignKey (team_id) references app_public.teams (id)
@foreignKey (execution_id, execution_created_at) references app_public.executions (id, created_at)
The state history of an execution: seq 1, 2, 3... forms a chain (each from_state equals the previous to_state). Partitioned with its execution (by the execution''s created_at) so both archive together. actor_id is an audit value, not a foreign key: it survives user purges. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams). Its foreign key to executions is day-local: each day partition references the same day''s partition of executions, on delete cascade (app_private.link_execution_partitions), so archival drops a day without checking the other days.';

-- new day partitions get their day-local foreign keys where they are made
create or replace function app_private.ensure_partitions_between(from_day date, to_day date) RETURNS TABLE(parent text, partition_name text, range_from date, range_to date, created boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent, p.fillfactor from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)%s',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz,
          case when t.fillfactor is not null then format(' with (fillfactor = %s)', t.fillfactor) else '' end);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
  perform app_private.link_execution_partitions(from_day, to_day);
end;
$$;

comment on function app_private.ensure_partitions_between(date, date) is 'Creates the missing daily partitions of every managed parent for the days from_day..to_day (UTC dates, inclusive), with the parent''s configured fillfactor, and their day-local foreign keys (app_private.link_execution_partitions). Idempotent.';

-- a day is dropped, not detached: nothing outside the day refers to it
create or replace function app_private.archive_drop_partitions(before_day date, max_days integer DEFAULT 3) RETURNS TABLE(day date, batches integer)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $_$
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
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = any(v_ids);
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
$_$;

comment on function app_private.archive_drop_partitions(date, integer) is 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, drops that day''s partitions of execution_node_runs, execution_transitions and executions (DROP TABLE; their foreign keys are day-local, so no other day is checked) and marks the batches deleted, instead of deleting rows. Takes every lock it needs first, at once, waiting at most linkflow.archive_drop_lock_timeout (default 500 ms): readers and writers are never deadlocked by it nor queued behind it for longer; a day whose tables are in use is left for the next run (RAISE NOTICE). The check runs under the lock. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

-- a batch marked deleted subtracts its hot rows' bytes from usage in three set-based sums (was two correlated
-- lookups per execution into the partitioned parents: 112 ms per day of 2,500 executions in the archive bench)
create or replace function app_private.tg_archive_batches__usage() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_old_rows bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then old.row_count else 0 end;
  v_old_bytes bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then coalesce(old.bytes, 0) else 0 end;
  v_new_rows bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then new.row_count else 0 end;
  v_new_bytes bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then coalesce(new.bytes, 0) else 0 end;
  v_hot_rows bigint := 0;
  v_hot_bytes bigint := 0;
  v_team uuid := case when tg_op = 'DELETE' then old.team_id else new.team_id end;
begin
  if tg_op = 'UPDATE' and new.state = 'deleted' and old.state <> 'deleted' then
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
$$;
