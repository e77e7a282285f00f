-- Archiver speed: the search statistics of a plan found by one set-based walk; each due day read once per group;
-- the partition drop's check as one pass over the day's rows (by primary key) plus a join from the few active holds;
-- jit off on the archiver's large statements (compiling them cost more than running them).

CREATE OR REPLACE FUNCTION app_private.tg_archived_executions__search_stats() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $$
begin
  -- The terms are those of app_hidden.jsonb_search_terms and app_hidden.text_trigram_terms, found for all the rows
  -- of the statement at once: one walk of every document (each distinct (batch, column, path, value) node expanded
  -- once, only objects and arrays expanded), each distinct scalar and error text of a batch turned into terms once.
  with recursive hot as (
    select n.batch_id, n.team_id, e.workflow_id, e.state, e.trigger_type, e.attempt, e.duration_ms, e.input, e.output, e.error
      from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at
  ), walk(batch_id, col, path, v) as (
    select h.batch_id, 'input'::text, ''::text, h.input from hot h where h.input is not null
    union all select h.batch_id, 'output', '', h.output from hot h where h.output is not null
    union all select h.batch_id, 'error', '', h.error from hot h where h.error is not null
    union
    select w.batch_id, w.col, x.path, x.v
      from walk w, lateral (
        select w.path || '.' || o.key as path, o.value as v
          from jsonb_each(case when jsonb_typeof(w.v) = 'object' then w.v else '{}'::jsonb end) o
        union all
        select w.path, a.value from jsonb_array_elements(case when jsonb_typeof(w.v) = 'array' then w.v else '[]'::jsonb end) a) x
     where jsonb_typeof(w.v) in ('object', 'array')
  ), error_texts as (
    select distinct h.batch_id, app_hidden.execution_error_text(h.error) as t from hot h where h.error is not null
  ), terms as (
    select t.batch_id, array_agg(distinct t.x) as terms
      from (select w.batch_id, 'p:' || w.col || ':' || w.path as x from walk w where w.path <> ''
            union all
            select w.batch_id, 'v:' || w.col || ':' || w.path || '=' || app_hidden.search_scalar_text(w.v)
              from walk w where jsonb_typeof(w.v) not in ('object', 'array')
            union all
            select et.batch_id, x.x from error_texts et, lateral app_hidden.text_trigram_terms(et.t) x(x)) t
     group by t.batch_id
  ), stats as (
    select h.batch_id, min(h.team_id::text)::uuid as team_id, array_agg(distinct h.workflow_id) as workflow_ids,
           array_agg(distinct h.state) as states, array_agg(distinct h.trigger_type) as trigger_types,
           min(h.attempt) as min_attempt, max(h.attempt) as max_attempt, min(h.duration_ms) as min_d, max(h.duration_ms) as max_d
      from hot h group by h.batch_id
  )
  insert into app_private.archive_batch_search_stats (team_id, batch_id, workflow_ids, states, trigger_types, min_attempt, max_attempt,
      min_duration_ms, max_duration_ms, term_count, bloom)
  select s.team_id, s.batch_id, s.workflow_ids, s.states, s.trigger_types, s.min_attempt, s.max_attempt, s.min_d, s.max_d,
         coalesce(cardinality(t.terms), 0), app_hidden.bloom_build(coalesce(t.terms, '{}'))
    from stats s left join terms t on t.batch_id = s.batch_id
  on conflict (team_id, batch_id) do nothing;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_archived_executions__search_stats() IS 'Writes the search statistics of newly planned batches (archive_batch_search_stats) from their still-hot rows: the terms of app_hidden.jsonb_search_terms and app_hidden.text_trigram_terms for all the rows of the statement in one set-based walk (each distinct node of a batch expanded once, each distinct scalar and error text turned into terms once). Runs with jit off.';

