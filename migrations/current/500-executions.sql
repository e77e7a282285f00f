-- Metric series without exploding histograms: a cumulative histogram per rollup row, read by binary search.
--
-- execution_metrics_series merged the 200-bucket histograms of every row it read by unnesting them (rows x 200
-- rows) and then ran app_hidden.histogram_percentile (a SQL function with a SET clause: parsed, planned and run as a
-- separate query) twice per point: an hourly series of one workflow over 30 days (720 rollup rows) touched 144,000
-- unnested rows, and the benchmark's series p99 was 360 ms (target: under 5 ms).
--
-- Now each rollup row carries duration_cumulative, its histogram's running sums (a stored generated column, so
-- every writer keeps it right and nobody can write it). A point with one source row (the usual case: one workflow,
-- shard 0, folded) finds its percentile's bucket with width_bucket over that array (a binary search in C); a point
-- with several rows (a team's workflows, old shards, the unfolded tail) binary-searches the column sums of the
-- k x 200 array (app_hidden.cumulative_search: 8 steps of k additions). The value is unchanged: the bucket's
-- representative duration (app_hidden.duration_bucket_value), the same nearest-rank rule as histogram_percentile.

create or replace function app_hidden.histogram_cumulative(histogram integer[]) returns integer[]
  language sql immutable parallel safe
as $$
  select pg_catalog.array_agg(x.s::integer order by x.i)
    from (select u.i, pg_catalog.sum(u.c) over (order by u.i) as s
            from pg_catalog.unnest(histogram) with ordinality u(c, i)) x;
$$;
comment on function app_hidden.histogram_cumulative(integer[]) is
  'The running sums of a duration histogram: element i is the number of durations in buckets 1..i (the last element is the total). Null for null.';

create or replace function app_hidden.cumulative_search(cumulatives integer[], rank bigint) returns integer
  language plpgsql immutable parallel safe strict
  set search_path = pg_catalog
as $$
declare
  v_lo integer := 1;
  v_hi integer := array_upper(cumulatives, 2);
  v_mid integer;
  v_count bigint;
begin
  -- the first bucket whose cumulative count, summed over the rows (the first dimension), reaches rank
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
comment on function app_hidden.cumulative_search(integer[], bigint) is
  'The first histogram bucket at which the summed cumulative histograms (a k x 200 array, one row per source) reach rank: a binary search, 8 steps of k additions.';

create or replace function app_hidden.duration_bucket_value(bucket integer) returns double precision
  language sql immutable parallel safe strict
as $$
  -- in double precision (numeric power took ~6 us per call, most of a series point's cost)
  select pg_catalog.power(1.1::double precision, bucket - 0.5::double precision) - 1;
$$;
alter function app_hidden.duration_bucket_value(integer) reset all;

create or replace function app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision)
  returns double precision
  language sql immutable parallel safe
as $$
  select case when total > 0 then app_hidden.duration_bucket_value(
           case when cumulatives is null
                then 1 + pg_catalog.width_bucket(greatest(1, ceil(fraction * total))::integer - 1, one_cumulative)
                else app_hidden.cumulative_search(cumulatives, greatest(1, ceil(fraction * total))::bigint) end) end;
$$;
comment on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) is
  'Nearest-rank percentile (like percentile_disc, as histogram_percentile) of a series point from its cumulative histogram: one_cumulative when the point has one source row, else cumulatives (k x 200); total is the number of durations. The representative value of the bucket holding the rank; null when total is 0.';

revoke all on function app_hidden.histogram_cumulative(integer[]) from public;
grant execute on function app_hidden.histogram_cumulative(integer[]) to linkflow_visitor;
revoke all on function app_hidden.cumulative_search(integer[], bigint) from public;
grant execute on function app_hidden.cumulative_search(integer[], bigint) to linkflow_visitor;
revoke all on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) from public;
grant execute on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) to linkflow_visitor;

alter table app_public.execution_metric_rollups
  add column if not exists duration_cumulative integer[] generated always as (app_hidden.histogram_cumulative(duration_histogram)) stored;
comment on column app_public.execution_metric_rollups.duration_cumulative is
  E'@behavior -*\nRunning sums of duration_histogram (generated): what execution_metrics_series reads percentiles from. Internal: not exposed through GraphQL.';

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
      select r.bucket, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed, r.duration_count,
             r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count
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
             coalesce(sum(q.duration_ms), 0)::bigint, app_hidden.histogram_cumulative(app_hidden.duration_histogram(array_agg(q.duration_ms))),
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
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count,
             -- the bucket's cumulative histogram: one source row's as it is (the usual case), several as a k x 200
             -- array built below only for those buckets (merged on read)
             count(*) as sources, min(x.cumulative) as one_cumulative, sum(x.cumulative[200]) as histogram_total
        from rows x group by x.bucket
    ), merged as (
      select x.bucket, array_agg(x.cumulative) as cumulatives
        from rows x
       where x.bucket in (select m.bucket from sums m where m.sources > 1)
       group by x.bucket
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           app_hidden.cumulative_percentile(s.one_cumulative, mg.cumulatives, s.histogram_total, 0.5),
           app_hidden.cumulative_percentile(s.one_cumulative, mg.cumulatives, s.histogram_total, 0.95),
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join sums s on s.bucket = g.b
      left join merged mg on mg.bucket = g.b
     order by g.b;
end;
$$;

-- The batch engine's parse and plan steps in PL/pgSQL (the same queries): as SQL functions with a SET clause they were
-- parsed and planned on every call (pg_stat_statements, one 64-move batch: plan_execution_moves took 2.9 ms of
-- which its own query 0.7 ms and the row locks 0.65 ms; parse_execution_moves 0.66 ms for a 0.33 ms query).

create or replace function app_private.parse_execution_moves(p_items jsonb) returns setof app_private.execution_move_request
  language plpgsql immutable parallel safe
  set search_path = pg_catalog
as $fn$
begin
  return query
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
end;
$fn$;

create or replace function app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) returns setof app_private.execution_move
  language plpgsql volatile
  set search_path = pg_catalog
