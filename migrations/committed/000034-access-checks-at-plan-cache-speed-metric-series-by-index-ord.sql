--! Previous: sha1:3217f13227a5f164f989c15233d57451e922b42d
--! Hash: sha1:8144fa85276fe10ff1eaaf64c9497ffd60a8b874
--! Message: Access checks at plan-cache speed; metric series by index order with stored percentile buckets; flat event builders

--! split: 200-users.sql
-- Access checks at plan-cache speed. current_user_team_ids (every RLS policy) and has_team_role (every
-- access-checked function) were SQL functions: PostgreSQL plans a non-inlined SQL function's query again on
-- every call (~0.4 ms each, measured with pgbench -M prepared). As plpgsql they keep the plan for the session.
-- team_role_rank loses its SET clause (it reads no table and calls only built-in operators) so the planner
-- inlines it instead of calling it per row.
alter function app_hidden.team_role_rank(text) reset search_path;

create or replace function app_hidden.current_user_team_ids(min_role text default 'viewer') returns setof uuid
  language plpgsql stable security definer parallel safe
  set search_path to 'pg_catalog'
as $$
declare
  v_min_rank integer := app_hidden.team_role_rank(min_role);
begin
  return query
    select m.team_id
      from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= v_min_rank;
end;
$$;

create or replace function app_hidden.has_team_role(team_id uuid, min_role text default 'viewer') returns boolean
  language plpgsql stable security definer parallel safe
  set search_path to 'pg_catalog'
as $$
begin
  return exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
end;
$$;

--! split: 500-executions.sql
-- execution_metrics_series at index speed. A workflow's series read every rollup row through a hash
-- aggregate, a CTE read twice and numeric sums, although the fold writes one row per workflow and bucket:
-- ~10 ms for 30 days of hours. Now a workflow's series joins its buckets to the rollup rows in index order
-- and aggregates only the rare second sources of a bucket (rows of the older shards 1..7 and the samples the
-- fold has not reached); a team's series still aggregates its workflows' rows per bucket, in one pass.

-- A rollup row's own p50/p95 histogram buckets, kept with the row (computed once when the fold writes it): a
-- workflow's series reads them instead of searching 2 x 720 histograms per request, and a team's series
-- searches a bucket's merged histogram only between its sources' own percentile buckets (the merged
-- percentile always lies there), which is no search at all when they agree.
create or replace function app_hidden.histogram_rank_bucket(histogram integer[], fraction double precision)
  returns integer
  language plpgsql immutable strict parallel safe
as $$
declare
  v_count integer;
  v_total bigint := 0;
  v_rank bigint;
  v_seen bigint := 0;
  v_bucket integer := 0;
begin
  foreach v_count in array histogram loop
    v_total := v_total + v_count;
  end loop;
  if v_total = 0 then
    return null;
  end if;
  v_rank := greatest(1, ceil(fraction * v_total));
  foreach v_count in array histogram loop
    v_bucket := v_bucket + 1;
    v_seen := v_seen + v_count;
    if v_seen >= v_rank then
      return v_bucket;
    end if;
  end loop;
  return null;
end;
$$;

comment on function app_hidden.histogram_rank_bucket(integer[], double precision) is
  'The histogram bucket holding the nearest-rank percentile of one duration histogram: the first bucket at which the running count reaches ceil(fraction x total) (at least 1), as cumulative_percentile finds it in a cumulative histogram; null for an empty histogram. One pass in plpgsql (~30 us; a window-function form took ~400 us).';

revoke all on function app_hidden.histogram_rank_bucket(integer[], double precision) from public;

create or replace function app_hidden.cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer)
  returns integer
  language plpgsql immutable strict parallel safe
  set search_path to 'pg_catalog'
as $$
declare
  v_lo integer := lo;
  v_hi integer := hi;
  v_mid integer;
  v_count bigint;
begin
  -- the first bucket in lo..hi whose cumulative count, summed over the rows (the first dimension), reaches rank
  while v_lo < v_hi loop
    v_mid := (v_lo + v_hi) / 2;
    v_count := 0;
    for r in array_lower(cumulatives, 1) .. array_upper(cumulatives, 1) loop
      v_count := v_count + cumulatives[r][v_mid];
    end loop;
    if v_count >= rank then v_hi := v_mid; else v_lo := v_mid + 1; end if;
  end loop;
  return v_lo;