CREATE OR REPLACE FUNCTION app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text DEFAULT 'executions'::text, encrypted boolean DEFAULT false, only_team_id uuid DEFAULT NULL::uuid, max_batches integer DEFAULT NULL::integer, at timestamp with time zone DEFAULT now()) RETURNS TABLE(batch_id uuid, team_id uuid, day date, key text, row_count integer, execution_ids uuid[])
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $_$
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
  v_all_ids uuid[] := '{}';
  v_all_created timestamptz[] := '{}';
  v_all_team uuid[] := '{}';
  v_all_workflow uuid[] := '{}';
  v_all_state text[] := '{}';
  v_all_day date[] := '{}';
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
  -- Each day is read once: the window grows by doubling, and each round reads only the days the window gained,
  -- appending to what the earlier rounds found.
  v_lo := '-infinity';
  v_due := 0;
  loop
    v_hi := case when v_first is null or v_first + v_span > v_last then 'infinity' else (v_first + v_span)::timestamp at time zone 'UTC' end;
    with got as (
      select array_agg(d.execution_id) as ids, array_agg(d.created_at) as created, array_agg(d.team_id) as team,
             array_agg(d.workflow_id) as workflow, array_agg(d.state) as state, array_agg(d.day) as day, count(*) as n
        from app_private.lifecycle_archive_due(default_hot_days, only_team_id, at) d
       where d.created_at >= v_lo and d.created_at < v_hi
    )
    select v_all_ids || coalesce(g.ids, '{}'), v_all_created || coalesce(g.created, '{}'), v_all_team || coalesce(g.team, '{}'),
           v_all_workflow || coalesce(g.workflow, '{}'), v_all_state || coalesce(g.state, '{}'), v_all_day || coalesce(g.day, '{}'), v_due + g.n
      into v_all_ids, v_all_created, v_all_team, v_all_workflow, v_all_state, v_all_day, v_due
      from got g;
    exit when v_due >= group_rows or v_hi = 'infinity';
    v_lo := v_hi;
    v_span := v_span * 2;
  end loop;
  with due as (
    select d.id as execution_id, d.created_at, d.team_id, d.workflow_id, d.state, d.day,
           ((row_number() over (partition by d.team_id, d.day order by d.created_at, d.id) - 1) / max_rows)::integer as chunk
      from unnest(v_all_ids, v_all_created, v_all_team, v_all_workflow, v_all_state, v_all_day) d(id, created_at, team_id, workflow_id, state, day)
  ), chunks as (
    select c.team_id, c.day, c.chunk,
           coalesce(sum(count(*)) over (order by c.day, c.team_id::text, c.chunk rows between unbounded preceding and 1 preceding), 0) as rows_before,
           row_number() over (order by c.day, c.team_id::text, c.chunk) as ord
      from due c group by c.team_id, c.day, c.chunk
  )
  select array_agg(d.execution_id), array_agg(d.created_at), array_agg(d.team_id), array_agg(d.workflow_id), array_agg(d.state),
         array_agg(d.day), array_agg(d.chunk)
    into v_ids, v_created, v_team, v_workflow, v_state, v_day, v_chunk
    from due d join chunks c on c.team_id = d.team_id and c.day = d.day and c.chunk = d.chunk
   where c.rows_before < group_rows and (max_batches is null or c.ord <= max_batches);
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
$_$;

COMMENT ON FUNCTION app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamp with time zone) IS 'Plans a group of batches in one pass: the executions due at `at` (default now(); never in the future: LFVAL field at) under the retention policies (app_private.lifecycle_archive_due, default_hot_days the fallback; only one team when only_team_id is given) are cut per team and UTC day into batches of up to max_rows (oldest first), and batches are taken in (day, team) order while the group holds fewer than group_rows executions (a group may exceed it by one batch), at most max_batches. Each becomes a manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet, batch_no the next of its team and day) with its index rows (row number newest first) and an ArchiveBatchPlanned event. Returns the batches in plan order with their execution ids in row order; none when nothing is due. Raises LFCNF when another planner planned some of the same executions meanwhile.';

CREATE OR REPLACE FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer DEFAULT 3) RETURNS TABLE(day date, batches integer)
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
    execute format('drop table %s, %s', v_runs, v_transitions);
    execute format('alter table app_public.executions detach partition %s', v_part);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$_$;

COMMENT ON FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer) IS 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, detaches and drops that day''s partitions of executions, execution_transitions and execution_node_runs and marks the batches deleted, instead of deleting rows. Takes every lock it needs first, at once, waiting at most linkflow.archive_drop_lock_timeout (default 500 ms): readers and writers are never deadlocked by it nor queued behind it for longer; a day whose tables are in use is left for the next run (RAISE NOTICE). The check runs under the lock. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

alter function app_private.archive_batch_documents(uuid[]) set jit to off;
