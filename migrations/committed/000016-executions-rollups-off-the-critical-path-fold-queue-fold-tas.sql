--! Previous: sha1:748e1bc08eebec6c6a6767bf34b06ad852b055da
--! Hash: sha1:b7fb4cd6e6aa89701e2da49db0a6fcd3fe8ade2a
--! Message: Executions rollups off the critical path: fold queue, fold task, exact series by fold-on-read; inlinable helpers

------------------------------------------------------------------------------------------------------------
-- Executions (issue 19): metric rollups off the critical path. A finishing move appends its sample (and the
-- samples trigger one narrow, index-free queue row); a worker task folds the queue into the minute/hour/day
-- rollups every few seconds, one set-based statement per fold, safe with several folders at once. The series
-- query adds the not-yet-folded tail, so it stays exact at every moment.
-- Re-runnable. Exact reverse: migrations/down/current.sql. Prose: docs/executions.md (Metrics).
------------------------------------------------------------------------------------------------------------
create table if not exists app_hidden.execution_metric_fold_queue (
  recorded_at timestamptz not null,
  team_id uuid not null,
  workflow_id uuid not null,
  state text not null,
  duration_ms bigint,
  node_count integer not null,
  failed_node_count integer not null
);
alter table app_hidden.execution_metric_fold_queue enable row level security;
drop policy if exists select_member on app_hidden.execution_metric_fold_queue;
create policy select_member on app_hidden.execution_metric_fold_queue for select using (
  team_id in (select app_hidden.current_user_team_ids()));
grant select on app_hidden.execution_metric_fold_queue to linkflow_visitor;
comment on table app_hidden.execution_metric_fold_queue is 'Metric samples not yet folded into execution_metric_rollups: one narrow row per sample, appended by the samples trigger, deleted by app_private.fold_execution_metric_samples. No index and no key on purpose (an append costs one heap tuple; the fold reads it whole). The series query adds these rows to the rollups (fold-on-read), so series stay exact. team_id keys visibility (RLS).';