end;
$$;

comment on function app_hidden.cumulative_search(integer[], bigint, integer, integer) is
  'cumulative_search within buckets lo..hi, which the caller knows hold the answer (between the smallest and the largest percentile bucket of the stacked sources): log2(hi - lo + 1) steps of k additions, none when lo = hi.';

revoke all on function app_hidden.cumulative_search(integer[], bigint, integer, integer) from public;
grant execute on function app_hidden.cumulative_search(integer[], bigint, integer, integer) to linkflow_visitor;

alter table app_public.execution_metric_rollups
  add column if not exists duration_p50_bucket integer
    generated always as (app_hidden.histogram_rank_bucket(duration_histogram, 0.5)) stored,
  add column if not exists duration_p95_bucket integer
    generated always as (app_hidden.histogram_rank_bucket(duration_histogram, 0.95)) stored;

comment on column app_public.execution_metric_rollups.duration_p50_bucket is
  '@behavior -*
The histogram bucket of this row''s median duration (nearest rank; app_hidden.duration_bucket_value gives its ms); null when it counted no duration.';
comment on column app_public.execution_metric_rollups.duration_p95_bucket is
  '@behavior -*
The histogram bucket of this row''s 95th percentile duration (nearest rank); null when it counted no duration.';

create or replace function app_hidden.execution_metric_tail(
  bucket text, range_start timestamptz, range_end timestamptz, workflow_id uuid, team_id uuid
) returns table (
  bucket_start timestamptz, total integer, succeeded integer, failed integer, cancelled integer, timed_out integer,
  crashed integer, duration_count integer, duration_sum_ms bigint, cumulative integer[], node_count bigint, failed_node_count bigint,
  p50_bucket integer, p95_bucket integer
)
  language sql stable
as $$
  select t.bucket_start, t.total, t.succeeded, t.failed, t.cancelled, t.timed_out, t.crashed, t.duration_count,
         t.duration_sum_ms, t.cumulative, t.node_count, t.failed_node_count,
         case when t.cumulative[200] > 0 then 1 + width_bucket(greatest(1, ceil(0.5 * t.cumulative[200]))::integer - 1, t.cumulative) end,
         case when t.cumulative[200] > 0 then 1 + width_bucket(greatest(1, ceil(0.95 * t.cumulative[200]))::integer - 1, t.cumulative) end
    from (
  select date_trunc(bucket, q.recorded_at, 'UTC') as bucket_start, count(*)::integer as total,
         (count(*) filter (where q.state = 'succeeded'))::integer as succeeded,
         (count(*) filter (where q.state = 'failed'))::integer as failed,
         (count(*) filter (where q.state = 'cancelled'))::integer as cancelled,
         (count(*) filter (where q.state = 'timed_out'))::integer as timed_out,
         (count(*) filter (where q.state = 'crashed'))::integer as crashed,
         count(q.duration_ms)::integer as duration_count,
         coalesce(sum(q.duration_ms), 0)::bigint as duration_sum_ms,
         app_hidden.histogram_cumulative(app_hidden.duration_histogram(array_agg(q.duration_ms))) as cumulative,
         sum(q.node_count)::bigint as node_count, sum(q.failed_node_count)::bigint as failed_node_count
    from app_hidden.execution_metric_fold_queue q
   where (q.workflow_id = execution_metric_tail.workflow_id or q.team_id = execution_metric_tail.team_id)
     and q.recorded_at >= range_start and q.recorded_at < range_end
     and exists (select 1 from app_public.workflows w where w.id = q.workflow_id)
   group by 1) t;
$$;

comment on function app_hidden.execution_metric_tail(text, timestamptz, timestamptz, uuid, uuid) is
  'The metric samples the fold has not reached yet (app_hidden.execution_metric_fold_queue) of one workflow or one team, per bucket, shaped like a rollup row with its cumulative histogram and its p50/p95 buckets: what execution_metrics_series adds to the rollups so that its counts equal the raw samples. Inlined into the caller (plain SQL, invoker rights: RLS applies).';

