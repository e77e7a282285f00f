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
CREATE OR REPLACE FUNCTION app_private.parse_execution_moves(p_items jsonb) RETURNS SETOF app_private.execution_move_request
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $_$
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
$_$;

COMMENT ON FUNCTION app_private.parse_execution_moves(p_items jsonb) IS 'Parses transition items [{id, to_state, expected_from?, details?}] into execution_move_request rows, in input order (ord from 1). Never raises: malformed items come back with well_formed = false or a null id.';

CREATE OR REPLACE FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) RETURNS SETOF app_private.execution_move
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
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
$$;

COMMENT ON FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) IS 'Plans a batch of moves without writing: walks each locked execution through its requested moves in input order (a recursive query, one step per move of the same execution), checking each against the caller''s role, the known states, expected_from and execution_allowed_transitions. A refused move leaves the state as it was for the next one. One execution_move per request, in input order.';
CREATE OR REPLACE FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_appends jsonb;
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

  -- 3. the events, one append per execution stream
  select jsonb_agg(jsonb_build_object('stream_id', 'execution-' || s.execution_id, 'stream_type', 'execution',
                                      'expected_version', null, 'team_id', s.team_id, 'events', s.events)
                   order by 'execution-' || s.execution_id)
    into v_appends
    from (select m.execution_id, min(m.team_id::text)::uuid as team_id,
                 jsonb_agg(app_private.execution_state_changed_event(m, p_actor) order by m.version) as events
            from unnest(p_moves) m where m.ok group by m.execution_id) s;
  if v_appends is not null then
    perform app_private.append_execution_events(v_appends);
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

COMMENT ON FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) IS 'Writes a planned batch set-based: one UPDATE of executions (final values per execution), one INSERT of transitions, the ExecutionStateChanged events through append_execution_events, and one INSERT of metric samples for finished attempts. Refused moves write nothing.';