as $fn$
begin
  return query
  with recursive
  requests as (
    select r.*, (row_number() over (partition by r.execution_id order by r.ord))::integer as step
      from unnest(p_requests) r where r.execution_id is not null
  ),
  access as (
    -- the caller's rights, once per team: null (may move), LFDNY (a member without the editor role), LFNTF
    select t.team_id,
           case when not p_check_role or app_hidden.has_team_role(t.team_id, 'editor') then null
                when app_hidden.has_team_role(t.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end as denied
      from (select distinct x.team_id from unnest(p_locked) x) t
  ),
  walk as (
    -- step 0: each locked execution as it is; step k: its k-th requested move, applied when legal
    select x.id, x.created_at, x.team_id, x.workflow_id, a.denied, 0 as step, null::integer as ord, null::text as error_code,
           null::text as from_state, null::text as to_state, x.state, x.version, x.attempt, null::timestamptz as at,
           x.started_at, x.finished_at, x.duration_ms,
           null::jsonb as output, false as set_output, null::jsonb as error, false as set_error, null::jsonb as details
      from unnest(p_locked) x join access a on a.team_id = x.team_id
    union all
    select w.id, w.created_at, w.team_id, w.workflow_id, w.denied, r.step, r.ord, c.code,
           w.state, r.to_state,
           case when c.code is null then r.to_state else w.state end,
           w.version + (c.code is null)::integer,
           case when c.code is null then t.attempt else w.attempt end,
           c.at,
           case when c.code is null then t.started_at else w.started_at end,
           case when c.code is null then t.finished_at else w.finished_at end,
           case when c.code is null then t.duration_ms else w.duration_ms end,
           case when c.code is null and r.details ? 'output' then r.details->'output' else w.output end,
           w.set_output or (c.code is null and r.details ? 'output'),
           case when c.code is null and r.details ? 'error' then r.details->'error' else w.error end,
           w.set_error or (c.code is null and r.details ? 'error'),
           r.details
      from walk w
      join requests r on r.execution_id = w.id and r.step = w.step + 1
      left join app_public.execution_allowed_transitions a on a.from_state = w.state and a.to_state = r.to_state
     cross join lateral (
       select case
                when not r.well_formed then 'LFVAL'
                when w.denied is not null then w.denied
                when r.to_state is null or not (r.to_state = any (app_hidden.execution_states())) then 'LFVAL'
                when r.expected_from is not null and not (r.expected_from = any (app_hidden.execution_states())) then 'LFVAL'
                when char_length(r.details->>'reason') > 2000 then 'LFVAL'
                when r.expected_from is not null and r.expected_from <> w.state then 'LFSTA'
                when a.to_state is null then 'LFSTA'
              end as code,
              clock_timestamp() as at) c
     cross join lateral app_private.execution_timing_after_move(
       r.to_state, coalesce(a.is_retry, false), c.at, w.attempt, w.started_at, w.finished_at, w.duration_ms) t
  )
  select r.ord, r.execution_id, w.created_at, w.team_id, w.workflow_id, w.step,
         coalesce(w.id is not null and w.error_code is null, false),
         case when w.id is not null then w.error_code
              when r.execution_id is null or not r.well_formed then 'LFVAL' else 'LFNTF' end,
         w.denied, w.from_state, w.to_state, w.state, w.version, w.attempt, w.at, w.started_at, w.finished_at, w.duration_ms,
         w.output, w.set_output, w.error, w.set_error, r.details,
         coalesce(w.step = max(w.step) over (partition by w.id) and bool_or(w.error_code is null) over (partition by w.id), false)
    from unnest(p_requests) r
    left join walk w on w.ord = r.ord and w.step > 0
   order by r.ord;
end;
$fn$;

-- The batch engine appends its events through the multi-stream array form (app_private.append_streams_events)
-- instead of building a JSON document for append_to_streams.
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
    select array_agg(s.k order by s.k, m.version), array_agg(x.e->>'type' order by s.k, m.version),
           array_agg(x.e->'data' order by s.k, m.version), array_agg(x.e->'metadata' order by s.k, m.version)
      into v_event_streams, v_types, v_datas, v_metadatas
      from unnest(p_moves) m
      join unnest(v_streams) with ordinality s(id, k) on s.id = 'execution-' || m.execution_id
     cross join lateral (select app_private.execution_state_changed_event(m, p_actor) as e) x
     where m.ok;
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