revoke all on function app_hidden.execution_metric_tail(text, timestamptz, timestamptz, uuid, uuid) from public;
grant execute on function app_hidden.execution_metric_tail(text, timestamptz, timestamptz, uuid, uuid) to linkflow_visitor;

create or replace function app_public.execution_metrics_series(
  range_start timestamptz, range_end timestamptz, bucket text default 'hour', workflow_id uuid default null, team_id uuid default null
) returns setof app_public.execution_metric_point
  language plpgsql stable
  set search_path to 'pg_catalog'
  set "TimeZone" to 'UTC'
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

  if workflow_id is not null then
    -- one workflow: each bucket's shard-0 row (the fold's) read in index order; other sources are rare
    return query
      with extra as (
        select r.bucket as bucket_start, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed,
               r.duration_count, r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count,
               r.duration_p50_bucket, r.duration_p95_bucket
          from app_public.execution_metric_rollups r
         where r.workflow_id = execution_metrics_series.workflow_id and r.granularity = execution_metrics_series.bucket
           and r.bucket >= v_start and r.bucket < range_end and r.shard > 0
        union all
        select * from app_hidden.execution_metric_tail(execution_metrics_series.bucket, v_start, range_end,
                                                       execution_metrics_series.workflow_id, null)
      ), sums as (
        -- the extra sources' counters per bucket
        select x.bucket_start, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded,
               sum(x.failed)::integer as failed, sum(x.cancelled)::integer as cancelled,
               sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
               sum(x.duration_count)::bigint as dcount, sum(x.duration_sum_ms)::bigint as dsum,
               sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count
          from extra x group by x.bucket_start
      ), stacks as (
        -- a bucket with extra sources: every source's cumulative histogram stacked (k x 200), searched on read
        select s.bucket_start, array_agg(c.cumulative) as cumulatives, sum(c.cumulative[200])::bigint as histogram_total
          from sums s
         cross join lateral (
           select x.cumulative from extra x where x.bucket_start = s.bucket_start
           union all
           select r.duration_cumulative from app_public.execution_metric_rollups r
            where r.workflow_id = execution_metrics_series.workflow_id and r.granularity = execution_metrics_series.bucket
              and r.bucket = s.bucket_start and r.shard = 0) c
         group by s.bucket_start
      ), main as (
        -- the fold's row of each bucket, narrow (its percentiles are kept with it)
        select m.bucket, m.total, m.succeeded, m.failed, m.cancelled, m.timed_out, m.crashed, m.duration_count,
               m.duration_sum_ms, m.node_count, m.failed_node_count, m.duration_p50_bucket, m.duration_p95_bucket
          from app_public.execution_metric_rollups m
         where m.workflow_id = execution_metrics_series.workflow_id and m.granularity = execution_metrics_series.bucket
           and m.bucket >= v_start and m.bucket < range_end and m.shard = 0
      ), points as (
        select g.b,
               coalesce(m.total, 0) + coalesce(s.total, 0) as total,
               coalesce(m.succeeded, 0) + coalesce(s.succeeded, 0) as succeeded,
               coalesce(m.failed, 0) + coalesce(s.failed, 0) as failed,
               coalesce(m.cancelled, 0) + coalesce(s.cancelled, 0) as cancelled,
               coalesce(m.timed_out, 0) + coalesce(s.timed_out, 0) as timed_out,
               coalesce(m.crashed, 0) + coalesce(s.crashed, 0) as crashed,
               coalesce(m.duration_count, 0) + coalesce(s.dcount, 0) as dcount,
               coalesce(m.duration_sum_ms, 0) + coalesce(s.dsum, 0) as dsum,
               coalesce(m.node_count, 0) + coalesce(s.node_count, 0) as node_count,
               coalesce(m.failed_node_count, 0) + coalesce(s.failed_node_count, 0) as failed_node_count,
               case when s.bucket_start is null then app_hidden.duration_bucket_value(m.duration_p50_bucket)
                    else app_hidden.cumulative_percentile(null, st.cumulatives, st.histogram_total, 0.5) end as p50,
               case when s.bucket_start is null then app_hidden.duration_bucket_value(m.duration_p95_bucket)
                    else app_hidden.cumulative_percentile(null, st.cumulatives, st.histogram_total, 0.95) end as p95
          from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
          left join main m on m.bucket = g.b
          left join sums s on s.bucket_start = g.b
          left join stacks st on st.bucket_start = g.b
      )
      select p.b, p.total, p.succeeded, p.failed, p.cancelled, p.timed_out, p.crashed,
             case when p.total > 0 then p.succeeded::double precision / p.total end,
             case when p.dcount > 0 then p.dsum::double precision / p.dcount end,
             p.p50, p.p95, p.node_count, p.failed_node_count
        from points p
       order by p.b;
    return;
  end if;

  -- one team: every workflow's rows of a bucket, summed in one pass; the merged percentile is searched only
  -- between the smallest and the largest of the sources' own percentile buckets
  return query
    with sources as (
      select r.bucket as bucket_start, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed,
             r.duration_count, r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count,
             r.duration_p50_bucket as p50_bucket, r.duration_p95_bucket as p95_bucket
        from app_public.execution_metric_rollups r
       where r.team_id = execution_metrics_series.team_id and r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
      union all
      select * from app_hidden.execution_metric_tail(execution_metrics_series.bucket, v_start, range_end,
                                                     null, execution_metrics_series.team_id)
    ), points as (
      select x.bucket_start, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded,
             sum(x.failed)::integer as failed, sum(x.cancelled)::integer as cancelled,
             sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
             sum(x.duration_count) as dcount, sum(x.duration_sum_ms) as dsum,
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count,
             sum(x.cumulative[200])::bigint as histogram_total, array_agg(x.cumulative) as cumulatives,
             min(x.p50_bucket) as p50_lo, max(x.p50_bucket) as p50_hi, min(x.p95_bucket) as p95_lo, max(x.p95_bucket) as p95_hi
        from sources x group by x.bucket_start
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           case when s.histogram_total > 0 then app_hidden.duration_bucket_value(
             case when s.p50_lo = s.p50_hi then s.p50_lo
                  else app_hidden.cumulative_search(s.cumulatives, greatest(1, ceil(0.5 * s.histogram_total))::bigint, s.p50_lo, s.p50_hi) end) end,
           case when s.histogram_total > 0 then app_hidden.duration_bucket_value(
             case when s.p95_lo = s.p95_hi then s.p95_lo
                  else app_hidden.cumulative_search(s.cumulatives, greatest(1, ceil(0.95 * s.histogram_total))::bigint, s.p95_lo, s.p95_hi) end) end,
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join points s on s.bucket_start = g.b
     order by g.b;
end;
$$;

-- The ExecutionStateChanged event built flat: data and metadata are two objects, not one {type, data, metadata}
-- object taken apart again (nesting a jsonb value re-encodes it; ~45 -> ~20 ms per 1,500 moves measured in a DO
-- block). The event's shape keeps one home: these two functions.
create or replace function app_private.execution_state_changed_data(m app_private.execution_move) returns jsonb
  language sql stable parallel safe
as $$
  select jsonb_build_object(
    'execution_id', m.execution_id, 'workflow_id', m.workflow_id, 'team_id', m.team_id, 'from_state', m.from_state,
    'to_state', m.to_state, 'seq', m.version, 'at', m.at, 'attempt', m.attempt, 'started_at', m.started_at,
    'finished_at', m.finished_at, 'duration_ms', m.duration_ms);
$$;

comment on function app_private.execution_state_changed_data(app_private.execution_move) is
  'The data of the ExecutionStateChanged event of an accepted move, per the contract in docs/executions.md: execution_id, workflow_id, team_id, from_state, to_state, seq, at, attempt, started_at, finished_at, duration_ms.';

create or replace function app_private.execution_state_changed_metadata(m app_private.execution_move, p_actor uuid) returns jsonb
  language sql stable parallel safe
as $$
  select jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
    'correlation_id', m.details->'correlation_id', 'causation_id', m.details->'causation_id', 'trace_id', m.details->'trace_id'));
