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
