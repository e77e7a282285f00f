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