$$;

comment on function app_private.execution_state_changed_metadata(app_private.execution_move, uuid) is
  'The metadata of the ExecutionStateChanged event of an accepted move: {actor, correlation_id?, causation_id?, trace_id?} from the move''s details.';

revoke all on function app_private.execution_state_changed_data(app_private.execution_move) from public;
revoke all on function app_private.execution_state_changed_metadata(app_private.execution_move, uuid) from public;

create or replace function app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) RETURNS record
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
  perform 1 from app_private.append_stream_events('execution-' || e.id, 'execution', null,
    array['ExecutionStateChanged'], array[app_private.execution_state_changed_data(m)],
    array[app_private.execution_state_changed_metadata(m, p_actor)], e.team_id);
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

COMMENT ON FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) IS 'The lean single move (owner only): one execution, parameters only (every lookup pruned to one partition at executor start), the same checks and writes as a batch of one: access check before the row lock, legality, then one UPDATE (heap-only), one transition INSERT, one append_events, and a metric sample when finishing. Never raises for a refused move: result carries ok or error_code (LFVAL, LFNTF, LFDNY, LFSTA) and current_state; execution is the moved row.';

create or replace function app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_streams text[];
  v_stream_teams uuid[];
  v_event_streams integer[];
  v_types text[];
  v_datas jsonb[];
  v_metadatas jsonb[];
