-- reverse of migrations/current/500-executions.sql
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

COMMENT ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) IS 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads the rollups plus the samples not yet folded (app_hidden.execution_metric_fold_queue), in one snapshot: counts always equal the raw samples.';

alter table app_public.execution_metric_rollups drop column if exists duration_cumulative;
drop function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision);
drop function app_hidden.cumulative_search(integer[], bigint);
drop function app_hidden.histogram_cumulative(integer[]);
CREATE OR REPLACE FUNCTION app_hidden.duration_bucket_value(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select power(1.1, bucket - 0.5) - 1;
$$;

COMMENT ON FUNCTION app_hidden.duration_bucket_value(bucket integer) IS 'Representative duration (ms) of a histogram bucket: its geometric midpoint (relative error <= 4.9% of d + 1).';