-- The samples trigger: append to the queue instead of upserting three wide rollup rows in the writer's transaction.
drop trigger if exists _200_rollup on app_public.execution_metric_samples;
drop function if exists app_private.tg_execution_metric_samples__rollup();
create or replace function app_private.tg_execution_metric_samples__enqueue_fold() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.execution_metric_fold_queue (recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select s.recorded_at, s.team_id, s.workflow_id, s.state, s.duration_ms, s.node_count, s.failed_node_count from new_samples s;
  return null;
end;
$$;
comment on function app_private.tg_execution_metric_samples__enqueue_fold() is 'Statement trigger: appends the inserted samples to execution_metric_fold_queue (no shared rows, no wide rows in the writer''s transaction); the fold task adds them to the rollups.';
drop trigger if exists _200_enqueue_fold on app_public.execution_metric_samples;
create trigger _200_enqueue_fold after insert on app_public.execution_metric_samples
  referencing new table as new_samples
  for each statement execute function app_private.tg_execution_metric_samples__enqueue_fold();

create or replace function app_private.fold_execution_metric_samples(max_rows integer default 50000) returns integer
  language sql volatile
  set search_path = pg_catalog
as $$
  with taken as (
    -- rows another folder holds are skipped, never waited for or counted twice
    delete from app_hidden.execution_metric_fold_queue q
     where q.ctid = any (array(select x.ctid from app_hidden.execution_metric_fold_queue x limit max_rows for update skip locked))
    returning q.*
  ), folded as (
    insert into app_public.execution_metric_rollups as r (
      workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
      duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
    select t.workflow_id, min(t.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, t.recorded_at, 'UTC'), 0,
           count(*), count(*) filter (where t.state = 'succeeded'), count(*) filter (where t.state = 'failed'),
           count(*) filter (where t.state = 'cancelled'), count(*) filter (where t.state = 'timed_out'),
           count(*) filter (where t.state = 'crashed'),
           count(*) filter (where not (t.state = any (app_hidden.execution_terminal_states()))),
           count(t.duration_ms), coalesce(sum(t.duration_ms), 0), min(t.duration_ms), max(t.duration_ms),
           app_hidden.duration_histogram(array_agg(t.duration_ms)), sum(t.node_count), sum(t.failed_node_count)
      from taken t
     cross join (values ('minute'), ('hour'), ('day')) g(granularity)
     where exists (select 1 from app_public.workflows w where w.id = t.workflow_id)
     group by t.workflow_id, g.granularity, date_trunc(g.granularity, t.recorded_at, 'UTC')
     order by 1, 3, 4  -- one lock order for every folder: concurrent folds never deadlock
    on conflict (workflow_id, granularity, bucket, shard) do update set
      total = r.total + excluded.total,
      succeeded = r.succeeded + excluded.succeeded,
      failed = r.failed + excluded.failed,
      cancelled = r.cancelled + excluded.cancelled,
      timed_out = r.timed_out + excluded.timed_out,
      crashed = r.crashed + excluded.crashed,
      other = r.other + excluded.other,
      duration_count = r.duration_count + excluded.duration_count,
      duration_sum_ms = r.duration_sum_ms + excluded.duration_sum_ms,
      duration_min_ms = least(r.duration_min_ms, excluded.duration_min_ms),
      duration_max_ms = greatest(r.duration_max_ms, excluded.duration_max_ms),
      duration_histogram = app_hidden.int_array_add(r.duration_histogram, excluded.duration_histogram),
      node_count = r.node_count + excluded.node_count,
      failed_node_count = r.failed_node_count + excluded.failed_node_count
    returning 1
  )
  select count(*)::integer from taken;
$$;
comment on function app_private.fold_execution_metric_samples(integer) is 'One fold, one statement: takes up to max_rows queued samples (FOR UPDATE SKIP LOCKED: concurrent folders take disjoint rows), deletes them and adds them to the minute, hour and day rollups of their workflows (upserts in one key order: no deadlocks). Atomic: the rows leave the queue in the same commit that adds them to the rollups, so a reader sees every sample exactly once. Samples of deleted workflows are dropped. Returns the number of samples folded (0: the queue was empty or held by another folder). Run by the execution_metrics_fold task every few seconds.';

comment on table app_public.execution_metric_rollups is 'Per workflow per minute/hour/day (UTC buckets) counters of finished executions by outcome, duration sum/min/max, a 200-bucket log histogram (p50/p95 within ~5%) and node counts. Written only by the fold (app_private.fold_execution_metric_samples, every few seconds) and the retention repair, never in a writer''s transaction; the newest samples wait in app_hidden.execution_metric_fold_queue, which execution_metrics_series adds on read. shard is 0 for every row the fold writes (older rows may carry 0..7); readers sum over it.';

create or replace function app_public.execution_metrics_series(
  range_start timestamptz,
  range_end timestamptz,
  bucket text default 'hour',
  workflow_id uuid default null,
  team_id uuid default null
) returns setof app_public.execution_metric_point
  language plpgsql stable
  set search_path = pg_catalog
  set timezone = 'UTC'
as $$
declare
  v_start timestamptz;
  v_step interval;
  v_points bigint;
begin
  if (workflow_id is null) = (team_id is null) then
    raise exception 'give exactly one of workflow_id and team_id' using errcode = 'LFVAL', detail = 'field: workflow_id';
  end if;
  if bucket is null or bucket not in ('minute', 'hour', 'day') then
    raise exception 'bucket must be minute, hour or day' using errcode = 'LFVAL', detail = 'field: bucket';
  end if;
  if range_start is null or range_end is null or range_end <= range_start then
    raise exception 'range_end must be after range_start' using errcode = 'LFVAL', detail = 'field: range_end';
  end if;
  v_start := date_trunc(bucket, range_start);
  v_step := ('1 ' || bucket)::interval;
  v_points := ceil(extract(epoch from (range_end - v_start)) / extract(epoch from v_step));
  if v_points > 1000 then
    raise exception 'at most 1000 points per series (asked %)', v_points using errcode = 'LFLIM',
      detail = format('limit=1000 size=%s', v_points);
  end if;
  return query
    with rows as (
      select r.bucket, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed, r.duration_count,
             r.duration_sum_ms, r.duration_histogram, r.node_count, r.failed_node_count
        from app_public.execution_metric_rollups r
       where r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
         and (r.workflow_id = execution_metrics_series.workflow_id or r.team_id = execution_metrics_series.team_id)
      union all
      -- the tail the fold has not reached yet (same snapshot: each sample counted exactly once)
      select date_trunc(execution_metrics_series.bucket, q.recorded_at), count(*)::integer,
             (count(*) filter (where q.state = 'succeeded'))::integer, (count(*) filter (where q.state = 'failed'))::integer,
             (count(*) filter (where q.state = 'cancelled'))::integer, (count(*) filter (where q.state = 'timed_out'))::integer,
             (count(*) filter (where q.state = 'crashed'))::integer, count(q.duration_ms)::integer,
             coalesce(sum(q.duration_ms), 0)::bigint, app_hidden.duration_histogram(array_agg(q.duration_ms)),
             sum(q.node_count)::bigint, sum(q.failed_node_count)::bigint
        from app_hidden.execution_metric_fold_queue q
       where (q.workflow_id = execution_metrics_series.workflow_id or q.team_id = execution_metrics_series.team_id)
         and q.recorded_at >= v_start and q.recorded_at < range_end
         and exists (select 1 from app_public.workflows w where w.id = q.workflow_id)
       group by 1
    ), sums as (
      select x.bucket, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded, sum(x.failed)::integer as failed,
             sum(x.cancelled)::integer as cancelled, sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
             sum(x.duration_count) as dcount, sum(x.duration_sum_ms) as dsum,
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count
        from rows x group by x.bucket
    ), hist as (
      select h.bucket, array_agg(h.c order by h.i) as histogram
        from (select x.bucket, u.i, sum(u.c)::integer as c
                from rows x, unnest(x.duration_histogram) with ordinality u(c, i)
               group by 1, 2) h
       group by h.bucket
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           app_hidden.histogram_percentile(h.histogram, 0.5),
           app_hidden.histogram_percentile(h.histogram, 0.95),
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join sums s on s.bucket = g.b
      left join hist h on h.bucket = g.b
     order by g.b;
end;
$$;
comment on function app_public.execution_metrics_series(timestamptz, timestamptz, text, uuid, uuid) is 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads the rollups plus the samples not yet folded (app_hidden.execution_metric_fold_queue), in one snapshot: counts always equal the raw samples.';

create or replace function app_private.rollup_and_drop_metric_samples(retain_days integer default null)
  returns table (partition_name text, day date, samples bigint, repaired boolean)
  language plpgsql volatile
  set search_path = pg_catalog
  set lock_timeout = '5s'
as $$
declare
  cfg app_private.execution_settings;
  v_keep integer;
  v_cutoff date;
  p record;
  v_day date;
  v_bad integer;
begin
  -- fold the queue first: the check below compares raw samples with complete rollups
  while app_private.fold_execution_metric_samples() > 0 loop
  end loop;
  select * into cfg from app_private.execution_settings;
  v_keep := coalesce(retain_days, cfg.raw_sample_retention_days);
  v_cutoff := (now() at time zone 'UTC')::date - v_keep;
  for p in
    select c.relname, substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.execution_metric_samples'::regclass and c.relname ~ '_p\d{8}$'
       and substring(c.relname from '_p(\d{8})$')::date < v_cutoff
     order by 2
  loop
    v_day := p.d;
    partition_name := 'app_partitions.' || p.relname;
    day := v_day;
    execute format('select count(*) from app_partitions.%I', p.relname) into samples;
    -- Do the day rollups hold exactly this partition's samples (per workflow, counts and duration sums)?
    execute format($q$
      select count(*) from (
        select s.workflow_id, count(*) as n, coalesce(sum(s.duration_ms), 0) as d
          from app_partitions.%I s group by 1) raw
      full join (
        select r.workflow_id, sum(r.total) as n, sum(r.duration_sum_ms) as d
          from app_public.execution_metric_rollups r
         where r.granularity = 'day' and r.bucket = $1 group by 1) rolled on rolled.workflow_id = raw.workflow_id
      where raw.n is distinct from rolled.n or raw.d is distinct from rolled.d$q$, p.relname)
      into v_bad using v_day::timestamp at time zone 'UTC';
    repaired := v_bad > 0;
    if repaired then
      delete from app_public.execution_metric_rollups r
       where r.bucket >= v_day::timestamp at time zone 'UTC' and r.bucket < (v_day + 1)::timestamp at time zone 'UTC';
      execute format($q$
        insert into app_public.execution_metric_rollups (
          workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
          duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
        select s.workflow_id, min(s.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC'), 0,
               count(*), count(*) filter (where s.state = 'succeeded'), count(*) filter (where s.state = 'failed'),
               count(*) filter (where s.state = 'cancelled'), count(*) filter (where s.state = 'timed_out'),
               count(*) filter (where s.state = 'crashed'),
               count(*) filter (where not (s.state = any (app_hidden.execution_terminal_states()))),
               count(s.duration_ms), coalesce(sum(s.duration_ms), 0), min(s.duration_ms), max(s.duration_ms),
               app_hidden.duration_histogram(array_agg(s.duration_ms)), sum(s.node_count), sum(s.failed_node_count)
          from app_partitions.%I s
         cross join (values ('minute'), ('hour'), ('day')) g(granularity)
         where exists (select 1 from app_public.workflows w where w.id = s.workflow_id)
         group by s.workflow_id, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC')$q$, p.relname);
    end if;
    execute format('drop table app_partitions.%I', p.relname);
    return next;
  end loop;

  delete from app_public.execution_metric_rollups r
   where r.granularity = 'minute' and r.bucket < now() - make_interval(days => cfg.minute_rollup_retention_days);
  delete from app_public.execution_metric_rollups r
   where r.granularity = 'hour' and r.bucket < now() - make_interval(days => cfg.hour_rollup_retention_days);
  delete from app_private.execution_idempotency_keys k
   where k.created_at < now() - make_interval(days => cfg.idempotency_key_retention_days);
end;
$$;
comment on function app_private.rollup_and_drop_metric_samples(integer) is 'Run by the execution_metrics_retention task: for each raw metric sample partition older than retain_days (default execution_settings.raw_sample_retention_days), checks that the day rollups equal the raw data (rebuilding that day''s minute/hour/day rollups from raw when not), then drops the partition. Folds the sample queue first. Also prunes minute/hour rollups and idempotency keys past their retention.';

revoke execute on function
  app_private.tg_execution_metric_samples__enqueue_fold(),
  app_private.fold_execution_metric_samples(integer)
from public;

------------------------------------------------------------------------------------------------------------
-- Inlinable helpers: a SQL function with a SET clause is never inlined, and every call saves, sets and
-- restores the GUC (pg_stat_statements on a single move: ~0.3 ms per execution_timing_after_move call under
-- load). These four are SECURITY INVOKER, fully qualified and immutable/stable, so they drop the pinned
-- search_path and the planner inlines them (the state lists fold to constants).
------------------------------------------------------------------------------------------------------------
create or replace function app_hidden.execution_states() returns text[]
  language sql immutable parallel safe
as $$
  select array['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_states() is 'Every execution state, in lifecycle order: the one declaration that constraints, triggers and the engine refer to.';

create or replace function app_hidden.execution_terminal_states() returns text[]
  language sql immutable parallel safe
as $$
  select array['succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_terminal_states() is 'The finished (terminal) execution states: reaching one sets finished_at and duration_ms and records a metric sample; a finished execution changes again only through a retry.';

create or replace function app_private.execution_timing_after_move(
  p_to_state text, p_is_retry boolean, p_at timestamptz,
  p_attempt integer, p_started_at timestamptz, p_finished_at timestamptz, p_duration_ms bigint
) returns app_private.execution_timing
  language sql immutable parallel safe
as $$
  -- one expression (no FROM): inlined where it is called. A finishing move is never a retry nor a running.
  select row(
    p_attempt + p_is_retry::integer,
    case when p_is_retry then null when p_to_state = 'running' and p_started_at is null then p_at else p_started_at end,
    case when p_to_state = any (app_hidden.execution_terminal_states()) then p_at when p_is_retry then null else p_finished_at end,
    case when p_to_state = any (app_hidden.execution_terminal_states()) then
           case when p_started_at is not null then greatest(0, floor(extract(epoch from (p_at - p_started_at)) * 1000))::bigint end
         when p_is_retry then null else p_duration_ms end
  )::app_private.execution_timing;
$$;
comment on function app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint) is 'The rule of what a move does to attempt and timing: a retry starts a new attempt (attempt + 1, timing reset); the first running of an attempt sets started_at; a finishing move sets finished_at and duration_ms (null if the attempt never ran).';

create or replace function app_private.execution_state_changed_event(m app_private.execution_move, p_actor uuid) returns jsonb
  language sql stable parallel safe
as $$
  select jsonb_build_object(
    'type', 'ExecutionStateChanged',
    'data', jsonb_build_object(
      'execution_id', m.execution_id, 'workflow_id', m.workflow_id, 'team_id', m.team_id, 'from_state', m.from_state,
      'to_state', m.to_state, 'seq', m.version, 'at', m.at, 'attempt', m.attempt, 'started_at', m.started_at,
      'finished_at', m.finished_at, 'duration_ms', m.duration_ms),
    'metadata', jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
      'correlation_id', m.details->'correlation_id', 'causation_id', m.details->'causation_id', 'trace_id', m.details->'trace_id')));
$$;
comment on function app_private.execution_state_changed_event(app_private.execution_move, uuid) is 'The ExecutionStateChanged event of an accepted move ({type, data, metadata} as append_events takes it): data per the contract in docs/executions.md, metadata {actor, correlation_id?, causation_id?, trace_id?} from the move''s details.';
create or replace function app_private.move_execution(
  p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean,
  out result app_public.execution_transition_result, out execution app_public.executions
)
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
  v_timing app_private.execution_timing;
  v_details jsonb := case when jsonb_typeof(p_details) = 'object' then p_details end;
begin
  result.ord := 1; result.execution_id := p_id; result.ok := false;
  if p_id is not null and p_check_role then
    -- access first (no lock): who may not move it learns nothing more and locks nothing
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1;
    end if;
    if e.id is not null then
      v_denied := case when app_hidden.has_team_role(e.team_id, 'editor') then null
                       when app_hidden.has_team_role(e.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end;
    end if;
  end if;
  if p_id is not null and v_denied is null then
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour'
       for update;
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1 for update;
    end if;
  end if;
  if e.id is not null and v_denied is null then
    select a.is_retry into v_retry from app_public.execution_allowed_transitions a
     where a.from_state = e.state and a.to_state = p_to_state;
  end if;
  v_code := case
    when p_id is null or (p_details is not null and jsonb_typeof(p_details) not in ('object', 'null')) then 'LFVAL'
    when e.id is null or v_denied = 'LFNTF' then 'LFNTF'
    when v_denied is not null then v_denied
    when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'LFVAL'
    when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'LFVAL'
    when char_length(v_details->>'reason') > 2000 then 'LFVAL'
    when p_expected_from is not null and p_expected_from <> e.state then 'LFSTA'
    when v_retry is null then 'LFSTA'
  end;
  if v_code is not null then
    result.error_code := v_code;
    if v_code <> 'LFNTF' then
      result.current_state := e.state; result.attempt := e.attempt;
      result.execution_created_at := case when v_denied is null then e.created_at end;
    end if;
    return;
  end if;

  m.execution_id := e.id; m.team_id := e.team_id; m.workflow_id := e.workflow_id; m.details := v_details;
  m.from_state := e.state; m.to_state := p_to_state; m.version := e.version + 1; m.at := clock_timestamp();
  v_timing := app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms);
  m.attempt := v_timing.attempt; m.started_at := v_timing.started_at; m.finished_at := v_timing.finished_at; m.duration_ms := v_timing.duration_ms;

  update app_public.executions x set
    state = p_to_state, attempt = m.attempt, version = m.version, started_at = m.started_at,
    finished_at = m.finished_at, duration_ms = m.duration_ms,
    output = case when v_details ? 'output' then v_details->'output' else x.output end,
    error = case when v_details ? 'error' then v_details->'error' else x.error end,
    updated_at = now()
   where x.id = e.id and x.created_at = e.created_at
  returning x.* into execution;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    values (e.id, e.created_at, m.version, e.team_id, m.from_state, p_to_state, m.at, p_actor, v_details->>'reason',
            v_details - 'output' - 'error' - 'reason');
  perform app_private.append_events('execution-' || e.id, 'execution', null,
    jsonb_build_array(app_private.execution_state_changed_event(m, p_actor)), e.team_id);
  if p_to_state = any (app_hidden.execution_terminal_states()) then
    insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
      select e.id, m.at, e.team_id, e.workflow_id, p_to_state, m.duration_ms, count(*)::integer,
             (count(*) filter (where nr.status = 'failed'))::integer
        from app_public.execution_node_runs nr
       where nr.execution_id = e.id and nr.execution_created_at = e.created_at;
  end if;
  result.ok := true; result.execution_created_at := e.created_at; result.current_state := p_to_state;
  result.seq := m.version; result.attempt := m.attempt;
end;
$$;
comment on function app_private.move_execution(uuid, text, text, jsonb, uuid, boolean) is 'The lean single move (owner only): one execution, parameters only (every lookup pruned to one partition at executor start), the same checks and writes as a batch of one: access check before the row lock, legality, then one UPDATE (heap-only), one transition INSERT, one append_events, and a metric sample when finishing. Never raises for a refused move: result carries ok or error_code (LFVAL, LFNTF, LFDNY, LFSTA) and current_state; execution is the moved row.';