begin
  -- 1. the execution rows: one update per execution, with its final values
  update app_public.executions e set
    state = m.state, attempt = m.attempt, version = m.version, started_at = m.started_at, finished_at = m.finished_at,
    duration_ms = m.duration_ms,
    output = case when m.set_output then m.output else e.output end,
    error = case when m.set_error then m.error else e.error end,
    updated_at = now()
    from unnest(p_moves) m
   where m.final and e.id = m.execution_id and e.created_at = m.execution_created_at;

  -- 2. the history (the chain trigger re-checks every move)
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    select m.execution_id, m.execution_created_at, m.version, m.team_id, m.from_state, m.to_state, m.at, p_actor,
           m.details->>'reason', m.details - 'output' - 'error' - 'reason'
      from unnest(p_moves) m where m.ok
     order by m.execution_id, m.version;

  -- 3. the events: one ExecutionStateChanged per move, streams in stream-id order, each stream's events by seq,
  --    through the multi-stream array form of the append
  select array_agg(s.id order by s.id), array_agg(s.team_id order by s.id) into v_streams, v_stream_teams
    from (select 'execution-' || m.execution_id as id, min(m.team_id::text)::uuid as team_id
            from unnest(p_moves) m where m.ok group by 1) s;
  if v_streams is not null then
    -- one ordered pass (stream order, then seq) feeding four plain aggregates
    select array_agg(e.k), array_agg('ExecutionStateChanged'::text), array_agg(e.data), array_agg(e.metadata)
      into v_event_streams, v_types, v_datas, v_metadatas
      from (select s.k, app_private.execution_state_changed_data(m) as data,
                   app_private.execution_state_changed_metadata(m, p_actor) as metadata
              from unnest(p_moves) m
              join unnest(v_streams) with ordinality s(id, k) on s.id = 'execution-' || m.execution_id
             where m.ok
             order by s.k, m.version) e;
    perform 1 from app_private.append_streams_events(
      v_streams, array_fill('execution'::text, array[cardinality(v_streams)]), v_stream_teams,
      v_event_streams, v_types, v_datas, v_metadatas);
  end if;

  -- 4. one metric sample per finished attempt
  insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select m.execution_id, m.at, m.team_id, m.workflow_id, m.to_state, m.duration_ms, coalesce(n.total, 0), coalesce(n.failed, 0)
      from unnest(p_moves) m
      left join lateral (
        select count(*)::integer as total, (count(*) filter (where nr.status = 'failed'))::integer as failed
          from app_public.execution_node_runs nr
         where nr.execution_id = m.execution_id and nr.execution_created_at = m.execution_created_at) n on true
     where m.ok and m.to_state = any (app_hidden.execution_terminal_states());
end;
$$;

COMMENT ON FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) IS 'Writes a planned batch set-based: one UPDATE of executions (final values per execution), one INSERT of transitions, the ExecutionStateChanged events through append_streams_events, and one INSERT of metric samples for finished attempts. Refused moves write nothing.';

drop function if exists app_private.execution_state_changed_event(app_private.execution_move, uuid);
