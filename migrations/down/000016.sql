-- Function bodies restored here come from the schema before migration 16: node scripts/restore-body.ts --before 16 --rewrite migrations/down/000016.sql
CREATE OR REPLACE FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
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
  select x.attempt, x.started_at, x.finished_at, x.duration_ms into m.attempt, m.started_at, m.finished_at, m.duration_ms
    from app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms) x;

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

-- the helpers as 000013 defined them (with a pinned search_path)
CREATE OR REPLACE FUNCTION app_hidden.execution_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select array['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_states() is 'Every execution state, in lifecycle order: the one declaration that constraints, triggers and the engine refer to.';

CREATE OR REPLACE FUNCTION app_hidden.execution_terminal_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select array['succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;
comment on function app_hidden.execution_terminal_states() is 'The finished (terminal) execution states: reaching one sets finished_at and duration_ms and records a metric sample; a finished execution changes again only through a retry.';

CREATE OR REPLACE FUNCTION app_private.execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint) RETURNS app_private.execution_timing
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select row(x.attempt, x.started_at,
             case when x.terminal then p_at when p_is_retry then null else p_finished_at end,
             case when x.terminal then
                    case when x.started_at is not null then greatest(0, floor(extract(epoch from (p_at - x.started_at)) * 1000))::bigint end
                  when p_is_retry then null else p_duration_ms end)::app_private.execution_timing
    from (select p_attempt + p_is_retry::integer as attempt,
                 case when p_is_retry then null
                      when p_to_state = 'running' and p_started_at is null then p_at
                      else p_started_at end as started_at,
                 p_to_state = any (app_hidden.execution_terminal_states()) as terminal) x;
$$;
comment on function app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint) is 'The rule of what a move does to attempt and timing: a retry starts a new attempt (attempt + 1, timing reset); the first running of an attempt sets started_at; a finishing move sets finished_at and duration_ms (null if the attempt never ran).';

CREATE OR REPLACE FUNCTION app_private.execution_state_changed_event(m app_private.execution_move, p_actor uuid) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Reverse of migration 000016 (rollups off the critical path): folds what is queued, then restores the
-- rollup trigger of 000007, the rollups-only series and the retention function, and drops the queue and the fold.
select app_private.fold_execution_metric_samples(2147483647);
CREATE OR REPLACE FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text DEFAULT 'hour'::text, workflow_id uuid DEFAULT NULL::uuid, team_id uuid DEFAULT NULL::uuid) RETURNS SETOF app_public.execution_metric_point
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET "TimeZone" TO 'UTC'
    AS $$
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
      select r.* from app_public.execution_metric_rollups r
       where r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
         and r.workflow_id = execution_metrics_series.workflow_id
      union all
      select r.* from app_public.execution_metric_rollups r
       where r.team_id = execution_metrics_series.team_id
         and r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
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
comment on function app_public.execution_metrics_series(timestamptz, timestamptz, text, uuid, uuid) is 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads only the rollups.';

CREATE OR REPLACE FUNCTION app_private.rollup_and_drop_metric_samples(retain_days integer DEFAULT NULL::integer) RETURNS TABLE(partition_name text, day date, samples bigint, repaired boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET lock_timeout TO '5s'
    AS $_$
declare
  cfg app_private.execution_settings;
  v_keep integer;
  v_cutoff date;
  p record;
  v_day date;
  v_bad integer;
begin
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
               count(*) filter (where s.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
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
$_$;
comment on function app_private.rollup_and_drop_metric_samples(integer) is 'Run by the execution_metrics_retention task: for each raw metric sample partition older than retain_days (default execution_settings.raw_sample_retention_days), checks that the day rollups equal the raw data (rebuilding that day''s minute/hour/day rollups from raw when not), then drops the partition. Also prunes minute/hour rollups and idempotency keys past their retention.';

drop trigger if exists _200_enqueue_fold on app_public.execution_metric_samples;
drop function if exists app_private.tg_execution_metric_samples__enqueue_fold();
drop function if exists app_private.fold_execution_metric_samples(integer);
CREATE OR REPLACE FUNCTION app_private.tg_execution_metric_samples__rollup() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  one record;
  k integer;
begin
  if (select count(*) from new_samples) = 1 then
    -- one sample (a single transition): increment one histogram element instead of building and merging arrays
    select * into one from new_samples;
    k := app_hidden.duration_bucket(one.duration_ms);
    insert into app_public.execution_metric_rollups as r (
      workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
      duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
    select one.workflow_id, one.team_id, g.granularity, date_trunc(g.granularity, one.recorded_at, 'UTC'),
           (pg_backend_pid() % 8)::smallint, 1,
           (one.state = 'succeeded')::integer, (one.state = 'failed')::integer, (one.state = 'cancelled')::integer,
           (one.state = 'timed_out')::integer, (one.state = 'crashed')::integer,
           (one.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'))::integer,
           (one.duration_ms is not null)::integer, coalesce(one.duration_ms, 0), one.duration_ms, one.duration_ms,
           case when k is null then array_fill(0, array[200])
                else array_fill(0, array[k - 1]) || 1 || array_fill(0, array[200 - k]) end,
           one.node_count, one.failed_node_count
      from (values ('minute'), ('hour'), ('day')) g(granularity)
     order by 3
    on conflict (workflow_id, granularity, bucket, shard) do update set
      total = r.total + 1,
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
      duration_histogram[coalesce(k, 1)] = r.duration_histogram[coalesce(k, 1)] + (k is not null)::integer,
      node_count = r.node_count + excluded.node_count,
      failed_node_count = r.failed_node_count + excluded.failed_node_count;
    return null;
  end if;
  insert into app_public.execution_metric_rollups as r (
    workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
    duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
  select s.workflow_id, min(s.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC'),
         (pg_backend_pid() % 8)::smallint,
         count(*), count(*) filter (where s.state = 'succeeded'), count(*) filter (where s.state = 'failed'),
         count(*) filter (where s.state = 'cancelled'), count(*) filter (where s.state = 'timed_out'),
         count(*) filter (where s.state = 'crashed'),
         count(*) filter (where s.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
         count(s.duration_ms), coalesce(sum(s.duration_ms), 0), min(s.duration_ms), max(s.duration_ms),
         app_hidden.duration_histogram(array_agg(s.duration_ms)),
         sum(s.node_count), sum(s.failed_node_count)
    from new_samples s
   cross join (values ('minute'), ('hour'), ('day')) g(granularity)
   group by s.workflow_id, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC')
   order by 1, 3, 4
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
    failed_node_count = r.failed_node_count + excluded.failed_node_count;
  return null;
end;
$$;
comment on function app_private.tg_execution_metric_samples__rollup() is 'Statement trigger: adds the inserted samples (only them) into the minute, hour and day rollups of their workflows.';

create trigger _200_rollup after insert on app_public.execution_metric_samples
  referencing new table as new_samples
  for each statement execute function app_private.tg_execution_metric_samples__rollup();
revoke execute on function app_private.tg_execution_metric_samples__rollup() from public;
comment on table app_public.execution_metric_rollups is 'Per workflow per minute/hour/day (UTC buckets) counters of finished executions by outcome, duration sum/min/max, a 200-bucket log histogram (p50/p95 within ~5%) and node counts. Updated incrementally by a statement trigger on execution_metric_samples (only the new samples, never a rescan). shard (backend pid mod 8) spreads concurrent writers over 8 rows per bucket; queries sum the shards.';
drop table if exists app_hidden.execution_metric_fold_queue;
